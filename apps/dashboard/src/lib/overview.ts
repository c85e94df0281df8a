// The overview page's data: what runs now, recent results, today's and this month's spend against the global
// budgets, and the runners online. One function over the API client, so the page load and its refresh share it.
import { isTerminal, type Budget, type Execution, type RunnerView } from '@claudeops/control-plane/protocol';
import type { ApiClient } from './api-client';

export const OVERVIEW_REFRESH_MS = 10_000;
const RECENT = 10;

export interface Overview {
  running: Execution[];
  recent: Execution[];
  spentTodayUsd: number;
  spentMonthUsd: number;
  budgets: Budget[];
  runners: RunnerView[];
}

export function startOfUtcDay(now: Date): string {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())).toISOString();
}

export function startOfUtcMonth(now: Date): string {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString();
}

type OverviewClient = Pick<ApiClient, 'listExecutions' | 'costSummary' | 'listBudgets' | 'listRunners'>;

export async function loadOverview(api: OverviewClient, now = new Date()): Promise<Overview> {
  const [running, awaiting, paused, review, latest, today, month, budgets, runners] = await Promise.all([
    api.listExecutions({ status: 'running', limit: 50 }),
    api.listExecutions({ status: 'awaiting_approval', limit: 50 }),
    api.listExecutions({ status: 'paused', limit: 50 }),
    api.listExecutions({ status: 'needs_review', limit: 50 }),
    api.listExecutions({ limit: 50 }),
    api.costSummary({ from: startOfUtcDay(now), groupBy: 'day' }),
    api.costSummary({ from: startOfUtcMonth(now), groupBy: 'day' }),
    api.listBudgets(),
    api.listRunners(),
  ]);
  return {
    // Everything a runner holds or a person must act on: running, waiting for an approval, paused, waiting for review.
    running: [...review.items, ...awaiting.items, ...paused.items, ...running.items].sort((a, b) =>
      b.createdAt.localeCompare(a.createdAt),
    ),
    recent: latest.items.filter((execution) => isTerminal(execution.status)).slice(0, RECENT),
    spentTodayUsd: today.totalUsd,
    spentMonthUsd: month.totalUsd,
    budgets: globalBudgets(budgets),
    runners: [...runners].sort((a, b) => Number(b.status === 'online') - Number(a.status === 'online')),
  };
}

/** The `global` budgets, day before month before total. */
export function globalBudgets(budgets: readonly Budget[]): Budget[] {
  const order = { day: 0, month: 1, total: 2 };
  return budgets.filter((b) => b.scope === 'global').sort((a, b) => order[a.period] - order[b.period]);
}

/** How much of a budget's hard (else soft) limit is spent, 0..1, or null without a limit. */
export function budgetFraction(budget: Pick<Budget, 'spentUsd' | 'hardLimitUsd' | 'softLimitUsd'>): number | null {
  const limit = budget.hardLimitUsd ?? budget.softLimitUsd;
  if (limit === null || limit <= 0) return null;
  return Math.min(1, budget.spentUsd / limit);
}

export const BUDGET_STATE_LABEL: Record<Budget['state'], string> = {
  ok: 'Within budget',
  soft_exceeded: 'Over the alert limit',
  hard_exceeded: 'Hard limit reached: new work is blocked',
};
