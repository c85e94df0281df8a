// Cost rows in D1: the hub's per-model totals of an execution, its cost fields, the cost summary the API serves,
// and the period spend a BudgetGuard seeds itself with. Cost rows carry their execution's day, agent and runner,
// so the summary reads execution_costs alone, through its day index.
import { and, asc, desc, eq, gte, lt, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { parseScope } from '../../domain/budget-scopes';
import type { BudgetScope } from '../../protocol';
import type { Db } from '../client';
import { executionCosts, executions } from '../schema';

export type ModelCostTotals = {
  model: string;
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheCreation5mInputTokens: number;
  cacheCreation1hInputTokens: number;
  costUsd: number;
  estimated: boolean;
};

/** The UTC day (YYYY-MM-DD) of an instant. */
export const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** SQL for the UTC day of the execution's start, or of its creation while it has not started. */
const EXECUTION_DAY = sql`strftime('%Y-%m-%d', COALESCE(${executions.startedAt}, ${executions.createdAt}) / 1000, 'unixepoch')`;

/** What a sync replaces in an existing row: everything but the key. */
const REPLACED = [
  'day',
  'agent',
  'runnerId',
  'inputTokens',
  'outputTokens',
  'cacheReadInputTokens',
  'cacheCreation5mInputTokens',
  'cacheCreation1hInputTokens',
  'costUsd',
  'estimated',
  'updatedAt',
] as const;

/**
 * Replaces the per-model totals of an execution with `rows` (totals, not increments, so a repeated sync is
 * harmless); models not in `rows` keep their row. Day, agent and runner are copied from the execution, which must
 * exist. One D1 round trip.
 */
export async function upsertExecutionCosts(
  db: Db,
  executionId: string,
  rows: readonly ModelCostTotals[],
  at: number,
): Promise<void> {
  if (rows.length === 0) return;
  const statements = rows.map((row) =>
    db
      .insert(executionCosts)
      // Columns in the table's order; the execution's facts come from its row.
      .select(
        sql`SELECT ${executions.id}, ${row.model}, ${EXECUTION_DAY}, ${executions.agent}, ${executions.runnerId},
          ${row.inputTokens}, ${row.outputTokens}, ${row.cacheReadInputTokens}, ${row.cacheCreation5mInputTokens},
          ${row.cacheCreation1hInputTokens}, ${row.costUsd}, ${row.estimated ? 1 : 0}, ${at}
          FROM ${executions} WHERE ${executions.id} = ${executionId}`,
      )
      .onConflictDoUpdate({
        target: [executionCosts.executionId, executionCosts.model],
        set: Object.fromEntries(REPLACED.map((key) => [key, sql.raw(`excluded.${executionCosts[key].name}`)])),
      }),
  );
  await db.batch(statements as [(typeof statements)[number], ...typeof statements]);
}

/** The execution's cost fields: `costUsd` (live, then Claude Code's own total) beside the live estimate. */
export async function setExecutionCost(
  db: Db,
  executionId: string,
  cost: { costUsd: number; costEstimatedUsd: number; costIsEstimate: boolean },
): Promise<void> {
  await db
    .update(executions)
    .set({ costUsd: cost.costUsd, costEstimatedUsd: cost.costEstimatedUsd, costIsEstimate: cost.costIsEstimate })
    .where(eq(executions.id, executionId));
}

export type CostGroup = 'day' | 'model' | 'agent' | 'runner';

export type CostSummaryRow = {
  key: string;
  executions: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheCreation5mInputTokens: number;
  cacheCreation1hInputTokens: number;
  costUsd: number;
  estimatedCostUsd: number;
};

const GROUP_KEY: Record<CostGroup, SQL<string>> = {
  day: sql<string>`${executionCosts.day}`,
  model: sql<string>`${executionCosts.model}`,
  agent: sql<string>`${executionCosts.agent}`,
  runner: sql<string>`COALESCE(${executionCosts.runnerId}, 'unassigned')`,
};

/**
 * The UTC days that overlap [from, to): a cost row counts by its execution's day (the UTC day it started, or was
 * created before it started), so a range selects whole days; `to` itself is excluded.
 */
export function dayRange(from: string | undefined, to: string | undefined): { first?: string; last?: string } {
  return {
    ...(from === undefined ? {} : { first: utcDay(Date.parse(from)) }),
    ...(to === undefined ? {} : { last: utcDay(Date.parse(to) - 1) }),
  };
}

type SummaryOptions = { groupBy: CostGroup; first?: string | undefined; last?: string | undefined };

/** The summary's SELECT, unexecuted (tests read its query plan). */
export function costSummaryQuery(db: Db, opts: SummaryOptions) {
  const key = GROUP_KEY[opts.groupBy];
  const conditions: SQL[] = [];
  if (opts.first !== undefined) conditions.push(gte(executionCosts.day, opts.first));
  if (opts.last !== undefined) conditions.push(sql`${executionCosts.day} <= ${opts.last}`);
  const sum = (column: SQLWrapper) => sql<number>`COALESCE(SUM(${column}), 0)`;
  const costUsd = sum(executionCosts.costUsd);
  return db
    .select({
      key: key.as('key'),
      executions: sql<number>`COUNT(DISTINCT ${executionCosts.executionId})`,
      inputTokens: sum(executionCosts.inputTokens),
      outputTokens: sum(executionCosts.outputTokens),
      cacheReadInputTokens: sum(executionCosts.cacheReadInputTokens),
      cacheCreation5mInputTokens: sum(executionCosts.cacheCreation5mInputTokens),
      cacheCreation1hInputTokens: sum(executionCosts.cacheCreation1hInputTokens),
      costUsd,
      estimatedCostUsd: sum(sql`CASE WHEN ${executionCosts.estimated} THEN ${executionCosts.costUsd} ELSE 0 END`),
    })
    .from(executionCosts)
    .where(and(...conditions))
    .groupBy(key)
    .orderBy(...(opts.groupBy === 'day' ? [asc(key)] : [desc(costUsd), asc(key)]));
}

/** Tokens and USD grouped by day (oldest first) or by model, agent or runner (costliest first), over a day range. */
export async function costSummary(
  db: Db,
  opts: SummaryOptions,
): Promise<{ items: CostSummaryRow[]; totalUsd: number }> {
  const items = await costSummaryQuery(db, opts);
  return { items, totalUsd: items.reduce((total, row) => total + row.costUsd, 0) };
}

/**
 * What a scope spent in [start, end): for every execution in the scope with cost rows on those days, its `costUsd`
 * (reconciled once it ended, the live estimate before), else the sum of its cost rows. A BudgetGuard seeds its
 * spend with this when it is first configured (or its period changes).
 */
export async function scopeSpend(db: Db, scope: BudgetScope, start: number, end: number | null): Promise<number> {
  const parsed = parseScope(scope);
  const conditions: SQL[] = [gte(executionCosts.day, utcDay(start))];
  if (end !== null) conditions.push(lt(executionCosts.day, utcDay(end)));
  if (parsed.kind === 'agent') conditions.push(eq(executionCosts.agent, parsed.agent));
  const perExecution = db
    .select({
      executionId: executionCosts.executionId,
      costUsd: sql<number>`SUM(${executionCosts.costUsd})`.as('rows_usd'),
    })
    .from(executionCosts)
    .where(and(...conditions))
    .groupBy(executionCosts.executionId)
    .as('per_execution');
  const inLabel =
    parsed.kind === 'label'
      ? sql`EXISTS (SELECT 1 FROM json_each(${executions.labels}) WHERE value = ${parsed.label})`
      : undefined;
  const row = await db
    .select({ spent: sql<number>`COALESCE(SUM(COALESCE(${executions.costUsd}, ${perExecution.costUsd})), 0)` })
    .from(perExecution)
    .innerJoin(executions, eq(executions.id, perExecution.executionId))
    .where(inLabel)
    .get();
  return row?.spent ?? 0;
}
