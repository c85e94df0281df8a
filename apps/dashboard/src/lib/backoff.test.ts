// Reconnect delays: growing, capped, jittered downwards only.
import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff';

const options = { initialMs: 500, maxMs: 15_000, jitter: 0.5 };

describe('backoffDelay', () => {
  it('doubles per attempt up to the cap', () => {
    const noJitter = () => 0;
    expect([0, 1, 2, 3, 4, 5, 10, 1000].map((n) => backoffDelay(n, options, noJitter))).toEqual([
      500, 1000, 2000, 4000, 8000, 15_000, 15_000, 15_000,
    ]);
  });

  it('takes off at most the jitter fraction', () => {
    expect(backoffDelay(2, options, () => 0.999)).toBeGreaterThanOrEqual(1000);
    expect(backoffDelay(2, options, () => 0.5)).toBe(1500);
  });
});
