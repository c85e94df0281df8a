// Helpers for the budget-*.test.ts and costs-*.test.ts files: a fresh budget scope per test, its guard, the
// guard's stored period, and executions seeded with cost rows.
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { upsertExecutionCosts, type ModelCostTotals } from '../src/db/queries/costs';
import { db, seedExecution } from './do-support';

/** A label no other test uses, and the budget scope of executions carrying it (a fresh BudgetGuard). */
export function newLabelScope(): { label: string; scope: string } {
  const label = `b-${crypto.randomUUID().slice(0, 8)}`;
  return { label, scope: `label:${label}` };
}

export const guardOf = (scope: string) => env.BUDGET_GUARD.get(env.BUDGET_GUARD.idFromName(scope));
export type GuardStub = ReturnType<typeof guardOf>;

export const dayLimits = (hardLimitUsd: number | null, softLimitUsd: number | null = null) => ({
  period: 'day' as const,
  softLimitUsd,
  hardLimitUsd,
});

/** Moves the guard's stored period start, as if the period had begun then (time passing, without waiting). */
export async function setPeriodStart(guard: GuardStub, periodStart: number): Promise<void> {
  await runInDurableObject(guard, (_instance, state) => {
    state.storage.sql.exec('UPDATE budget SET period_start = ? WHERE id = 1', periodStart);
  });
}

/** The guard's stored period start and spend, read without calling it (a call would roll the period over). */
export async function storedPeriod(guard: GuardStub): Promise<{ periodStart: number; spentUsd: number }> {
  return runInDurableObject(guard, (_instance, state) => {
    const row = state.storage.sql
      .exec<{ period_start: number; spent_usd: number }>('SELECT period_start, spent_usd FROM budget WHERE id = 1')
      .one();
    return { periodStart: row.period_start, spentUsd: row.spent_usd };
  });
}

export const costRow = (model: string, costUsd: number, over: Partial<ModelCostTotals> = {}): ModelCostTotals => ({
  model,
  inputTokens: 1000,
  outputTokens: 100,
  cacheReadInputTokens: 0,
  cacheCreation5mInputTokens: 0,
  cacheCreation1hInputTokens: 0,
  costUsd,
  estimated: false,
  ...over,
});

/** An execution started at `startedAt` with these per-model cost rows in D1, as its hub would have synced them. */
export async function seedCostedExecution(
  fields: Parameters<typeof seedExecution>[0] & { startedAt: number },
  rows: ModelCostTotals[],
): Promise<string> {
  const id = await seedExecution({ status: 'succeeded', createdAt: fields.startedAt - 1_000, ...fields });
  await upsertExecutionCosts(db(), id, rows, Date.now());
  return id;
}
