// Who is calling: admin (admin Bearer token, dashboard session cookie, or a Cloudflare Access identity when Access
// is configured) or a runner (runner Bearer token).
// Routes pick `requireAdmin` or `requireRunner`; a token of the other kind is a 403, no credentials a 401. Each is
// tagged with its kind for the OpenAPI document's `security` (openapi/generate.ts).
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import { createDb, type Db } from '../db/client';
import { getRunnerByTokenHash } from '../db/queries/runners';
import { isLiveSession, isStoredAdminToken } from '../db/queries/tokens';
import type { AppEnv } from '../env';
import { AppError } from '../errors';
import { hashesEqual, hashToken, TOKEN_PREFIX } from '../lib/tokens';
import { ROUTE_AUTH, tag, type AuthKind } from '../openapi/describe';
import { accessActor, accessConfig, accessToken } from './access';
import { SESSION_COOKIE } from './session-cookie';

export type Identity =
  | { kind: 'admin'; via: 'bearer' | 'session' }
  /** Signed in through Cloudflare Access; `cookie`: the browser sent Access's cookie (so: the CSRF check). */
  | { kind: 'admin'; via: 'access'; email: string; cookie: boolean }
  | { kind: 'runner'; runnerId: string };

const BEARER = /^Bearer +([^\s]+)$/i;

/** True if `token` is the admin token: CLAUDEOPS_ADMIN_TOKEN when set, else the generated one stored hashed. */
export async function isAdminToken(env: Env, db: Db, token: string): Promise<boolean> {
  const hash = await hashToken(token);
  if (env.CLAUDEOPS_ADMIN_TOKEN) return hashesEqual(hash, await hashToken(env.CLAUDEOPS_ADMIN_TOKEN));
  return isStoredAdminToken(db, hash);
}

async function identify(c: Context<AppEnv>): Promise<Identity> {
  const db = createDb(c.env.DB);
  const header = c.req.header('authorization');
  if (header !== undefined) {
    const token = BEARER.exec(header.trim())?.[1];
    if (!token) throw new AppError('UNAUTHORIZED', 'the Authorization header must be "Bearer <token>"');
    if (token.startsWith(TOKEN_PREFIX.runner)) {
      const runner = await getRunnerByTokenHash(db, await hashToken(token));
      // A revoked runner's token is refused from the moment it is revoked.
      if (!runner) throw new AppError('UNAUTHORIZED', 'the runner token is not valid (unknown or revoked)');
      return { kind: 'runner', runnerId: runner.id };
    }
    if (token.startsWith(TOKEN_PREFIX.registration)) {
      throw new AppError(
        'UNAUTHORIZED',
        'a registration token only registers a runner (POST /api/v1/runners/register)',
      );
    }
    if (await isAdminToken(c.env, db, token)) return { kind: 'admin', via: 'bearer' };
    throw new AppError('UNAUTHORIZED', 'the token is not valid');
  }
  // Before the session: behind Access, the person Access vouches for is the more precise name for the audit log.
  const access = accessConfig(c.env);
  const assertion = access === null ? null : accessToken(c);
  if (access !== null && assertion !== null) {
    const email = await accessActor(access, assertion.token);
    return { kind: 'admin', via: 'access', email, cookie: assertion.cookie };
  }
  const session = getCookie(c, SESSION_COOKIE);
  if (session !== undefined) {
    const envAdminHash = c.env.CLAUDEOPS_ADMIN_TOKEN ? await hashToken(c.env.CLAUDEOPS_ADMIN_TOKEN) : null;
    if (await isLiveSession(db, await hashToken(session), Date.now(), envAdminHash)) {
      return { kind: 'admin', via: 'session' };
    }
    throw new AppError('UNAUTHORIZED', 'the session has expired or is not valid; log in again');
  }
  throw new AppError('UNAUTHORIZED', 'authentication required: send "Authorization: Bearer <token>"');
}

const isUpgrade = (c: Context) => c.req.header('upgrade')?.toLowerCase() === 'websocket';

/**
 * A cookie rides along on any request the browser makes, so a page elsewhere could act with it. For requests that
 * change something, and for WebSocket upgrades (no CORS there), the page's Origin must be ours or a listed one.
 */
export function assertCookieOrigin(c: Context<AppEnv>): void {
  const safe = c.req.method === 'GET' || c.req.method === 'HEAD' || c.req.method === 'OPTIONS';
  if (safe && !isUpgrade(c)) return;
  const origin = c.req.header('origin');
  if (origin === undefined || origin === new URL(c.req.url).origin) return;
  if (dashboardOrigins(c.env).includes(origin)) return;
  throw new AppError('FORBIDDEN', `a session or Access cookie is not accepted from origin ${origin}`);
}

export function dashboardOrigins(env: Env): string[] {
  return (env.CLAUDEOPS_DASHBOARD_ORIGINS ?? '')
    .split(',')
    .map((origin) => origin.trim().replace(/\/+$/, ''))
    .filter((origin) => origin.length > 0);
}

/** Admin only: the admin Bearer token, a session cookie from an allowed origin, or a valid Cloudflare Access token.
 * Runner tokens get a 403. */
export const requireAdmin = tag(
  createMiddleware<AppEnv>(async (c, next) => {
    const identity = await identify(c);
    if (identity.kind !== 'admin') {
      throw new AppError('FORBIDDEN', 'this endpoint needs the admin token; runner tokens are not accepted here');
    }
    if (identity.via === 'session' || (identity.via === 'access' && identity.cookie)) assertCookieOrigin(c);
    c.set('identity', identity);
    await next();
  }),
  ROUTE_AUTH,
  'admin' satisfies AuthKind,
);

/** Runners only: a runner Bearer token. The admin token gets a 403, so a leaked admin token cannot pose as one. */
export const requireRunner = tag(
  createMiddleware<AppEnv>(async (c, next) => {
    const identity = await identify(c);
    if (identity.kind !== 'runner') {
      throw new AppError('FORBIDDEN', 'this endpoint needs a runner token');
    }
    c.set('identity', identity);
    await next();
  }),
  ROUTE_AUTH,
  'runner' satisfies AuthKind,
);

/** Marks POST /api/v1/runners/register, whose credential is the registration token in its body (checked by the
 * route); does nothing at request time. */
export const registrationTokenInBody = tag(
  createMiddleware<AppEnv>(async (_c, next) => next()),
  ROUTE_AUTH,
  'registration' satisfies AuthKind,
);

/** Tokens never travel in URLs (logs, history, referrers keep them): a query parameter named like one is refused. */
export const noTokenInUrl = createMiddleware<AppEnv>(async (c, next) => {
  const keys = [...new URL(c.req.url).searchParams.keys()];
  const offending = keys.find((key) => /token|secret|api[_-]?key|password/i.test(key));
  if (offending !== undefined) {
    throw new AppError(
      'BAD_REQUEST',
      `query parameter "${offending}" is refused: tokens are never accepted in URLs; send "Authorization: Bearer <token>"`,
    );
  }
  await next();
});

/** Who the audit log names for an admin's action: `admin` (the API token), `dashboard` (a session) or the email
 * Cloudflare Access vouches for. */
export function actorOf(identity: Identity): string {
  if (identity.kind === 'runner') return `runner:${identity.runnerId}`;
  if (identity.via === 'access') return identity.email;
  return identity.via === 'session' ? 'dashboard' : 'admin';
}
