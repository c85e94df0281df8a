// Follow-ups: a new execution that continues an ended one in the same conversation (trigger `followup`, id: the
// source), resuming its Claude Code session in its workspace on its runner. Made through the one creation module.
// Used by executions/messages.ts (a message to an ended execution) and the ExecutionHub (messages that raced the end).
import { createDb } from '../db/client';
import { getRunner, noteWaiting } from '../db/queries/runners';
import { pinnedReason } from '../domain/dispatch';
import { createFromFields } from './create';
import type { ExecutionFields } from './fields';
import { getExecution, TEMPLATE_SNAPSHOT_COLUMNS, type ExecutionRow } from '../db/queries/executions';
import { conversationOf } from '../db/queries/conversations';
import { AppError } from '../errors';
import { ExecutionResult, MAX_TRIGGER_DETAIL_CHARS, type JobRewind } from '../protocol';

/** Snapshot columns a follow-up turn does not take from its source: the template's inputs were filled into the first
 * prompt already, a structured result and a host snapshot belong to that first turn's task, not to a reply. */
const NOT_FOR_A_FOLLOWUP = new Set<string>(['inputs', 'outputSchema', 'hostSnapshot']);

/** The Claude Code session an ended execution left, or null (it never started one: cancelled while queued, lost). */
export function sessionOf(source: Pick<ExecutionRow, 'result' | 'resumeSessionId'>): string | null {
  const result = ExecutionResult.safeParse(source.result);
  if (result.success) return result.data.sessionId;
  return null;
}

/** The fields of the follow-up: the source's snapshot and settings with `text` as the prompt. */
export function followupFields(source: ExecutionRow, text: string): ExecutionFields {
  const snapshot = Object.fromEntries(
    TEMPLATE_SNAPSHOT_COLUMNS.filter((column) => !NOT_FOR_A_FOLLOWUP.has(column)).map((column) => [
      column,
      source[column],
    ]),
  );
  return {
    ...snapshot,
    agent: source.agent,
    prompt: text,
    model: source.model,
    maxBudgetUsd: source.maxBudgetUsd,
    labels: source.labels,
    repo: source.repo,
    ref: source.ref,
    maxAttempts: source.maxAttempts,
    openPullRequest: source.openPullRequest,
  };
}

/**
 * Starts the follow-up of an ended execution. Throws AppError('CONFLICT') when the source never had a Claude Code
 * session to resume (a follow-up without one would lose the conversation silently: start a new execution instead).
 * `sessionId` overrides the row's (the hub knows it before D1 does).
 */
export async function createFollowup(
  env: Env,
  source: ExecutionRow,
  text: string,
  opts: { sessionId?: string | null; detail?: string; rewind?: JobRewind } = {},
): Promise<ExecutionRow> {
  const sessionId = opts.sessionId ?? sessionOf(source);
  if (sessionId === null) {
    throw new AppError(
      'CONFLICT',
      `execution ${source.id} ended (${source.status}) before Claude Code started a session, so there is nothing to follow up; start a new execution instead`,
    );
  }
  const detail = opts.detail ?? `follow-up of ${source.id}`;
  const fields = { ...followupFields(source, text), rewind: opts.rewind ?? null };
  const row = await createFromFields(env, fields, {
    trigger: { kind: 'followup', id: source.id, detail: detail.slice(0, MAX_TRIGGER_DETAIL_CHARS) },
    continues: {
      followupOf: source.id,
      conversationId: conversationOf(source),
      resumeSessionId: sessionId,
      workspaceOf: source.workspaceOf ?? source.id,
      pinnedRunnerId: source.runnerId,
    },
  });
  return noteAway(env, row);
}

/** A follow-up whose runner is offline or revoked says so from the start (the Fleet's round may not run until some
 * runner has a free slot); a no-op once it was assigned. */
async function noteAway(env: Env, row: ExecutionRow): Promise<ExecutionRow> {
  if (row.pinnedRunnerId === null) return row;
  const db = createDb(env.DB);
  const runner = await getRunner(db, row.pinnedRunnerId);
  if (runner !== undefined && runner.status === 'online' && runner.revokedAt === null) return row;
  const reason = pinnedReason(runner?.name ?? row.pinnedRunnerId);
  await noteWaiting(db, row.id, reason, Date.now());
  return (await getExecution(db, row.id)) ?? row;
}
