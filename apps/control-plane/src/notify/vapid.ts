// The VAPID key pair that signs Web Push requests (RFC 8292): CLAUDEOPS_VAPID_* when set, else a P-256 pair
// generated once and kept in D1's `settings` (its private key as a JWK: it only proves to push services that the
// messages come from this control plane; it is no user or runner secret). Used by routes/push.ts and notify/push.ts.
import type { Db } from '../db/client';
import { getSetting, insertSettingOnce } from '../db/queries/push';
import { decodeBase64Url, encodeBase64Url } from '../lib/base64url';

export type VapidKeys = {
  /** The uncompressed P-256 point, base64url: the browser's applicationServerKey and the `k=` of each request. */
  publicKey: string;
  privateJwk: JsonWebKey;
};

const SETTING_KEY = 'vapid';
/** Push services want a contact; operators set CLAUDEOPS_VAPID_SUBJECT to a real one. */
const DEFAULT_SUBJECT = 'mailto:claudeops@example.com';
/** RFC 8292 §2: at most 24 hours; 12 leaves room for clock skew. */
const JWT_LIFETIME_S = 12 * 60 * 60;
const ECDSA = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/** Per isolate: the generated pair never changes once stored, so one read is enough. */
let stored: VapidKeys | null = null;
let signing: { publicKey: string; key: CryptoKey } | null = null;

/** The keys from CLAUDEOPS_VAPID_PUBLIC_KEY/PRIVATE_KEY (the private key is the scalar `d`), or null unless both. */
function keysFromEnv(env: Env): VapidKeys | null {
  const publicKey = env.CLAUDEOPS_VAPID_PUBLIC_KEY?.trim();
  const d = env.CLAUDEOPS_VAPID_PRIVATE_KEY?.trim();
  if (!publicKey || !d) return null;
  const point = decodeBase64Url(publicKey);
  if (point.byteLength !== 65 || point[0] !== 0x04) {
    throw new Error('CLAUDEOPS_VAPID_PUBLIC_KEY is not an uncompressed P-256 point (65 bytes, base64url)');
  }
  const x = encodeBase64Url(point.slice(1, 33));
  const y = encodeBase64Url(point.slice(33, 65));
  return { publicKey: encodeBase64Url(point), privateJwk: { kty: 'EC', crv: 'P-256', x, y, d } };
}

async function generateKeys(): Promise<VapidKeys> {
  const pair = (await crypto.subtle.generateKey(ECDSA, true, ['sign', 'verify'])) as CryptoKeyPair;
  const raw = (await crypto.subtle.exportKey('raw', pair.publicKey)) as ArrayBuffer;
  const jwk = (await crypto.subtle.exportKey('jwk', pair.privateKey)) as JsonWebKey;
  const { kty, crv, x, y, d } = jwk;
  return { publicKey: encodeBase64Url(raw), privateJwk: { kty, crv, x, y, d } };
}

function isVapidKeys(value: Record<string, unknown> | undefined): value is VapidKeys {
  return typeof value?.publicKey === 'string' && typeof value.privateJwk === 'object' && value.privateJwk !== null;
}

/** The key pair in use: the environment's, else the stored one, generated on first use (the first writer wins). */
export async function vapidKeys(env: Env, db: Db): Promise<VapidKeys> {
  const fromEnv = keysFromEnv(env);
  if (fromEnv !== null) return fromEnv;
  if (stored !== null) return stored;
  const existing = await getSetting(db, SETTING_KEY);
  if (isVapidKeys(existing)) return (stored = existing);
  const kept = await insertSettingOnce(db, SETTING_KEY, await generateKeys(), Date.now());
  if (!isVapidKeys(kept)) throw new Error('the stored VAPID keys are malformed');
  return (stored = kept);
}

export function vapidSubject(env: Env): string {
  return env.CLAUDEOPS_VAPID_SUBJECT?.trim() || DEFAULT_SUBJECT;
}

async function signingKey(keys: VapidKeys): Promise<CryptoKey> {
  if (signing?.publicKey === keys.publicKey) return signing.key;
  const key = await crypto.subtle.importKey('jwk', keys.privateJwk, ECDSA, false, ['sign']);
  signing = { publicKey: keys.publicKey, key };
  return key;
}

const json64 = (value: unknown) => encodeBase64Url(new TextEncoder().encode(JSON.stringify(value)));

/**
 * The Authorization header of a push request: `vapid t=<ES256 JWT for the endpoint's origin>, k=<public key>`.
 * Signed here rather than by the push library, which refuses the http://localhost endpoints local runs use.
 */
export async function vapidAuthorization(
  endpoint: string,
  keys: VapidKeys,
  subject: string,
  now: number = Date.now(),
): Promise<string> {
  const claims = { aud: new URL(endpoint).origin, exp: Math.floor(now / 1000) + JWT_LIFETIME_S, sub: subject };
  const unsigned = `${json64({ typ: 'JWT', alg: 'ES256' })}.${json64(claims)}`;
  const signature = await crypto.subtle.sign(
    { name: 'ECDSA', hash: 'SHA-256' },
    await signingKey(keys),
    new TextEncoder().encode(unsigned),
  );
  return `vapid t=${unsigned}.${encodeBase64Url(signature)}, k=${keys.publicKey}`;
}
