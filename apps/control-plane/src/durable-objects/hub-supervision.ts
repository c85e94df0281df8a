// The ExecutionHub's supervision helpers: what a pause or resume call answers, what a person's review decision
// ends the execution as, and the execution's breakpoints read from D1 once. Used by execution-hub.ts.
import { eq } from 'drizzle-orm';
import { createDb } from '../db/client';
import { executions } from '../db/schema';
import type { ExecutionStatus } from '../protocol/common';
import type { ReviewDecisionBody } from '../protocol/supervision';
import type { HubMeta, LogItem } from './hub-log';
import type { HubPause, Pause } from './hub-pause';
import { chargedUsd } from '../domain/cost-ledger';
import type { HubBudget } from './hub-budget';

export type PauseOutcome =
  | { outcome: 'paused' | 'resumed'; status: ExecutionStatus; pause: Pause | null }
  | { outcome: 'conflict'; status: ExecutionStatus; pause: Pause | null };

export type ReviewOutcome = { outcome: 'decided' | 'conflict'; status: ExecutionStatus };

/** The terminal status and reason a review decision closes the log with. */
export function reviewEnd(body: ReviewDecisionBody, actor: string): { status: ExecutionStatus; reason: string } {
  const note = body.message === undefined || body.decision === 'feedback' ? '' : `: ${body.message}`;
  if (body.decision === 'accept') return { status: 'succeeded', reason: `accepted by ${actor}${note}` };
  if (body.decision === 'reject') return { status: 'failed', reason: `rejected by ${actor}${note}` };
  return { status: 'failed', reason: `changes requested by ${actor}: the feedback goes on in a follow-up` };
}

/** Reads the execution's breakpoints from D1 for the hub's cost and turn rules; a failed read is tried again on the
 * runner's next connection. */
export async function loadBreakpoints(env: Env, meta: HubMeta, pauses: HubPause): Promise<void> {
  if (meta.executionId === null) return;
  try {
    const row = await createDb(env.DB)
      .select({ breakpoints: executions.breakpoints })
      .from(executions)
      .where(eq(executions.id, meta.executionId))
      .get();
    if (row !== undefined) pauses.adoptBreakpoints(row.breakpoints ?? []);
  } catch (err) {
    console.error(`ExecutionHub ${meta.executionId}: reading the breakpoints failed`, err);
  }
}

export const eventsOf = (items: readonly LogItem[]) => items.map((item) => item.event);

/** What the execution has cost so far, as its budgets count it. */
export const chargedTotal = (budget: HubBudget): number => chargedUsd(budget.state.ledger);
