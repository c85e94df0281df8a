// Webhook signature checks (HMAC-SHA256 with the webhook's secret) for GitHub, Sentry, Jira and generic senders, and
// where each kind keeps its delivery id. Used by routes/hooks.ts before the body is parsed. Constant-time: the
// comparison is WebCrypto's own (crypto.subtle.verify with an HMAC key).
export type WebhookKind = 'github' | 'jira' | 'sentry' | 'generic';

/** A generic signature's timestamp may be at most this far from now, either way. */
export const GENERIC_TOLERANCE_SECONDS = 300;

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

type Headers = { get(name: string): string | null };

function hexToBytes(hex: string): Uint8Array | null {
  if (!/^[0-9a-fA-F]*$/.test(hex) || hex.length % 2 !== 0 || hex.length === 0) return null;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** The key type without naming the global CryptoKey (absent from Node's lib, where tests and the bench use this). */
type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

async function hmacKey(secret: string, usage: 'sign' | 'verify'): Promise<HmacKey> {
  return crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    usage,
  ]);
}

/** Hex HMAC-SHA256 of `message` (tests and the bench sign deliveries with it). */
export async function hmacHex(secret: string, message: string | Uint8Array): Promise<string> {
  const data = typeof message === 'string' ? new TextEncoder().encode(message) : message;
  const signature = new Uint8Array(await crypto.subtle.sign('HMAC', await hmacKey(secret, 'sign'), data));
  return [...signature].map((b) => b.toString(16).padStart(2, '0')).join('');
}

async function verifyHex(secret: string, hex: string, data: Uint8Array): Promise<boolean> {
  const expected = hexToBytes(hex);
  if (expected === null) return false;
  return crypto.subtle.verify('HMAC', await hmacKey(secret, 'verify'), expected, data);
}

const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
};

/** The header that carries each kind's signature. */
export const SIGNATURE_HEADER: Record<WebhookKind, string> = {
  github: 'x-hub-signature-256',
  sentry: 'sentry-hook-signature',
  jira: 'x-hub-signature',
  generic: 'x-claudeops-signature',
};

/** The header that carries each kind's delivery id (replays are told apart by it). */
export const DELIVERY_HEADER: Record<WebhookKind, string> = {
  github: 'x-github-delivery',
  sentry: 'request-id',
  jira: 'x-atlassian-webhook-identifier',
  generic: 'x-claudeops-delivery',
};

/** Checks the signature of a raw body against the secret, as the webhook's kind signs it. */
export async function verifySignature(
  kind: WebhookKind,
  secret: string,
  headers: Headers,
  body: Uint8Array,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): Promise<SignatureCheck> {
  const header = SIGNATURE_HEADER[kind];
  const value = headers.get(header)?.trim();
  if (value === undefined || value === '') return { ok: false, reason: `missing ${header} signature header` };
  const bad: SignatureCheck = { ok: false, reason: `the ${header} signature does not match the body` };
  if (kind === 'github' || kind === 'jira') {
    const [method, hex] = value.split('=', 2);
    if (method !== 'sha256' || hex === undefined) return { ok: false, reason: `${header} must be sha256=<hex>` };
    return (await verifyHex(secret, hex, body)) ? { ok: true } : bad;
  }
  if (kind === 'sentry') return (await verifyHex(secret, value, body)) ? { ok: true } : bad;
  const parts = new Map(
    value.split(',').map((part) => {
      const at = part.indexOf('=');
      return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const;
    }),
  );
  const t = parts.get('t');
  const v1 = parts.get('v1');
  if (t === undefined || v1 === undefined || !/^\d+$/.test(t))
    return { ok: false, reason: `${header} must be t=<unix seconds>,v1=<hex>` };
  if (Math.abs(nowSeconds - Number(t)) > GENERIC_TOLERANCE_SECONDS)
    return {
      ok: false,
      reason: `the ${header} timestamp is more than 5 minutes from now (a stale or replayed delivery)`,
    };
  const signed = concat(new TextEncoder().encode(`${t}.`), body);
  return (await verifyHex(secret, v1, signed)) ? { ok: true } : bad;
}

/** A new webhook secret: 32 random bytes as hex. */
export function newWebhookSecret(): string {
  return [...crypto.getRandomValues(new Uint8Array(32))].map((b) => b.toString(16).padStart(2, '0')).join('');
}
