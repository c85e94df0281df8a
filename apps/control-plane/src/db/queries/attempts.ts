// Retry chains: every attempt is its own execution row (attempt n+1 retries n; rootId names the first). Reads a
// chain and creates the next attempt; used by the executions routes (detail, manual retry) and the Fleet
// (automatic retry after a lost runner).
import { and, asc, desc, eq, notInArray, or } from 'drizzle-orm';
import { toIso } from '../../lib/time';
import { TERMINAL_STATUSES, type AttemptSummary } from '../../protocol';
import type { Db } from '../client';
import { executions } from '../schema';
import { ORIGIN_COLUMNS, TEMPLATE_SNAPSHOT_COLUMNS, type ExecutionRow } from './executions';

/** A chain longer than this (manual retries have no cap) lists its first attempts only. */
const MAX_LISTED_ATTEMPTS = 200;

const attemptColumns = {
  id: executions.id,
  attempt: executions.attempt,
  status: executions.status,
  statusReason: executions.statusReason,
  runnerId: executions.runnerId,
  createdAt: executions.createdAt,
};
export type AttemptRow = Pick<ExecutionRow, keyof typeof attemptColumns>;

/** The chain an execution belongs to: its first attempt's id (rows from before retries existed stand alone). */
export const rootOf = (row: Pick<ExecutionRow, 'id' | 'rootId'>): string => row.rootId ?? row.id;

/** Every attempt of a chain, oldest first. */
export async function listAttempts(db: Db, rootId: string): Promise<AttemptRow[]> {
  return db
    .select(attemptColumns)
    .from(executions)
    .where(or(eq(executions.rootId, rootId), eq(executions.id, rootId)))
    .orderBy(asc(executions.attempt), asc(executions.createdAt), asc(executions.id))
    .limit(MAX_LISTED_ATTEMPTS);
}

/** What a new attempt of a chain needs to know: the highest attempt number so far, and an attempt that has not
 * ended, if any (a chain runs one attempt at a time). */
export async function chainTail(db: Db, rootId: string): Promise<{ lastAttempt: number; live: AttemptRow | null }> {
  const inChain = or(eq(executions.rootId, rootId), eq(executions.id, rootId));
  const [last, live] = await db.batch([
    db.select(attemptColumns).from(executions).where(inChain).orderBy(desc(executions.attempt)).limit(1),
    db
      .select(attemptColumns)
      .from(executions)
      .where(and(inChain, notInArray(executions.status, [...TERMINAL_STATUSES])))
      .limit(1),
  ]);
  return { lastAttempt: last[0]?.attempt ?? 0, live: live[0] ?? null };
}

export const toAttemptSummary = (row: AttemptRow): AttemptSummary => ({
  id: row.id,
  attempt: row.attempt,
  status: row.status,
  statusReason: row.statusReason,
  runnerId: row.runnerId,
  createdAt: toIso(row.createdAt),
});

/**
 * Creates attempt `attempt` of `source`'s chain as a queued execution with the same work (prompt, model, budget
 * cap, labels, agent and its template snapshot, repository, maxAttempts). Null when the id or the attempt number is taken already: an earlier
 * try of the same retry, or another retry that got there first.
 */
export async function insertRetry(
  db: Db,
  source: ExecutionRow,
  retry: { id: string; attempt: number; now: number; detail: string },
): Promise<ExecutionRow | null> {
  const [row] = await db
    .insert(executions)
    .values({
      id: retry.id,
      status: 'queued',
      prompt: source.prompt,
      model: source.model,
      maxBudgetUsd: source.maxBudgetUsd,
      labels: source.labels,
      agent: source.agent,
      repo: source.repo,
      ref: source.ref,
      maxAttempts: source.maxAttempts,
      ...Object.fromEntries(TEMPLATE_SNAPSHOT_COLUMNS.map((column) => [column, source[column]])),
      // A retry continues what its attempt continued (a follow-up's session, runner and workspace; the report owed)
      ...Object.fromEntries(ORIGIN_COLUMNS.map((column) => [column, source[column]])),
      // and says it is a retry of that attempt.
      triggerKind: 'retry',
      triggerId: source.id,
      triggerDetail: retry.detail,
      conversationId: source.conversationId ?? source.id,
      attempt: retry.attempt,
      retryOf: source.id,
      rootId: rootOf(source),
      createdAt: retry.now,
      updatedAt: retry.now,
    })
    .onConflictDoNothing()
    .returning();
  return row ?? null;
}
