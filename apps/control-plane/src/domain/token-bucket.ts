// Token buckets: whether a caller may send one more request or frame now, and if not, how long until it may. Pure;
// used by the RateLimiter DO (HTTP requests, logins), the Fleet (heartbeats) and the ExecutionHub (permits).

/** `capacity` tokens that refill evenly over `windowMs`: a burst of `capacity`, then `capacity` per window. */
export interface RateLimit {
  readonly capacity: number;
  readonly windowMs: number;
}

export interface Bucket {
  readonly tokens: number;
  /** When `tokens` was last brought up to date (ms). */
  readonly at: number;
}

export type Verdict = { ok: true; bucket: Bucket } | { ok: false; bucket: Bucket; retryAfterMs: number };

/** The bucket brought up to `now`: refilled for the time since it was last seen, never above capacity. A clock that
 * went backwards refills nothing. */
export function refill(bucket: Bucket | undefined, limit: RateLimit, now: number): Bucket {
  if (bucket === undefined) return { tokens: limit.capacity, at: now };
  const elapsed = Math.max(0, now - bucket.at);
  const tokens = Math.min(limit.capacity, bucket.tokens + (elapsed * limit.capacity) / limit.windowMs);
  return { tokens, at: Math.max(now, bucket.at) };
}

/** Takes `cost` tokens if the bucket holds them; otherwise leaves it as it is and says when they will be there. */
export function take(bucket: Bucket | undefined, limit: RateLimit, now: number, cost = 1): Verdict {
  const current = refill(bucket, limit, now);
  if (current.tokens >= cost) return { ok: true, bucket: { tokens: current.tokens - cost, at: current.at } };
  // A cost above capacity could never be paid: say when the bucket is full, the most it will ever hold.
  const missing = Math.min(cost, limit.capacity) - current.tokens;
  return {
    ok: false,
    bucket: current,
    retryAfterMs: Math.max(1, Math.ceil((missing * limit.windowMs) / limit.capacity)),
  };
}

/** Whole seconds for a `Retry-After` header: never 0, which would invite an immediate retry. */
export const retryAfterSeconds = (retryAfterMs: number): number => Math.max(1, Math.ceil(retryAfterMs / 1000));

/**
 * Buckets by key, held in memory, at most `maxKeys` of them: past that the least recently used is forgotten, which
 * only ever forgives (a forgotten bucket starts full again). For callers whose keys are few and known, such as the
 * runners on the Fleet's sockets.
 */
export class Buckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly maxKeys = 10_000) {}

  take(key: string, limit: RateLimit, now: number, cost = 1): Verdict {
    const verdict = take(this.buckets.get(key), limit, now, cost);
    // Re-inserted, so the Map's order is least recently used first.
    this.buckets.delete(key);
    this.buckets.set(key, verdict.bucket);
    if (this.buckets.size > this.maxKeys) {
      const oldest = this.buckets.keys().next();
      if (!oldest.done) this.buckets.delete(oldest.value);
    }
    return verdict;
  }

  get size(): number {
    return this.buckets.size;
  }
}

const LIMIT_TEXT = /^\s*(\d+)\s*(?:\/\s*(\d+)\s*s?)?\s*$/;
/** The largest count or window a setting may name; past it a typo, not a limit. */
const MAX_SETTING = 1_000_000_000;

/**
 * A limit from a setting: `<count>` (per minute) or `<count>/<seconds>` (`600/60`: a burst of 600, then 600 a
 * minute). Null for anything else, including a zero count or window.
 */
export function parseRateLimit(text: string | undefined): RateLimit | null {
  if (text === undefined) return null;
  const match = LIMIT_TEXT.exec(text);
  if (match === null) return null;
  const capacity = Number(match[1]);
  const seconds = match[2] === undefined ? 60 : Number(match[2]);
  if (capacity < 1 || seconds < 1 || capacity > MAX_SETTING || seconds > MAX_SETTING) return null;
  return { capacity, windowMs: seconds * 1000 };
}
