// Unit tests for token buckets and the rate limits built on them: bursts, refill, retry times, settings.
import { describe, expect, it } from 'vitest';
import { DEFAULT_RATE_LIMITS, heartbeatLimit, httpLimit, loginLimit, permitLimit } from './rate-limits';
import { Buckets, parseRateLimit, refill, retryAfterSeconds, take, type Bucket, type RateLimit } from './token-bucket';

const TEN_A_SECOND: RateLimit = { capacity: 10, windowMs: 1000 };

/** Takes `n` tokens one at a time at `now`, returning the last verdict's bucket and how many were allowed. */
function takeMany(bucket: Bucket | undefined, n: number, now: number) {
  let allowed = 0;
  let current = bucket;
  for (let i = 0; i < n; i++) {
    const verdict = take(current, TEN_A_SECOND, now);
    current = verdict.bucket;
    if (verdict.ok) allowed += 1;
  }
  return { bucket: current, allowed };
}

describe('take', () => {
  it('allows a full burst from a fresh bucket, then refuses with the time until the next token', () => {
    const { bucket, allowed } = takeMany(undefined, 10, 0);
    expect(allowed).toBe(10);
    const refused = take(bucket, TEN_A_SECOND, 0);
    expect(refused).toMatchObject({ ok: false, retryAfterMs: 100 });
    // Half a token back after 50 ms: the wait halves.
    expect(take(bucket, TEN_A_SECOND, 50)).toMatchObject({ ok: false, retryAfterMs: 50 });
  });

  it('refills at capacity per window and never above capacity', () => {
    const { bucket } = takeMany(undefined, 10, 0);
    expect(takeMany(bucket, 10, 300).allowed).toBe(3);
    expect(refill(bucket, TEN_A_SECOND, 60_000).tokens).toBe(10);
  });

  it('sustains exactly the configured rate over time', () => {
    let bucket: Bucket | undefined;
    let allowed = 0;
    // One attempt every 10 ms for 10 s: a burst of 10, then 10 a second.
    for (let now = 0; now < 10_000; now += 10) {
      const verdict = take(bucket, TEN_A_SECOND, now);
      bucket = verdict.bucket;
      if (verdict.ok) allowed += 1;
    }
    expect(allowed).toBeGreaterThanOrEqual(108);
    expect(allowed).toBeLessThanOrEqual(110);
  });

  it('refunds nothing when the clock goes backwards', () => {
    const { bucket } = takeMany(undefined, 10, 1000);
    expect(take(bucket, TEN_A_SECOND, 500).ok).toBe(false);
  });

  it('never promises a cost above capacity sooner than a full bucket', () => {
    const refused = take({ tokens: 0, at: 0 }, TEN_A_SECOND, 0, 50);
    expect(refused).toMatchObject({ ok: false, retryAfterMs: 1000 });
  });
});

describe('Buckets', () => {
  it('keeps one bucket per key', () => {
    const buckets = new Buckets();
    for (let i = 0; i < 10; i++) expect(buckets.take('a', TEN_A_SECOND, 0).ok).toBe(true);
    expect(buckets.take('a', TEN_A_SECOND, 0).ok).toBe(false);
    expect(buckets.take('b', TEN_A_SECOND, 0).ok).toBe(true);
  });

  it('forgets the least recently used key past its bound, which only forgives', () => {
    const buckets = new Buckets(2);
    for (let i = 0; i < 10; i++) buckets.take('a', TEN_A_SECOND, 0);
    buckets.take('b', TEN_A_SECOND, 0);
    buckets.take('c', TEN_A_SECOND, 0);
    expect(buckets.size).toBe(2);
    expect(buckets.take('a', TEN_A_SECOND, 0).ok).toBe(true);
  });
});

describe('settings', () => {
  it('reads <count> as per minute and <count>/<seconds> as given', () => {
    expect(parseRateLimit('30')).toEqual({ capacity: 30, windowMs: 60_000 });
    expect(parseRateLimit(' 600 / 10 ')).toEqual({ capacity: 600, windowMs: 10_000 });
    expect(parseRateLimit('5/1s')).toEqual({ capacity: 5, windowMs: 1000 });
  });

  it('refuses what is not a limit', () => {
    for (const text of [undefined, '', 'ten', '0', '10/0', '-1', '1.5', '10/60m', '99999999999']) {
      expect(parseRateLimit(text)).toBeNull();
    }
  });

  it('falls back to the defaults when unset or mistyped', () => {
    expect(loginLimit({})).toEqual(DEFAULT_RATE_LIMITS.login);
    expect(httpLimit({ CLAUDEOPS_RATE_LIMIT_HTTP: 'lots' })).toEqual(DEFAULT_RATE_LIMITS.http);
    expect(permitLimit({ CLAUDEOPS_RATE_LIMIT_PERMITS: '100/1' })).toEqual({ capacity: 100, windowMs: 1000 });
  });

  it('sizes heartbeats at ten times the interval the Fleet asks for', () => {
    expect(heartbeatLimit({}, 10_000)).toEqual({ capacity: 60, windowMs: 60_000 });
    expect(heartbeatLimit({}, 100)).toEqual({ capacity: 6000, windowMs: 60_000 });
    expect(heartbeatLimit({}, 3_600_000).capacity).toBe(30);
    expect(heartbeatLimit({ CLAUDEOPS_RATE_LIMIT_HEARTBEATS: '5/60' }, 10_000)).toEqual({
      capacity: 5,
      windowMs: 60_000,
    });
  });

  it('puts every default well above the rate its honest sender keeps', () => {
    // A runner heartbeats every 10 s and asks one permit per model call (seconds each); a person logs in rarely.
    const beatsPerMinute = 60_000 / 10_000;
    expect(heartbeatLimit({}, 10_000).capacity).toBeGreaterThanOrEqual(10 * beatsPerMinute);
    expect((DEFAULT_RATE_LIMITS.permits.capacity * 1000) / DEFAULT_RATE_LIMITS.permits.windowMs).toBeGreaterThanOrEqual(
      10,
    );
    expect(DEFAULT_RATE_LIMITS.login.capacity).toBeGreaterThanOrEqual(5);
    expect(retryAfterSeconds(1)).toBe(1);
    expect(retryAfterSeconds(1500)).toBe(2);
  });
});
