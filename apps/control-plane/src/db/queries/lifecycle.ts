// The D1 status moves the Durable Objects make: block, claim, requeue, start, cancel, finish, runner presence. Every
// execution update is conditional on the status it moves from, so a terminal execution never moves again.
import { and, asc, eq, gt, inArray, isNull, ne, notInArray, or, sql } from 'drizzle-orm';
import {
  DEFAULT_APPROVAL_TIMEOUT_SECONDS,
  TERMINAL_STATUSES,
  type CancelReason,
  type ExecutionResult,
  type ExecutionStatus,
  type Job,
  type PausedReason,
} from '../../protocol';
import type { Db } from '../client';
import { executions, runners } from '../schema';

export type JobRow = Pick<
  typeof executions.$inferSelect,
  | 'id'
  | 'status'
  | 'prompt'
  | 'model'
  | 'maxBudgetUsd'
  | 'labels'
  | 'runnerId'
  | 'agent'
  | 'blockedReason'
  | 'createdAt'
  | 'repo'
  | 'ref'
  | 'attempt'
  | 'permissions'
  | 'maxTurns'
  | 'appendSystemPrompt'
  | 'outputSchema'
  | 'tools'
  | 'approvalTimeoutSeconds'
  | 'hostSnapshot'
  | 'network'
  | 'limits'
  | 'requireSandbox'
  | 'secrets'
  | 'resumeSessionId'
  | 'workspaceOf'
  | 'openPullRequest'
  | 'pinnedRunnerId'
  | 'checks'
  | 'review'
  | 'breakpoints'
  | 'rewind'
> & {
  /** For a retry, the runner the attempt it retries ran on: dispatch prefers another. */
  avoidRunnerId: string | null;
};

/** The runner of the attempt a row retries. Written out: drizzle renders a column of a one-table select unqualified,
 * which inside the subquery would name the inner row's column. */
const retriedOnRunner = sql<string | null>`(SELECT prev.runner_id FROM executions AS prev
  WHERE prev.id = executions.retry_of)`;

const jobColumns = {
  id: executions.id,
  status: executions.status,
  prompt: executions.prompt,
  model: executions.model,
  maxBudgetUsd: executions.maxBudgetUsd,
  labels: executions.labels,
  runnerId: executions.runnerId,
  agent: executions.agent,
  blockedReason: executions.blockedReason,
  createdAt: executions.createdAt,
  repo: executions.repo,
  ref: executions.ref,
  attempt: executions.attempt,
  permissions: executions.permissions,
  maxTurns: executions.maxTurns,
  appendSystemPrompt: executions.appendSystemPrompt,
  outputSchema: executions.outputSchema,
  tools: executions.tools,
  approvalTimeoutSeconds: executions.approvalTimeoutSeconds,
  hostSnapshot: executions.hostSnapshot,
  network: executions.network,
  limits: executions.limits,
  requireSandbox: executions.requireSandbox,
  secrets: executions.secrets,
  resumeSessionId: executions.resumeSessionId,
  workspaceOf: executions.workspaceOf,
  openPullRequest: executions.openPullRequest,
  pinnedRunnerId: executions.pinnedRunnerId,
  checks: executions.checks,
  review: executions.review,
  breakpoints: executions.breakpoints,
  rewind: executions.rewind,
  avoidRunnerId: retriedOnRunner,
};

/** Statuses the Fleet may start an execution from: waiting for a runner, or for budget room. */
const WAITING: ExecutionStatus[] = ['queued', 'blocked'];
/** Statuses of an execution a runner is working on (it holds the lease). */
const ACTIVE: ExecutionStatus[] = ['assigned', 'running', 'awaiting_approval', 'paused'];
/** Statuses a cancel request is recorded in: the active ones, and waiting for a person's review (the hub ends it). */
const CANCELLABLE: ExecutionStatus[] = [...ACTIVE, 'needs_review'];
/** Started as the runner reports it: Claude Code works, waits for a person to answer an approval, is paused, or
 * is done and waits for a person's review (the runner has left it then). */
export const STARTED: readonly ExecutionStatus[] = ['running', 'awaiting_approval', 'paused', 'needs_review'];

/** The job a runner is offered for an execution. */
export const toJob = (row: JobRow): Job => ({
  executionId: row.id,
  prompt: row.prompt,
  model: row.model,
  maxBudgetUsd: row.maxBudgetUsd,
  labels: row.labels,
  repo: row.repo,
  ref: row.ref,
  attempt: row.attempt,
  agent: row.agent,
  permissions: row.permissions,
  maxTurns: row.maxTurns,
  appendSystemPrompt: row.appendSystemPrompt,
  outputSchema: row.outputSchema,
  tools: row.tools,
  approvalTimeoutSeconds: row.approvalTimeoutSeconds ?? DEFAULT_APPROVAL_TIMEOUT_SECONDS,
  hostSnapshot: row.hostSnapshot,
  network: row.network ?? 'open',
  limits: row.limits,
  requireSandbox: row.requireSandbox,
  secrets: row.secrets ?? [],
  resumeSessionId: row.resumeSessionId,
  workspaceOf: row.workspaceOf,
  openPullRequest: row.openPullRequest,
  checks: row.checks ?? [],
  review: row.review,
  breakpoints: row.breakpoints ?? [],
  rewind: row.rewind,
});

/** Queued and blocked executions, oldest first, after the `after` key, whose labels are all among `labels` (what
 * the connected runners carry between them), so jobs no runner could take do not fill the window: the Fleet's
 * dispatch queue, read a page at a time. */
export async function listQueued(
  db: Db,
  labels: readonly string[],
  limit: number,
  after?: { createdAt: number; id: string },
): Promise<JobRow[]> {
  return db
    .select(jobColumns)
    .from(executions)
    .where(
      and(
        inArray(executions.status, WAITING),
        sql`NOT EXISTS (SELECT 1 FROM json_each(${executions.labels}) AS l
              WHERE l.value NOT IN (SELECT value FROM json_each(${JSON.stringify(labels)})))`,
        after === undefined
          ? undefined
          : or(
              gt(executions.createdAt, after.createdAt),
              and(eq(executions.createdAt, after.createdAt), gt(executions.id, after.id)),
            ),
      ),
    )
    .orderBy(asc(executions.createdAt), asc(executions.id))
    .limit(limit);
}

/** What the hub needs to charge an execution's budgets and enforce its own cap. */
export async function getBudgetFacts(
  db: Db,
  id: string,
): Promise<{ agent: string; labels: string[]; maxBudgetUsd: number | null } | null> {
  const row = await db
    .select({ agent: executions.agent, labels: executions.labels, maxBudgetUsd: executions.maxBudgetUsd })
    .from(executions)
    .where(eq(executions.id, id))
    .get();
  return row ?? null;
}

/** queued|blocked → blocked with the budget that refused it; false when it was neither, or already said so. */
export async function markBlocked(db: Db, id: string, reason: string, now: number): Promise<boolean> {
  const moved = await db
    .update(executions)
    .set({ status: 'blocked', blockedReason: reason, updatedAt: now })
    .where(
      and(
        eq(executions.id, id),
        inArray(executions.status, WAITING),
        // Unchanged rows are not rewritten on every dispatch round.
        or(ne(executions.status, 'blocked'), isNull(executions.blockedReason), ne(executions.blockedReason, reason)),
      ),
    )
    .returning({ id: executions.id });
  return moved.length === 1;
}

/** The job fields of some executions (to re-offer a leased job after a runner reconnects). */
export async function getJobs(db: Db, ids: readonly string[]): Promise<JobRow[]> {
  if (ids.length === 0) return [];
  return db
    .select(jobColumns)
    .from(executions)
    .where(inArray(executions.id, [...ids]));
}

export async function getStatus(db: Db, id: string): Promise<ExecutionStatus | null> {
  const row = await db.select({ status: executions.status }).from(executions).where(eq(executions.id, id)).get();
  return row?.status ?? null;
}

/** queued|blocked → assigned to one runner, atomically; true only for the one caller whose update moved it. */
export async function claimQueued(db: Db, id: string, runnerId: string, now: number): Promise<boolean> {
  const moved = await db
    .update(executions)
    .set({ status: 'assigned', runnerId, assignedAt: now, blockedReason: null, updatedAt: now })
    .where(and(eq(executions.id, id), inArray(executions.status, WAITING)))
    .returning({ id: executions.id });
  return moved.length === 1;
}

/** assigned → queued when the runner it was assigned to turned the offer down. */
export async function requeue(db: Db, id: string, runnerId: string, now: number): Promise<boolean> {
  const moved = await db
    .update(executions)
    .set({ status: 'queued', runnerId: null, assignedAt: null, updatedAt: now })
    .where(and(eq(executions.id, id), eq(executions.status, 'assigned'), eq(executions.runnerId, runnerId)))
    .returning({ id: executions.id });
  return moved.length === 1;
}

/** assigned → running when the runner's `status: running` event is stored. */
export async function markRunning(db: Db, id: string, now: number, lastSeq: number): Promise<boolean> {
  const moved = await db
    .update(executions)
    .set({ status: 'running', startedAt: now, lastSeq, updatedAt: now })
    .where(and(eq(executions.id, id), eq(executions.status, 'assigned')))
    .returning({ id: executions.id });
  return moved.length === 1;
}

/** Between the started statuses as the hub's log reports them, with the pause's details for `paused` (cleared
 * otherwise); false when the row is in none (not started yet in D1, or ended: a terminal status never moves), or
 * already there. */
export async function setStartedStatus(
  db: Db,
  id: string,
  status: ExecutionStatus,
  now: number,
  detail: {
    pause?: { reason: PausedReason; message: string | null; resumeAt: number | null } | null;
    /** The status reason (why it paused, why it waits for review); null otherwise. */
    reason?: string | null;
  } = {},
): Promise<boolean> {
  const pause = detail.pause ?? null;
  if (!STARTED.includes(status)) throw new Error(`setStartedStatus takes a started status, not ${status}`);
  const moved = await db
    .update(executions)
    .set({
      status,
      statusReason: detail.reason ?? null,
      pausedReason: pause?.reason ?? null,
      pauseMessage: pause?.message ?? null,
      resumeAt: pause?.resumeAt ?? null,
      updatedAt: now,
    })
    .where(and(eq(executions.id, id), inArray(executions.status, [...STARTED]), ne(executions.status, status)))
    .returning({ id: executions.id });
  return moved.length === 1;
}

/** Records a cancel request on an assigned, running or needs_review execution, once (the first reason wins); true if
 * recorded. */
export async function recordCancel(db: Db, id: string, reason: CancelReason, now: number): Promise<boolean> {
  const marked = await db
    .update(executions)
    .set({ cancelRequestedAt: now, cancelReason: reason, updatedAt: now })
    .where(and(eq(executions.id, id), inArray(executions.status, CANCELLABLE), isNull(executions.cancelRequestedAt)))
    .returning({ id: executions.id });
  return marked.length === 1;
}

/** queued|blocked → cancelled at once (no runner holds it); true if it moved. */
export async function cancelWaiting(
  db: Db,
  id: string,
  cancel: { reason: CancelReason; statusReason: string; now: number },
): Promise<boolean> {
  const { reason, statusReason, now } = cancel;
  const moved = await db
    .update(executions)
    .set({
      status: 'cancelled',
      statusReason,
      cancelRequestedAt: now,
      cancelReason: reason,
      blockedReason: null,
      finishedAt: now,
      updatedAt: now,
    })
    .where(and(eq(executions.id, id), inArray(executions.status, WAITING)))
    .returning({ id: executions.id });
  return moved.length === 1;
}

export interface Finish {
  status: ExecutionStatus;
  reason: string | null;
  now: number;
  lastSeq?: number;
  /** Claude Code's own total_cost_usd, from the final `result` event. */
  costUsd?: number | null;
  result?: ExecutionResult | null;
}

/** Any non-terminal status → a terminal one, with cost and result when known; false if it was already terminal. */
export async function finish(db: Db, id: string, end: Finish): Promise<boolean> {
  const moved = await db
    .update(executions)
    .set({
      status: end.status,
      statusReason: end.reason,
      finishedAt: end.now,
      updatedAt: end.now,
      ...(end.lastSeq === undefined ? {} : { lastSeq: end.lastSeq }),
      ...(end.costUsd == null ? {} : { costUsd: end.costUsd }),
      ...(end.result == null ? {} : { result: end.result }),
    })
    .where(and(eq(executions.id, id), notInArray(executions.status, [...TERMINAL_STATUSES])))
    .returning({ id: executions.id });
  return moved.length === 1;
}

export async function setRunnerOffline(db: Db, runnerId: string): Promise<void> {
  await db.update(runners).set({ status: 'offline' }).where(eq(runners.id, runnerId));
}
