// Bearer tokens: generation, SHA-256 hashing (only hashes are stored) and constant-time comparison.
const TOKEN_BYTES = 32;

export const TOKEN_PREFIX = {
  admin: 'coa_',
  runner: 'cor_',
  registration: 'cog_',
  session: 'cos_',
} as const;
export type TokenKind = keyof typeof TOKEN_PREFIX;

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A fresh random token: the kind's prefix and 32 random bytes, base64url. */
export function generateToken(kind: TokenKind): string {
  return TOKEN_PREFIX[kind] + base64url(crypto.getRandomValues(new Uint8Array(TOKEN_BYTES)));
}

/** The stored form of a token: SHA-256, hex. */
export async function hashToken(token: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Compares two hashes without leaking where they differ. */
export function hashesEqual(a: string, b: string): boolean {
  const left = new TextEncoder().encode(a);
  const right = new TextEncoder().encode(b);
  if (left.byteLength !== right.byteLength) return false;
  return crypto.subtle.timingSafeEqual(left, right);
}
