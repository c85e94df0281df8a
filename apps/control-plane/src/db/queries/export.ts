// D1 reads for an execution's export bundle (export/gather.ts): its per-model cost rows and its approvals (the
// hubs' mirror), oldest first.
import { asc, eq } from 'drizzle-orm';
import type { Db } from '../client';
import { approvals, executionCosts } from '../schema';
import type { ModelCostTotals } from './costs';

/** The execution's tokens and USD per model, costliest first. */
export async function listExecutionCosts(db: Db, executionId: string): Promise<ModelCostTotals[]> {
  const rows = await db
    .select({
      model: executionCosts.model,
      inputTokens: executionCosts.inputTokens,
      outputTokens: executionCosts.outputTokens,
      cacheReadInputTokens: executionCosts.cacheReadInputTokens,
      cacheCreation5mInputTokens: executionCosts.cacheCreation5mInputTokens,
      cacheCreation1hInputTokens: executionCosts.cacheCreation1hInputTokens,
      costUsd: executionCosts.costUsd,
      estimated: executionCosts.estimated,
    })
    .from(executionCosts)
    .where(eq(executionCosts.executionId, executionId));
  return rows.sort((a, b) => b.costUsd - a.costUsd || a.model.localeCompare(b.model));
}

/** The execution's approvals, oldest first: at most `limit`, and one more when there are further ones. */
export async function listExecutionApprovals(db: Db, executionId: string, limit: number) {
  return db
    .select()
    .from(approvals)
    .where(eq(approvals.executionId, executionId))
    .orderBy(asc(approvals.createdAt), asc(approvals.id))
    .limit(limit + 1);
}
