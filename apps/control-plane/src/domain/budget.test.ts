// Unit tests for budget math: UTC periods, states, admission with reservations, crossings, reasons.
import { describe, expect, it } from 'vitest';
import {
  admissionOf,
  crossingsOf,
  formatUsd,
  hasMoreRoom,
  periodEndOf,
  periodStartOf,
  permitOf,
  remainingOf,
  reservationAfter,
  stateOf,
  type Standing,
} from './budget';

const at = (iso: string) => Date.parse(iso);
const standing = (over: Partial<Standing> = {}): Standing => ({
  scope: 'global',
  period: 'day',
  softLimitUsd: null,
  hardLimitUsd: 5,
  spentUsd: 0,
  reservedUsd: 0,
  ...over,
});

describe('periods', () => {
  it('start at UTC midnight, the first of the month, or the epoch for total', () => {
    const now = at('2026-03-31T23:59:59.999Z');
    expect(periodStartOf('day', now)).toBe(at('2026-03-31T00:00:00Z'));
    expect(periodStartOf('month', now)).toBe(at('2026-03-01T00:00:00Z'));
    expect(periodStartOf('total', now)).toBe(0);
  });

  it('end at the next boundary, across months and years; total never ends', () => {
    expect(periodEndOf('day', at('2026-03-31T00:00:00Z'))).toBe(at('2026-04-01T00:00:00Z'));
    expect(periodEndOf('month', at('2026-12-01T00:00:00Z'))).toBe(at('2027-01-01T00:00:00Z'));
    expect(periodEndOf('month', at('2028-02-01T00:00:00Z'))).toBe(at('2028-03-01T00:00:00Z'));
    expect(periodEndOf('total', 0)).toBeNull();
  });

  it('puts a boundary instant in the new period', () => {
    const midnight = at('2026-04-01T00:00:00Z');
    expect(periodStartOf('day', midnight)).toBe(midnight);
    expect(periodStartOf('day', midnight - 1)).toBe(at('2026-03-31T00:00:00Z'));
  });
});

describe('stateOf and remainingOf', () => {
  const limits = { softLimitUsd: 3, hardLimitUsd: 5 };
  it('moves ok → soft_exceeded → hard_exceeded as the limits are reached', () => {
    expect(stateOf(2.99, limits)).toBe('ok');
    expect(stateOf(3, limits)).toBe('soft_exceeded');
    expect(stateOf(5, limits)).toBe('hard_exceeded');
    expect(stateOf(100, { softLimitUsd: null, hardLimitUsd: null })).toBe('ok');
  });

  it('does not let float drift hide a reached limit', () => {
    expect(stateOf(0.1 + 0.2, { softLimitUsd: null, hardLimitUsd: 0.3 })).toBe('hard_exceeded');
    expect(stateOf(0.1 + 0.1 + 0.1, { softLimitUsd: null, hardLimitUsd: 0.3 })).toBe('hard_exceeded');
  });

  it('counts what is left under the hard limit, never below zero', () => {
    expect(remainingOf(1.25, 5)).toBe(3.75);
    expect(remainingOf(6, 5)).toBe(0);
    expect(remainingOf(6, null)).toBeNull();
  });
});

describe('permitOf', () => {
  it('allows calls below the hard limit and refuses at it, saying which budget', () => {
    expect(permitOf(standing({ spentUsd: 4.99 }))).toEqual({ ok: true });
    expect(permitOf(standing({ spentUsd: 5.12 }))).toEqual({
      ok: false,
      reason: 'budget global: hard limit $5.00 reached ($5.12 spent this day)',
    });
    expect(permitOf(standing({ hardLimitUsd: null, spentUsd: 1e6 }))).toEqual({ ok: true });
  });
});

describe('admissionOf', () => {
  it('admits a reservation only if spend, other reservations and it fit under the hard limit', () => {
    const s = standing({ spentUsd: 2, reservedUsd: 1 });
    expect(admissionOf(s, 2)).toEqual({ ok: true });
    const refused = admissionOf(s, 2.5);
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.reason).toBe(
      'budget global: no room for a $2.50 reservation under the hard limit $5.00 ($2.00 spent and $1.00 reserved this day)',
    );
  });

  it('admits an execution without a reservation while any room is left', () => {
    expect(admissionOf(standing({ spentUsd: 4, reservedUsd: 0.5 }), 0)).toEqual({ ok: true });
    expect(admissionOf(standing({ spentUsd: 4, reservedUsd: 1 }), 0).ok).toBe(false);
  });

  it('refuses anything once the hard limit is reached, and admits everything without one', () => {
    const spent = admissionOf(standing({ period: 'month', spentUsd: 5 }), 0);
    expect(!spent.ok && spent.reason).toBe('budget global: hard limit $5.00 reached ($5.00 spent this month)');
    const total = admissionOf(standing({ period: 'total', scope: 'label:gpu', spentUsd: 7 }), 1);
    expect(!total.ok && total.reason).toMatch(
      /^budget label:gpu: hard limit \$5\.00 reached \(\$7\.00 spent in total\)$/,
    );
    expect(admissionOf(standing({ hardLimitUsd: null, spentUsd: 99 }), 50)).toEqual({ ok: true });
  });
});

describe('crossingsOf', () => {
  const limits = { softLimitUsd: 1, hardLimitUsd: 2 };
  it('lists the limits reached, each with an id tied to the scope, period and limit', () => {
    expect(crossingsOf('global', 0, 0.5, limits)).toEqual([]);
    expect(crossingsOf('global', 0, 1.5, limits)).toEqual([
      { level: 'soft', limitUsd: 1, alertId: 'budget:global:soft:0:1' },
    ]);
    expect(crossingsOf('agent:default', 86_400_000, 2, limits).map((c) => c.alertId)).toEqual([
      'budget:agent:default:soft:86400000:1',
      'budget:agent:default:hard:86400000:2',
    ]);
  });

  it('gives a raised limit a new id, so crossing it again alerts again', () => {
    const before = crossingsOf('global', 0, 2.5, limits).find((c) => c.level === 'hard');
    const after = crossingsOf('global', 0, 3.5, { ...limits, hardLimitUsd: 3 }).find((c) => c.level === 'hard');
    expect(before?.alertId).not.toBe(after?.alertId);
  });
});

describe('reservations and room', () => {
  it('consumes the reservation with positive charges only', () => {
    expect(reservationAfter(2, 0.5)).toBe(1.5);
    expect(reservationAfter(2, 3)).toBe(0);
    expect(reservationAfter(2, -0.5)).toBe(2);
  });

  it('sees room when a limit is raised or removed, or less is committed', () => {
    const base = standing({ spentUsd: 5 });
    expect(hasMoreRoom(base, { ...base, hardLimitUsd: 10 })).toBe(true);
    expect(hasMoreRoom(base, { ...base, hardLimitUsd: null })).toBe(true);
    expect(hasMoreRoom(base, { ...base, spentUsd: 4.5 })).toBe(true);
    expect(hasMoreRoom({ ...base, reservedUsd: 1 }, base)).toBe(true);
    expect(hasMoreRoom(base, { ...base, spentUsd: 5.5 })).toBe(false);
    expect(hasMoreRoom(standing({ hardLimitUsd: null }), standing({ hardLimitUsd: null }))).toBe(false);
  });
});

describe('formatUsd', () => {
  it('shows cents from a dollar up and four places below', () => {
    expect(formatUsd(5)).toBe('$5.00');
    expect(formatUsd(0)).toBe('$0.00');
    expect(formatUsd(0.0042)).toBe('$0.0042');
    expect(formatUsd(-0.25)).toBe('-$0.2500');
  });
});
