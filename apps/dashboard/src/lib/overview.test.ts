// The overview's data from a fake API client: running now, recent results, UTC day and month spend, budgets.
import { describe, expect, it } from 'vitest';
import type { Budget } from '@claudeops/control-plane/protocol';
import type { ListExecutionsParams } from './api-client';
import { budgetFraction, loadOverview, startOfUtcDay, startOfUtcMonth } from './overview';
import { executionFixture } from './test-fixtures';

const budget = (overrides: Partial<Budget>): Budget => ({
  scope: 'global',
  period: 'day',
  softLimitUsd: null,
  hardLimitUsd: 10,
  spentUsd: 2.5,
  remainingUsd: 7.5,
  periodStart: '2026-03-15T00:00:00.000Z',
  periodEnd: '2026-03-16T00:00:00.000Z',
  state: 'ok',
  activeExecutions: 0,
  onHardLimit: 'cancel',
  ...overrides,
});

describe('overview', () => {
  it('counts from the start of the UTC day and month', () => {
    const now = new Date('2026-03-15T23:30:00-05:00');
    expect(startOfUtcDay(now)).toBe('2026-03-16T00:00:00.000Z');
    expect(startOfUtcMonth(now)).toBe('2026-03-01T00:00:00.000Z');
  });

  it('gathers running, recent results, spend, global budgets and runners', async () => {
    const froms: (string | undefined)[] = [];
    const api = {
      listExecutions: async (p: ListExecutionsParams = {}) => ({
        items:
          p.status === 'running'
            ? [executionFixture('ex_r', { status: 'running', createdAt: '2026-03-15T10:00:00.000Z' })]
            : p.status === 'awaiting_approval'
              ? [executionFixture('ex_a', { status: 'awaiting_approval', createdAt: '2026-03-15T11:00:00.000Z' })]
              : p.status === 'paused'
                ? [executionFixture('ex_p', { status: 'paused', createdAt: '2026-03-15T09:00:00.000Z' })]
                : p.status === 'needs_review'
                  ? [executionFixture('ex_n', { status: 'needs_review', createdAt: '2026-03-15T11:30:00.000Z' })]
                  : [
                      executionFixture('ex_a', { status: 'awaiting_approval' }),
                      executionFixture('ex_s', { status: 'succeeded' }),
                      executionFixture('ex_f', { status: 'failed' }),
                    ],
        nextCursor: null,
      }),
      costSummary: async (p: { from?: string } = {}) => {
        froms.push(p.from);
        return { groupBy: 'day' as const, from: p.from ?? null, to: null, items: [], totalUsd: froms.length };
      },
      listBudgets: async () => [budget({ scope: 'label:gpu' }), budget({ period: 'month' }), budget({ period: 'day' })],
      listRunners: async () => [],
    };
    const overview = await loadOverview(api, new Date('2026-03-15T12:00:00.000Z'));
    // Paused runs and runs waiting for review are among those a person watches.
    expect(overview.running.map((e) => e.id)).toEqual(['ex_n', 'ex_a', 'ex_r', 'ex_p']);
    expect(overview.recent.map((e) => e.id)).toEqual(['ex_s', 'ex_f']);
    expect(froms).toEqual(['2026-03-15T00:00:00.000Z', '2026-03-01T00:00:00.000Z']);
    expect([overview.spentTodayUsd, overview.spentMonthUsd]).toEqual([1, 2]);
    expect(overview.budgets.map((b) => `${b.scope}/${b.period}`)).toEqual(['global/day', 'global/month']);
  });

  it('measures a budget against its hard limit, else its soft one', () => {
    expect(budgetFraction({ spentUsd: 5, hardLimitUsd: 20, softLimitUsd: 10 })).toBe(0.25);
    expect(budgetFraction({ spentUsd: 15, hardLimitUsd: null, softLimitUsd: 10 })).toBe(1);
    expect(budgetFraction({ spentUsd: 1, hardLimitUsd: null, softLimitUsd: null })).toBeNull();
  });
});
