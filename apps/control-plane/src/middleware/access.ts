// Cloudflare Access as an admin identity: when CLAUDEOPS_ACCESS_TEAM_DOMAIN and CLAUDEOPS_ACCESS_AUD are set, the
// token Access puts in front of the Worker (`Cf-Access-Jwt-Assertion`, or the `CF_Authorization` cookie) is
// verified against the team's published keys. Used by auth.ts.
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import type { AppEnv } from '../env';
import { AppError } from '../errors';
import { AccessTokenError, importRsaKey, verifyAccessJwt, type AccessClaims } from '../lib/access-jwt';

export const ACCESS_HEADER = 'cf-access-jwt-assertion';
export const ACCESS_COOKIE = 'CF_Authorization';

/** The team's keys are fetched again after this long; Access rotates them every six weeks, with overlap. */
const KEYS_TTL_MS = 10 * 60 * 1000;
/** A token naming an unknown key refetches the keys (a rotation), but not more often than this. */
const REFETCH_MIN_MS = 30 * 1000;

export type AccessConfig = { teamDomain: string; audience: string };

/** Both settings, the team domain as an origin (`https://team.cloudflareaccess.com`); null when Access is off. */
export function accessConfig(env: Env): AccessConfig | null {
  const domain = env.CLAUDEOPS_ACCESS_TEAM_DOMAIN?.trim();
  const audience = env.CLAUDEOPS_ACCESS_AUD?.trim();
  if (!domain || !audience) return null;
  const withScheme = /^https?:\/\//.test(domain) ? domain : `https://${domain}`;
  return { teamDomain: withScheme.replace(/\/+$/, ''), audience };
}

type CachedKeys = { keys: Map<string, CryptoKey>; fetchedAt: number };
/** Per isolate and team: resolved keys, not a shared promise (a request may not wait on another's I/O). */
const cache = new Map<string, CachedKeys>();

async function fetchKeys(teamDomain: string): Promise<CachedKeys> {
  const response = await fetch(`${teamDomain}/cdn-cgi/access/certs`, { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`the team's keys answered ${response.status}`);
  const body = (await response.json()) as { keys?: (JsonWebKey & { kid?: string })[] };
  const keys = new Map<string, CryptoKey>();
  for (const jwk of body.keys ?? []) {
    if (jwk.kty !== 'RSA' || typeof jwk.kid !== 'string') continue;
    keys.set(jwk.kid, await importRsaKey(jwk));
  }
  const entry = { keys, fetchedAt: Date.now() };
  cache.set(teamDomain, entry);
  return entry;
}

async function resolveKey(teamDomain: string, kid: string | undefined): Promise<CryptoKey | null> {
  if (kid === undefined) return null;
  const now = Date.now();
  let entry = cache.get(teamDomain);
  try {
    if (entry === undefined || now - entry.fetchedAt > KEYS_TTL_MS) entry = await fetchKeys(teamDomain);
    else if (!entry.keys.has(kid) && now - entry.fetchedAt > REFETCH_MIN_MS) entry = await fetchKeys(teamDomain);
  } catch (err) {
    console.error(`Cloudflare Access: fetching the keys of ${teamDomain} failed`, err);
    // Keys a little past their time still check a token better than none; without any, nobody signs in via Access.
    if (entry === undefined) throw new AccessTokenError(`the keys of ${teamDomain} could not be fetched; try again`);
  }
  return entry.keys.get(kid) ?? null;
}

/**
 * The token this request carries (the header first), and whether the browser sent the Access cookie: then the
 * request needs the CSRF check, whichever was verified, because Access's edge turns that cookie into the header on
 * any request a page elsewhere makes. A service token's client sends neither cookie nor Origin. Null: no token.
 */
export function accessToken(c: Context<AppEnv>): { token: string; cookie: boolean } | null {
  const header = c.req.header(ACCESS_HEADER)?.trim();
  const cookie = getCookie(c, ACCESS_COOKIE);
  const token = header || cookie;
  return token ? { token, cookie: cookie !== undefined } : null;
}

/** Who a valid token names: the user's email, or a service token's client id. Any failure is a 401. */
export async function accessActor(config: AccessConfig, token: string): Promise<string> {
  let claims: AccessClaims;
  try {
    claims = await verifyAccessJwt(token, {
      audience: config.audience,
      issuer: config.teamDomain,
      resolveKey: (kid) => resolveKey(config.teamDomain, kid),
    });
  } catch (err) {
    if (err instanceof AccessTokenError) {
      throw new AppError('UNAUTHORIZED', `the Cloudflare Access token is not valid: ${err.message}`);
    }
    // WebCrypto refuses a malformed key or signature with its own errors: still the token's fault.
    console.warn('Cloudflare Access: token check failed', err);
    throw new AppError('UNAUTHORIZED', 'the Cloudflare Access token is not valid: it could not be checked');
  }
  if (typeof claims.email === 'string' && claims.email.length > 0) return claims.email;
  if (typeof claims.common_name === 'string' && claims.common_name.length > 0) {
    return `service-token:${claims.common_name}`;
  }
  throw new AppError('UNAUTHORIZED', 'the Cloudflare Access token names no user (no email)');
}
