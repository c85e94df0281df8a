// Unit tests for the retry policy of lost executions and the status reason a person reads.
import { describe, expect, it } from 'vitest';
import { lostReason, retryDue } from './retry';

const lease = { runnerId: 'rn_01', expiresAt: Date.UTC(2026, 0, 2, 3, 4, 5) };

describe('retryDue', () => {
  it('retries while attempts are left', () => {
    expect(retryDue({ attempt: 1, maxAttempts: 2 })).toBe(true);
    expect(retryDue({ attempt: 2, maxAttempts: 2 })).toBe(false);
    expect(retryDue({ attempt: 1, maxAttempts: 1 })).toBe(false);
    // A manual retry may go past maxAttempts; losing it is not retried again.
    expect(retryDue({ attempt: 3, maxAttempts: 2 })).toBe(false);
  });
});

describe('lostReason', () => {
  it('names the runner, the lease expiry and the retry', () => {
    expect(lostReason(lease, { attempt: 1, maxAttempts: 2 }, 'ex_02')).toBe(
      'runner rn_01 stopped heartbeating; lease expired at 2026-01-02T03:04:05.000Z; retried as ex_02 (attempt 2 of 2)',
    );
  });

  it('says when no attempts are left', () => {
    expect(lostReason(lease, { attempt: 2, maxAttempts: 2 }, null)).toBe(
      'runner rn_01 stopped heartbeating; lease expired at 2026-01-02T03:04:05.000Z; not retried: no attempts left (attempt 2 of 2)',
    );
    expect(lostReason(lease, { attempt: 3, maxAttempts: 2 }, null)).toMatch(
      /not retried: no attempts left \(attempt 3, maxAttempts 2\)$/,
    );
    expect(lostReason(lease, null, null)).toBe(
      'runner rn_01 stopped heartbeating; lease expired at 2026-01-02T03:04:05.000Z',
    );
  });
});
