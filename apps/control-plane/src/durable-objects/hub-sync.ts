// Brings D1 and the Fleet in line with an ExecutionHub's state: a cancel request, the start, the cost totals, the
// end, the lease release. Each step is marked done in the hub's storage, so a retry from the alarm resumes where a
// failure left off, and every D1 update is conditional, so a repeated one is harmless. Used by execution-hub.ts.
import { createDb } from '../db/client';
import { setExecutionCost, upsertExecutionCosts } from '../db/queries/costs';
import { cancelWaiting, finish, markRunning, recordCancel, setStartedStatus, STARTED } from '../db/queries/lifecycle';
import { costFigures } from '../domain/cost-ledger';
import { toExecutionResult } from '../domain/log-effects';
import { fleetOf } from '../lib/stubs';
import { CANCEL_REASON_TEXT, type CancelReason, type ExecutionStatus } from '../protocol/common';
import type { HubApprovals } from './hub-approvals';
import type { HubBudget } from './hub-budget';
import { SYNCED, type HubMeta } from './hub-log';
import type { Pause } from './hub-pause';
import type { HubReviewMirror } from './hub-supervision';

export interface SyncSubject {
  readonly env: Env;
  readonly budget: HubBudget;
  meta(): HubMeta;
  lastSeq(): number;
  closed(): boolean;
  markSynced(level: number): void;
  /** The hub's pause, written to D1 with the `paused` status (why, what it says, when it resumes). */
  pause(): Pause | null;
  /** The last review, until D1 has it. */
  readonly reviews: Pick<HubReviewMirror, 'unsynced' | 'sync'>;
  /** Ends the log as cancelled: the execution was still waiting for a runner when the cancel came. */
  closeCancelled(statusReason: string): void;
  /** Keeps which started status (running ⇄ awaiting_approval) D1 has. */
  readonly approvals: Pick<HubApprovals, 'startedStatusSynced' | 'markStartedStatusSynced'>;
}

/** The status reason of an execution the hub cancels before any runner had it. */
export function cancelledText(reason: CancelReason, note: string | null): string {
  if (reason === 'budget') return `cancelled: ${note ?? CANCEL_REASON_TEXT.budget}`;
  return reason === 'user' ? CANCEL_REASON_TEXT.user : `cancelled (${reason})`;
}

export function needsSync(s: SyncSubject): boolean {
  const meta = s.meta();
  const { ledger, costSynced, cancelSynced } = s.budget.state;
  if (meta.cancel !== null && cancelSynced === null && !s.closed()) return true;
  if (ledger.version > costSynced) return true;
  if (meta.startedAt !== null && meta.synced < SYNCED.running) return true;
  if (startedStatusDue(s) !== null) return true;
  if (s.reviews.unsynced() !== null) return true;
  return s.closed() && meta.synced < SYNCED.released;
}

/** One pass over the steps that are due; throws when one fails (the caller retries from the alarm). */
export async function syncOnce(s: SyncSubject, id: string): Promise<void> {
  const db = createDb(s.env.DB);
  const { budget } = s;
  const cancel = s.meta().cancel;
  if (cancel !== null && budget.state.cancelSynced === null) {
    if (!s.closed()) await syncCancel(s, id, cancel);
    budget.update({ cancelSynced: cancel });
  }
  if (s.meta().startedAt !== null && s.meta().synced < SYNCED.running) {
    await markRunning(db, id, s.meta().startedAt ?? Date.now(), s.lastSeq());
    s.markSynced(SYNCED.running);
  }
  // Before the status: a run that waits for review shows why once it says needs_review.
  await s.reviews.sync(s.env, id);
  const started = startedStatusDue(s);
  if (started !== null) {
    const { statusReason } = s.meta();
    await setStartedStatus(db, id, started, Date.now(), {
      pause: started === 'paused' ? s.pause() : null,
      reason: started === 'paused' || started === 'needs_review' ? statusReason : null,
    });
    // The runner left it for a person's review: its lease ends now (the execution is not over).
    if (started === 'needs_review') await fleetOf(s.env).release(id);
    s.approvals.markStartedStatusSynced(started);
  }
  const { ledger } = budget.state;
  if (ledger.version > budget.state.costSynced) {
    await upsertExecutionCosts(db, id, ledger.models, Date.now());
    await setExecutionCost(db, id, costFigures(ledger));
    budget.update({ costSynced: Math.max(budget.state.costSynced, ledger.version) });
  }
  const meta = s.meta();
  if (!s.closed() || meta.status === null) return;
  if (meta.synced < SYNCED.finished) {
    await finish(db, id, {
      status: meta.status,
      reason: meta.statusReason,
      now: meta.finishedAt ?? Date.now(),
      lastSeq: s.lastSeq(),
      // A total below what was charged is only the runner's word: the charged figure stays (cost-ledger).
      costUsd: meta.result?.chargedUsd ?? meta.result?.totalCostUsd ?? null,
      result: meta.result === null ? null : toExecutionResult(meta.result),
    });
    s.markSynced(SYNCED.finished);
  }
  if (s.meta().synced < SYNCED.released) {
    await fleetOf(s.env).release(id);
    s.markSynced(SYNCED.released);
  }
}

/** The started status D1 must move to (running ⇄ awaiting_approval), or null when it has it or the log is closed. */
function startedStatusDue(s: SyncSubject): ExecutionStatus | null {
  const { status, startedAt, synced } = s.meta();
  if (s.closed() || status === null || startedAt === null || synced < SYNCED.running) return null;
  if (!STARTED.includes(status) || status === s.approvals.startedStatusSynced()) return null;
  return status;
}

/** Records the cancel in D1 as the API does for a user's: a waiting execution is cancelled outright (and its log
 * closed); an assigned or running one gets cancelRequestedAt and cancelReason, and the Fleet is told (its lease
 * then expires as cancelled, not lost). */
async function syncCancel(s: SyncSubject, id: string, reason: CancelReason): Promise<void> {
  const db = createDb(s.env.DB);
  const now = Date.now();
  const statusReason = cancelledText(reason, s.budget.state.cancelNote);
  if (await cancelWaiting(db, id, { reason, statusReason, now })) {
    s.closeCancelled(statusReason);
    return;
  }
  await recordCancel(db, id, reason, now);
  await fleetOf(s.env).cancel(id, reason);
}
