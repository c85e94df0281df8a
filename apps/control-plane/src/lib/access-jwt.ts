// Verifies a Cloudflare Access token (an RS256 JWT): signature, audience, issuer and its time window. Pure WebCrypto,
// the key comes from a resolver, so it runs in Node tests as in the Worker. Used by middleware/access.ts.
import { decodeBase64Url } from './base64url';

/** The claims ClaudeOps reads from an Access token. A user's token has `email`; a service token's `common_name`. */
export interface AccessClaims {
  aud: string | string[];
  iss: string;
  exp: number;
  nbf?: number;
  iat?: number;
  sub?: string;
  email?: string;
  common_name?: string;
}

/** The public key for a token's `kid`, or null when the team has no such key. */
export type KeyResolver = (kid: string | undefined) => Promise<CryptoKey | null>;

export interface VerifyOptions {
  /** The Access application's AUD tag: the token's `aud` must contain it. */
  audience: string;
  /** The team domain, `https://<team>.cloudflareaccess.com`: the token's `iss` must equal it. */
  issuer: string;
  resolveKey: KeyResolver;
  /** Unix epoch milliseconds. */
  now?: number;
  /** Clock skew allowed on `exp` and `nbf`. */
  leewaySeconds?: number;
}

/** The token is not valid; the message says why (it reaches the caller in a 401). */
export class AccessTokenError extends Error {
  override readonly name = 'AccessTokenError';
}

const DEFAULT_LEEWAY_SECONDS = 60;
const RS256 = { name: 'RSASSA-PKCS1-v1_5' } as const;

function base64UrlDecode(text: string): Uint8Array<ArrayBuffer> {
  try {
    return decodeBase64Url(text);
  } catch {
    throw new AccessTokenError('the token is not base64url');
  }
}

function decodeJson(part: string, what: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(base64UrlDecode(part)));
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new AccessTokenError(`the token's ${what} is not a JSON object`);
}

/** Imports one key of a JWKS (`/cdn-cgi/access/certs`) for RS256 verification. */
export function importRsaKey(jwk: JsonWebKey): Promise<CryptoKey> {
  return crypto.subtle.importKey('jwk', { ...jwk, alg: 'RS256', ext: true }, { ...RS256, hash: 'SHA-256' }, false, [
    'verify',
  ]);
}

/** The token's claims once every check passes; throws AccessTokenError otherwise. */
export async function verifyAccessJwt(token: string, options: VerifyOptions): Promise<AccessClaims> {
  const parts = token.split('.');
  if (parts.length !== 3) throw new AccessTokenError('the token is not a JWT (three dot-separated parts)');
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decodeJson(headerPart, 'header');
  if (header.alg !== 'RS256') throw new AccessTokenError(`the token is signed with ${String(header.alg)}, not RS256`);
  const kid = typeof header.kid === 'string' ? header.kid : undefined;
  const key = await options.resolveKey(kid);
  if (key === null) throw new AccessTokenError(`the token's key ${kid ?? '(no kid)'} is not one of the team's keys`);
  const signed = new TextEncoder().encode(`${headerPart}.${payloadPart}`);
  if (!(await crypto.subtle.verify(RS256, key, base64UrlDecode(signaturePart), signed))) {
    throw new AccessTokenError('the token signature is not valid');
  }
  const claims = decodeJson(payloadPart, 'payload');
  checkClaims(claims, options);
  return claims as unknown as AccessClaims;
}

function checkClaims(claims: Record<string, unknown>, options: VerifyOptions): void {
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.includes(options.audience)) {
    throw new AccessTokenError('the token is for another Access application (aud does not match)');
  }
  if (claims.iss !== options.issuer) {
    throw new AccessTokenError(`the token was issued by ${String(claims.iss)}, not ${options.issuer}`);
  }
  const now = (options.now ?? Date.now()) / 1000;
  const leeway = options.leewaySeconds ?? DEFAULT_LEEWAY_SECONDS;
  if (typeof claims.exp !== 'number') throw new AccessTokenError('the token has no expiry (exp)');
  if (now > claims.exp + leeway) throw new AccessTokenError('the token has expired; sign in through Access again');
  if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || now < claims.nbf - leeway)) {
    throw new AccessTokenError('the token is not valid yet (nbf)');
  }
}
