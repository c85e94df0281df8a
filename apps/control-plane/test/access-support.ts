// A stand-in Cloudflare Access team for tests: an RS256 key pair, its JWKS, and tokens signed with it (or with
// another key). Pure WebCrypto, so both the Node unit tests and the workers tests use it.
import { encodeBase64Url } from '../src/lib/base64url';

export const TEAM_DOMAIN = 'https://claudeops-test.cloudflareaccess.com';
export const AUD = 'workers-test-access-aud';

const RSA = {
  name: 'RSASSA-PKCS1-v1_5',
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: 'SHA-256',
};

export type TestTeam = { kid: string; privateKey: CryptoKey; publicKey: CryptoKey; jwks: { keys: JsonWebKey[] } };

export async function newTeam(kid = `kid-${crypto.randomUUID().slice(0, 8)}`): Promise<TestTeam> {
  const pair = (await crypto.subtle.generateKey(RSA, true, ['sign', 'verify'])) as CryptoKeyPair;
  const jwk = (await crypto.subtle.exportKey('jwk', pair.publicKey)) as JsonWebKey;
  return {
    kid,
    privateKey: pair.privateKey,
    publicKey: pair.publicKey,
    jwks: { keys: [{ kty: 'RSA', n: jwk.n, e: jwk.e, alg: 'RS256', use: 'sig', kid } as JsonWebKey] },
  };
}

const part = (value: unknown) => encodeBase64Url(new TextEncoder().encode(JSON.stringify(value)));

/** A token as Access issues it for `email`, valid for ten minutes; `claims` override or add claims. */
export async function accessToken(
  team: TestTeam,
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const body = {
    aud: [AUD],
    iss: TEAM_DOMAIN,
    email: 'ada@example.com',
    sub: '7335d417-61da-459d-899c-0a01c76a2f94',
    iat: now,
    nbf: now,
    exp: now + 600,
    type: 'app',
    ...claims,
  };
  const unsigned = `${part({ alg: 'RS256', kid: team.kid, typ: 'JWT', ...header })}.${part(body)}`;
  const signature = await crypto.subtle.sign(RSA, team.privateKey, new TextEncoder().encode(unsigned));
  return `${unsigned}.${encodeBase64Url(signature)}`;
}
