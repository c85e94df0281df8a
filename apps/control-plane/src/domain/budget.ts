// Budget math, pure: periods in UTC, state from spend and limits, admission with reservations, limit crossings.
// The BudgetGuard Durable Object keeps the numbers; every decision it makes comes from here.
import type { BudgetPeriod, BudgetScope, BudgetState } from '../protocol/common';

export type Limits = { softLimitUsd: number | null; hardLimitUsd: number | null };
export type Level = 'soft' | 'hard';
/** `pause`: the budget pauses its executions at the hard limit rather than cancelling them. */
export type Decision = { ok: true } | { ok: false; reason: string; pause?: boolean };

/** What the guard knows when it decides: the period's spend and the reservations of executions still running. */
export type Standing = Limits & {
  scope: BudgetScope;
  period: BudgetPeriod;
  spentUsd: number;
  reservedUsd: number;
};

/** Sums of many float increments drift by far less than this; a limit is "reached" within it. */
const EPSILON_USD = 1e-9;

/** UTC midnight of `now`'s day, the first of its month, or the epoch for `total` (all spend ever counts). */
export function periodStartOf(period: BudgetPeriod, now: number): number {
  const date = new Date(now);
  if (period === 'day') return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  if (period === 'month') return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
  return 0;
}

/** When a period that began at `start` resets; `total` never does. */
export function periodEndOf(period: BudgetPeriod, start: number): number | null {
  const date = new Date(start);
  if (period === 'day') return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() + 1);
  if (period === 'month') return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
  return null;
}

const reached = (spentUsd: number, limitUsd: number | null): boolean =>
  limitUsd !== null && spentUsd >= limitUsd - EPSILON_USD;

export function stateOf(spentUsd: number, limits: Limits): BudgetState {
  if (reached(spentUsd, limits.hardLimitUsd)) return 'hard_exceeded';
  if (reached(spentUsd, limits.softLimitUsd)) return 'soft_exceeded';
  return 'ok';
}

/** What is left under the hard limit (never below 0), or null without one. */
export function remainingOf(spentUsd: number, hardLimitUsd: number | null): number | null {
  return hardLimitUsd === null ? null : Math.max(0, hardLimitUsd - spentUsd);
}

/** "$5.00", "$0.0042": cents once it is a dollar or more, four places below. */
export function formatUsd(amount: number): string {
  const places = amount === 0 || Math.abs(amount) >= 1 ? 2 : 4;
  return `${amount < 0 ? '-' : ''}$${Math.abs(amount).toFixed(places)}`;
}

const periodWords = (period: BudgetPeriod): string => (period === 'total' ? 'in total' : `this ${period}`);

function hardReached(s: Standing): string {
  return (
    `budget ${s.scope}: hard limit ${formatUsd(s.hardLimitUsd ?? 0)} reached ` +
    `(${formatUsd(s.spentUsd)} spent ${periodWords(s.period)})`
  );
}

/** May a model call start? Only while the spend is below the hard limit. */
export function permitOf(s: Standing): Decision {
  return reached(s.spentUsd, s.hardLimitUsd) ? { ok: false, reason: hardReached(s) } : { ok: true };
}

/**
 * May an execution start, holding back `reservationUsd` for itself? Only if the spend, what running executions
 * have reserved and this reservation all fit under the hard limit. With no reservation there must be some room
 * left, so that an execution without its own cap cannot start in a budget that is already spent.
 */
export function admissionOf(s: Standing, reservationUsd: number): Decision {
  if (s.hardLimitUsd === null) return { ok: true };
  if (reached(s.spentUsd, s.hardLimitUsd)) return { ok: false, reason: hardReached(s) };
  const committed = s.spentUsd + s.reservedUsd;
  const fits =
    reservationUsd > 0
      ? committed + reservationUsd <= s.hardLimitUsd + EPSILON_USD
      : committed < s.hardLimitUsd - EPSILON_USD;
  if (fits) return { ok: true };
  const asked = reservationUsd > 0 ? `a ${formatUsd(reservationUsd)} reservation` : 'another execution';
  return {
    ok: false,
    reason:
      `budget ${s.scope}: no room for ${asked} under the hard limit ${formatUsd(s.hardLimitUsd)} ` +
      `(${formatUsd(s.spentUsd)} spent and ${formatUsd(s.reservedUsd)} reserved ${periodWords(s.period)})`,
  };
}

export type Crossing = { level: Level; limitUsd: number; alertId: string };

/**
 * The limits the spend has reached, each named by an alert id unique to the scope, the period and the limit's
 * value: the guard alerts each id once, so raising a limit and crossing it again alerts again.
 */
export function crossingsOf(scope: BudgetScope, periodStart: number, spentUsd: number, limits: Limits): Crossing[] {
  const crossings: Crossing[] = [];
  for (const [level, limitUsd] of [
    ['soft', limits.softLimitUsd],
    ['hard', limits.hardLimitUsd],
  ] as const) {
    if (limitUsd !== null && reached(spentUsd, limitUsd)) {
      crossings.push({ level, limitUsd, alertId: `budget:${scope}:${level}:${periodStart}:${limitUsd}` });
    }
  }
  return crossings;
}

/** A charge against an execution's reservation: the part still held back once `amountUsd` has been spent. */
export function reservationAfter(reservationUsd: number, amountUsd: number): number {
  return amountUsd > 0 ? Math.max(0, reservationUsd - amountUsd) : reservationUsd;
}

/** Admitting more work may have become possible: a hard limit raised or removed, or less spent than before. */
export function hasMoreRoom(before: Standing, after: Standing): boolean {
  const capacity = (s: Standing) => (s.hardLimitUsd === null ? Infinity : s.hardLimitUsd - s.spentUsd - s.reservedUsd);
  return capacity(after) > capacity(before) + EPSILON_USD;
}
