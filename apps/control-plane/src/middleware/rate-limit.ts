// Rate limits on the HTTP API: per token, session or Access identity (whatever credential the request carries, by
// its hash), per client address for logins and for requests without credentials. Answers 429 RATE_LIMITED with
// `Retry-After`. Mounted on /api/* in app.ts, before authentication, so a flood of bad tokens is limited too.
//
// Cost on the hot path: one RateLimiter DO call per request (the bucket must be shared by every isolate, so it lives
// in a Durable Object). Once the limiter refuses a key, this isolate remembers until when and answers 429 itself,
// so a client hammering past its limit costs no DO call per request; an allowed request always asks the limiter, so
// the limit is never looser than configured. A limiter that cannot be reached lets the request through: a broken
// limiter must not take the API down with it.
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import { httpLimit, loginLimit } from '../domain/rate-limits';
import { retryAfterSeconds, type RateLimit } from '../domain/token-bucket';
import type { AppEnv } from '../env';
import { hashToken } from '../lib/tokens';
import type { ErrorBody } from '../protocol';
import { ACCESS_COOKIE, ACCESS_HEADER } from './access';
import { SESSION_COOKIE } from './session-cookie';

/** Used when the platform does not say who connected (local tools, tests): all such callers share one bucket. */
export const UNKNOWN_CLIENT = 'unknown-client';
/** Refusals this isolate remembers; past it the oldest is forgotten (the limiter still refuses it). */
const MAX_REMEMBERED = 1_000;

type Subject = { key: string; limit: RateLimit; what: string };

/** key → when the limiter said the key may send again (ms). */
const refusedUntil = new Map<string, number>();

const clientAddress = (c: Context<AppEnv>): string => c.req.header('cf-connecting-ip')?.trim() || UNKNOWN_CLIENT;

/** Whose bucket a request draws on: its credential's (hashed, so no token is ever a DO name) or its address's. */
async function subjectOf(c: Context<AppEnv>): Promise<Subject> {
  if (c.req.method === 'POST' && c.req.path === '/api/v1/sessions') {
    return { key: `login:${clientAddress(c)}`, limit: loginLimit(c.env), what: 'login attempts from this address' };
  }
  const limit = httpLimit(c.env);
  const bearer = c.req.header('authorization');
  if (bearer !== undefined) return { key: `token:${await hashToken(bearer.trim())}`, limit, what: 'requests' };
  const access = c.req.header(ACCESS_HEADER) ?? getCookie(c, ACCESS_COOKIE);
  if (access !== undefined) return { key: `access:${await hashToken(access)}`, limit, what: 'requests' };
  const session = getCookie(c, SESSION_COOKIE);
  if (session !== undefined) return { key: `session:${await hashToken(session)}`, limit, what: 'requests' };
  return { key: `address:${clientAddress(c)}`, limit, what: 'requests from this address' };
}

function remember(key: string, until: number): void {
  refusedUntil.delete(key);
  refusedUntil.set(key, until);
  if (refusedUntil.size > MAX_REMEMBERED) {
    const oldest = refusedUntil.keys().next();
    if (!oldest.done) refusedUntil.delete(oldest.value);
  }
}

/** How long the caller must wait, or null when the request may go on. */
async function refusalWait(env: Env, subject: Subject, now: number): Promise<number | null> {
  const until = refusedUntil.get(subject.key);
  if (until !== undefined) {
    if (until > now) return until - now;
    refusedUntil.delete(subject.key);
  }
  try {
    const limiter = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(subject.key));
    const verdict = await limiter.take(subject.limit);
    if (verdict.ok) return null;
    remember(subject.key, now + verdict.retryAfterMs);
    return verdict.retryAfterMs;
  } catch (err) {
    console.error('rate limit: the limiter could not be reached; letting the request through', err);
    return null;
  }
}

export const rateLimit = createMiddleware<AppEnv>(async (c, next) => {
  const subject = await subjectOf(c);
  const waitMs = await refusalWait(c.env, subject, Date.now());
  if (waitMs === null) {
    await next();
    return;
  }
  const seconds = retryAfterSeconds(waitMs);
  const { capacity, windowMs } = subject.limit;
  const message = `too many ${subject.what} (at most ${capacity} per ${windowMs / 1000} s); retry in ${seconds} s`;
  return c.json({ error: { code: 'RATE_LIMITED', message } } satisfies ErrorBody, 429, {
    'retry-after': String(seconds),
  });
});
