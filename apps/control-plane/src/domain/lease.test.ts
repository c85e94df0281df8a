// Unit tests for lease math: interval parsing, heartbeat reconciliation, expiry.
import { describe, expect, it } from 'vitest';
import {
  expiryOutcome,
  heartbeatIntervalMs,
  isExpired,
  leaseTtlMs,
  nextExpiry,
  reconcileRunning,
  type Lease,
} from './lease';

const lease = (
  executionId: string,
  runnerId: string,
  expiresAt = 1000,
  cancelReason: Lease['cancelReason'] = null,
): Lease => ({
  executionId,
  runnerId,
  expiresAt,
  cancelReason,
});

describe('heartbeatIntervalMs', () => {
  it('reads a positive integer and falls back to the default otherwise', () => {
    expect(heartbeatIntervalMs('250')).toBe(250);
    expect(heartbeatIntervalMs(undefined)).toBe(10_000);
    expect(heartbeatIntervalMs('0')).toBe(10_000);
    expect(heartbeatIntervalMs('fast')).toBe(10_000);
    expect(leaseTtlMs(250)).toBe(750);
  });
});

describe('reconcileRunning', () => {
  const leases = new Map([
    ['a', lease('a', 'r1')],
    ['b', lease('b', 'r1')],
    ['c', lease('c', 'r2')],
  ]);

  it('renews what the runner holds, flags what it does not own, and lists what it has not started', () => {
    expect(reconcileRunning(leases, 'r1', ['a', 'c', 'z'])).toEqual({
      renew: ['a'],
      foreign: ['c', 'z'],
      unlisted: ['b'],
    });
  });

  it('counts a repeated id once', () => {
    expect(reconcileRunning(leases, 'r2', ['c', 'c']).renew).toEqual(['c']);
  });
});

describe('expiry', () => {
  it('finds the earliest expiry and what has expired', () => {
    const all = [lease('a', 'r1', 300), lease('b', 'r1', 100), lease('c', 'r2', 200)];
    expect(nextExpiry(all)).toBe(100);
    expect(nextExpiry([])).toBeNull();
    expect(all.filter((l) => isExpired(l, 200)).map((l) => l.executionId)).toEqual(['b', 'c']);
  });

  it('makes an expired lease lost, or cancelled when a cancel was requested', () => {
    expect(expiryOutcome(lease('a', 'r1')).status).toBe('lost');
    expect(expiryOutcome(lease('a', 'r1', 0, 'user')).status).toBe('cancelled');
  });
});
