// RateLimiter Durable Object, one per caller (a token's hash, a session's, a client address for logins): the token
// bucket every isolate of the Worker consults, so a limit holds however many isolates serve the caller. Used by
// middleware/rate-limit.ts, once per HTTP request.
//
// The bucket lives in memory only, never in storage, so a request costs no write: a limiter is evicted only after
// it has sat idle for longer than the default limits take to refill completely (a minute), so an evicted bucket was
// full again anyway; a setting with a longer window can only forgive early, never refuse wrongly.
import { DurableObject } from 'cloudflare:workers';
import { take, type Bucket, type RateLimit } from '../domain/token-bucket';

/** What the middleware learns: allowed, or refused with how long to wait. */
export type LimitVerdict = { ok: true } | { ok: false; retryAfterMs: number };

export class RateLimiter extends DurableObject<Env> {
  private bucket: Bucket | undefined;

  /** Takes one token under `limit` (the caller's; a changed setting applies from the next request). */
  async take(limit: RateLimit): Promise<LimitVerdict> {
    const verdict = take(this.bucket, limit, Date.now());
    this.bucket = verdict.bucket;
    return verdict.ok ? { ok: true } : { ok: false, retryAfterMs: verdict.retryAfterMs };
  }
}
