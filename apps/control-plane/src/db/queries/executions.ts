// Execution rows as the HTTP API reads and writes them: create, get, list, cancel. Lifecycle moves live in lifecycle.ts.
import { and, desc, eq, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import { DEFAULT_AGENT } from '../../domain/budget-scopes';
import type { CursorKey } from '../../lib/cursor';
import { toIso, toIsoOrNull } from '../../lib/time';
import { ExecutionResult, type Execution, type ExecutionStatus, type TriggerKind } from '../../protocol';
import type { Db } from '../client';
import { executions } from '../schema';
import { recordCancel } from './lifecycle';

export type ExecutionRow = typeof executions.$inferSelect;
export type NewExecution = Pick<ExecutionRow, 'id' | 'prompt' | 'model' | 'maxBudgetUsd' | 'labels' | 'createdAt'> &
  Partial<Pick<ExecutionRow, 'repo' | 'ref' | 'maxAttempts' | TemplateSnapshotColumn | OriginColumn>> & {
    /** The agent template; `default` until templates exist. */
    agent?: string;
  };

/** What an execution keeps of its agent template (merged with the POST): a retry copies them as they were. */
export const TEMPLATE_SNAPSHOT_COLUMNS = [
  'permissions',
  'inputs',
  'maxTurns',
  'appendSystemPrompt',
  'outputSchema',
  'tools',
  'approvalTimeoutSeconds',
  'hostSnapshot',
  'network',
  'limits',
  'requireSandbox',
  'secrets',
  'checks',
  'review',
  'breakpoints',
] as const;
type TemplateSnapshotColumn = (typeof TEMPLATE_SNAPSHOT_COLUMNS)[number];

/** Where an execution came from and what it continues: a retry keeps them (and gets its own trigger). */
export const ORIGIN_COLUMNS = [
  'triggerKind',
  'triggerId',
  'triggerDetail',
  'followupOf',
  'conversationId',
  'resumeSessionId',
  'workspaceOf',
  'pinnedRunnerId',
  'openPullRequest',
  'reportTo',
  'rewind',
] as const;
type OriginColumn = (typeof ORIGIN_COLUMNS)[number];

/** Default attempts in all: one automatic retry after the runner is lost. */
export const DEFAULT_MAX_ATTEMPTS = 2;

/** A first attempt: the root of its own chain. */
export async function insertExecution(db: Db, input: NewExecution): Promise<ExecutionRow> {
  const [row] = await db
    .insert(executions)
    .values({
      ...input,
      agent: input.agent ?? DEFAULT_AGENT,
      maxAttempts: input.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      attempt: 1,
      rootId: input.id,
      conversationId: input.conversationId ?? input.id,
      status: 'queued',
      updatedAt: input.createdAt,
    })
    .returning();
  if (!row) throw new Error(`insert of execution ${input.id} returned no row`);
  return row;
}

export async function getExecution(db: Db, id: string): Promise<ExecutionRow | undefined> {
  return db.select().from(executions).where(eq(executions.id, id)).get();
}

/** Newest first, keyset-paginated; returns one row more than `limit` when there is a further page. */
export async function listExecutions(
  db: Db,
  opts: {
    status?: ExecutionStatus | undefined;
    agent?: string | undefined;
    runner?: string | undefined;
    /** Only executions whose labels include this one. */
    label?: string | undefined;
    /** Words the prompt must each contain, case-insensitively (see promptWords). */
    words?: readonly string[] | undefined;
    trigger?: TriggerKind | undefined;
    triggerId?: string | undefined;
    limit: number;
    after?: CursorKey | undefined;
  },
): Promise<ExecutionRow[]> {
  const conditions: SQL[] = [];
  if (opts.status) conditions.push(eq(executions.status, opts.status));
  if (opts.agent) conditions.push(eq(executions.agent, opts.agent));
  if (opts.runner) conditions.push(eq(executions.runnerId, opts.runner));
  if (opts.trigger) conditions.push(eq(executions.triggerKind, opts.trigger));
  if (opts.triggerId) conditions.push(eq(executions.triggerId, opts.triggerId));
  if (opts.label) {
    conditions.push(sql`EXISTS (SELECT 1 FROM json_each(${executions.labels}) WHERE json_each.value = ${opts.label})`);
  }
  for (const word of opts.words ?? []) {
    // SQLite's LIKE ignores ASCII case; the word's own % and _ are matched literally.
    conditions.push(sql`${executions.prompt} LIKE ${`%${escapeLike(word)}%`} ESCAPE '\\'`);
  }
  if (opts.after) {
    const { createdAt, id } = opts.after;
    conditions.push(
      or(lt(executions.createdAt, createdAt), and(eq(executions.createdAt, createdAt), lt(executions.id, id)))!,
    );
  }
  return db
    .select()
    .from(executions)
    .where(and(...conditions))
    .orderBy(desc(executions.createdAt), desc(executions.id))
    .limit(opts.limit + 1);
}

/** At most this many words in a prompt search: each is a bound parameter, and D1 allows 100 per query. */
export const MAX_PROMPT_WORDS = 16;

/** The distinct words of a prompt search, split on whitespace. */
export function promptWords(q: string): string[] {
  return [...new Set(q.split(/\s+/).filter((word) => word.length > 0))];
}

const escapeLike = (word: string) => word.replace(/[\\%_]/g, (char) => `\\${char}`);

/** queued|blocked → cancelled, only if still waiting (a Fleet may be claiming it at this moment); true if it moved. */
export async function cancelQueuedExecution(db: Db, id: string, now: number, reason: string): Promise<boolean> {
  const moved = await db
    .update(executions)
    .set({
      status: 'cancelled',
      statusReason: reason,
      cancelRequestedAt: now,
      cancelReason: 'user',
      blockedReason: null,
      finishedAt: now,
      updatedAt: now,
    })
    .where(and(eq(executions.id, id), inArray(executions.status, ['queued', 'blocked'])))
    .returning({ id: executions.id });
  return moved.length === 1;
}

/** Records a user's cancel of an assigned or running execution, once; true if this call recorded it. */
export function recordCancelRequest(db: Db, id: string, now: number): Promise<boolean> {
  return recordCancel(db, id, 'user', now);
}

/** The API shape of a row: ISO times, parsed result summary, the live estimate beside the reconciled cost. */
export function toExecution(row: ExecutionRow): Execution {
  const result = ExecutionResult.safeParse(row.result);
  return {
    id: row.id,
    status: row.status,
    statusReason: row.statusReason,
    prompt: row.prompt,
    model: row.model,
    maxBudgetUsd: row.maxBudgetUsd,
    labels: row.labels,
    runnerId: row.runnerId,
    createdAt: toIso(row.createdAt),
    startedAt: toIsoOrNull(row.startedAt),
    finishedAt: toIsoOrNull(row.finishedAt),
    costUsd: row.costUsd,
    costEstimatedUsd: row.costEstimatedUsd,
    costIsEstimate: row.costIsEstimate,
    agent: row.agent,
    blockedReason: row.blockedReason,
    repo: row.repo,
    ref: row.ref,
    attempt: row.attempt,
    maxAttempts: row.maxAttempts,
    retryOf: row.retryOf,
    // Rows from before retries existed have no root: each is a chain of one.
    rootId: row.rootId ?? row.id,
    cancelRequestedAt: toIsoOrNull(row.cancelRequestedAt),
    cancelReason: row.cancelReason,
    result: result.success ? result.data : null,
    permissions: row.permissions,
    inputs: row.inputs,
    sandbox: row.sandbox,
    network: row.network ?? 'open',
    limits: row.limits,
    requireSandbox: row.requireSandbox,
    secrets: row.secrets ?? [],
    trigger: {
      kind: row.triggerKind,
      ...(row.triggerId === null ? {} : { id: row.triggerId }),
      ...(row.triggerDetail === null ? {} : { detail: row.triggerDetail }),
    },
    followupOf: row.followupOf,
    conversationId: row.conversationId ?? row.id,
    pinnedRunnerId: row.pinnedRunnerId,
    openPullRequest: row.openPullRequest,
    pullRequest: row.pullRequest,
    reportTo: row.reportTo,
    report: row.report,
    checks: row.checks ?? [],
    review: row.review,
    breakpoints: row.breakpoints ?? [],
    pausedReason: row.status === 'paused' ? row.pausedReason : null,
    pauseMessage: row.status === 'paused' ? row.pauseMessage : null,
    resumeAt: row.status === 'paused' ? toIsoOrNull(row.resumeAt) : null,
    reviewResult: row.reviewResult,
  };
}
