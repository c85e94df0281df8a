// Budget configuration rows in D1, written by the BudgetGuard that owns each scope and listed by GET /budgets.
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { TERMINAL_STATUSES, type BudgetPeriod, type OnHardLimit } from '../../protocol';
import type { Db } from '../client';
import { budgets, executions } from '../schema';

export type BudgetRow = typeof budgets.$inferSelect;

export async function upsertBudget(
  db: Db,
  budget: {
    scope: string;
    period: BudgetPeriod;
    softLimitUsd: number | null;
    hardLimitUsd: number | null;
    onHardLimit: OnHardLimit;
  },
  now: number,
): Promise<void> {
  await db
    .insert(budgets)
    .values({ ...budget, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({
      target: budgets.scope,
      set: {
        period: sql`excluded.period`,
        softLimitUsd: sql`excluded.soft_limit_usd`,
        hardLimitUsd: sql`excluded.hard_limit_usd`,
        onHardLimit: sql`excluded.on_hard_limit`,
        updatedAt: sql`excluded.updated_at`,
      },
    });
}

/** True if there was a row to delete. */
export async function deleteBudget(db: Db, scope: string): Promise<boolean> {
  const deleted = await db.delete(budgets).where(eq(budgets.scope, scope)).returning({ scope: budgets.scope });
  return deleted.length > 0;
}

export async function getBudgetRow(db: Db, scope: string): Promise<BudgetRow | undefined> {
  return db.select().from(budgets).where(eq(budgets.scope, scope)).get();
}

/** Every budget, by scope (there are a handful: one per scope anyone configured). */
export async function listBudgetRows(db: Db): Promise<BudgetRow[]> {
  return db.select().from(budgets).orderBy(asc(budgets.scope));
}

/** Which of these executions have ended: a guard releases them if their hub's release never reached it. */
export async function endedExecutions(db: Db, ids: readonly string[]): Promise<string[]> {
  const ended: string[] = [];
  // D1 binds at most 100 parameters per statement.
  for (let i = 0; i < ids.length; i += 90) {
    const rows = await db
      .select({ id: executions.id })
      .from(executions)
      .where(and(inArray(executions.id, ids.slice(i, i + 90)), inArray(executions.status, [...TERMINAL_STATUSES])));
    ended.push(...rows.map((row) => row.id));
  }
  return ended;
}
