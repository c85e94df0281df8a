// The ExecutionHub's supervision helpers: what a pause or resume call answers, what a person's review decision
// ends the execution as, and the execution's breakpoints read from D1 once. Used by execution-hub.ts.
import { eq } from 'drizzle-orm';
import { createDb } from '../db/client';
import { executions } from '../db/schema';
import type { ExecutionStatus } from '../protocol/common';
import type { ReviewDecisionBody, ReviewResult } from '../protocol/supervision';
import type { ExecutionEvent } from '../protocol/events';
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

/** The execution's last `review` event, mirrored to D1's `reviewResult` by the hub's sync (a summary, not per event:
 * a review comes once per round). */
export class HubReviewMirror {
  private ready = false;

  constructor(private readonly sql: SqlStorage) {}

  /** Keeps the batch's last review for the next sync. Runs inside the batch's commit. */
  record(events: readonly ExecutionEvent[]): void {
    const review = events.findLast((e) => e.type === 'review');
    if (review === undefined) return;
    this.table().exec(
      'INSERT OR REPLACE INTO hub_review (id, json, synced) VALUES (1, ?, 0)',
      JSON.stringify(review.data),
    );
  }

  /** The review D1 does not have yet; null when it has it (or there is none). */
  unsynced(): ReviewResult | null {
    const row = this.table().exec<{ json: string; synced: number }>('SELECT json, synced FROM hub_review').toArray()[0];
    return row === undefined || row.synced === 1 ? null : (JSON.parse(row.json) as ReviewResult);
  }

  async sync(env: Env, executionId: string): Promise<void> {
    const review = this.unsynced();
    if (review === null) return;
    await createDb(env.DB).update(executions).set({ reviewResult: review }).where(eq(executions.id, executionId));
    this.table().exec('UPDATE hub_review SET synced = 1 WHERE id = 1');
  }

  private table(): SqlStorage {
    if (!this.ready) {
      this.sql.exec(
        'CREATE TABLE IF NOT EXISTS hub_review (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL, synced INTEGER NOT NULL)',
      );
      this.ready = true;
    }
    return this.sql;
  }
}
