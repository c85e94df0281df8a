// An ExecutionHub's approvals: each `approval.requested` event the hub stores becomes a pending approval; the first
// answer wins (a person's through decide(), the alarm's at its expiry, or `cancelled` when the log closes) and goes to
// the runner at once and again on every reconnect until the runner's `approval.decided` event is stored. Every change
// is mirrored to D1 (approvals row + audit row), retried from the alarm when D1 fails. Used by execution-hub.ts.
import { createDb } from '../db/client';
import { mirrorApproval, type ApprovalRecord } from '../db/queries/approvals';
import type { ApprovalDecision, ExecutionStatus, RememberScope } from '../protocol/common';
import type { EventData, ExecutionEvent } from '../protocol/events';
import type { HubToRunner } from '../protocol/frames';
import { Coalesced } from './coalesce';
import { HubApprovalStore, toRecord, type ApprovalRow } from './hub-approvals-store';
import type { LogItem } from './hub-log';

/** A person's answer, as the approvals route passes it. */
export interface Answer {
  decision: ApprovalDecision;
  message: string | null;
  remember: RememberScope | null;
  /** `admin` (API token) or `dashboard` (a session). */
  actor: string;
}

export type DecideOutcome =
  | { outcome: 'decided'; approval: ApprovalRecord }
  | { outcome: 'conflict'; approval: ApprovalRecord }
  | { outcome: 'not_found' };

export interface ApprovalHooks {
  env: Env;
  executionId(): string | null;
  toRunners(frame: HubToRunner): void;
  /** Makes sure the hub's alarm fires at `at` or sooner. */
  alarmBy(at: number): Promise<void>;
  /** A D1 write failed: try again from the alarm soon. */
  retryLater(): Promise<void>;
}

/** "10 minutes", "90 seconds": how long an approval waited. */
export function waitedFor(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return plural(ms / 60_000, 'minute');
  return plural(Math.max(1, Math.round(ms / 1000)), 'second');
}
const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;

export class HubApprovals {
  private readonly store: HubApprovalStore;
  private readonly syncTask = new Coalesced(() => this.syncOnce());
  /** A request was opened or answered since the last settle(): the alarm may need to move. */
  private changed = false;

  constructor(
    sql: SqlStorage,
    private readonly hooks: ApprovalHooks,
  ) {
    this.store = new HubApprovalStore(sql);
  }

  /** Records what newly stored events say about approvals: a request opens one (once per id); the runner's
   * `approval.decided` marks the answer delivered, adopting it if the hub had none (the runner gave up waiting).
   * Runs inside the batch's commit. */
  record(events: readonly ExecutionEvent[], now: number): void {
    for (const event of events) {
      if (event.type === 'approval.requested') {
        this.store.open(event.data, now);
        this.changed = true;
      } else if (event.type === 'approval.decided') {
        const { approvalId, ...answer } = event.data;
        this.store.answer(approvalId, { ...answer, decidedAt: now }, true);
        this.store.markDelivered(approvalId);
      }
    }
  }

  /** The runner's `approval.decided` events as the hub stores them: the hub's own answer when it has one (whatever
   * the runner claims), else the runner's with `decidedBy: runner` (it gave up waiting: nobody else decided). Runs
   * before the batch is stored, so the log, viewers and D1 never show a decider the hub did not see. */
  vouched(items: readonly LogItem[]): Map<number, LogItem> {
    const replaced = new Map<number, LogItem>();
    for (const { seq, event } of items) {
      if (event.type !== 'approval.decided') continue;
      const row = this.store.get(event.data.approvalId);
      const data: EventData<'approval.decided'> =
        row !== null && row.status !== 'pending' ? resultFrame(row).decision : { ...event.data, decidedBy: 'runner' };
      const vouched = { ...event, data };
      replaced.set(seq, { seq, event: vouched, json: JSON.stringify(vouched) });
    }
    return replaced;
  }

  /** The log closed: every pending approval is denied as `cancelled` (no runner will ask for it again). */
  cancelPending(status: ExecutionStatus, now: number): void {
    const reason = `the execution ended (${status})`;
    for (const row of this.store.pendingDue(Infinity)) {
      const answer = { status: 'cancelled', decision: 'deny', decidedBy: 'system', reason, decidedAt: now } as const;
      this.store.answer(row.id, { ...answer, message: null, remember: null }, true);
      this.changed = true;
    }
  }

  /** A person's answer: the first one wins. Sent to the runner now if it is connected (else after its next welcome)
   * and mirrored to D1 before returning (retried from the alarm when D1 fails). */
  async decide(approvalId: string, answer: Answer, now: number): Promise<DecideOutcome> {
    await this.expireDue(now);
    const row = this.store.get(approvalId);
    if (row === null) return { outcome: 'not_found' };
    if (row.status !== 'pending') return { outcome: 'conflict', approval: this.recordOf(row) };
    const { decision, message, remember, actor } = answer;
    const status = decision === 'allow' ? 'allowed' : 'denied';
    this.store.answer(
      approvalId,
      { status, decision, decidedBy: actor, message, remember, reason: null, decidedAt: now },
      false,
    );
    const decided = this.store.get(approvalId)!;
    this.hooks.toRunners(resultFrame(decided));
    await this.sync();
    return { outcome: 'decided', approval: this.recordOf(decided) };
  }

  /** Denies, as `expired`, every pending approval whose time is up, and tells the runner. */
  async expireDue(now: number): Promise<void> {
    const due = this.store.pendingDue(now);
    for (const row of due) {
      const reason = `nobody answered within ${waitedFor(row.timeout_ms)}`;
      const answer = { status: 'expired', decision: 'deny', decidedBy: 'timeout', reason, decidedAt: now } as const;
      this.store.answer(row.id, { ...answer, message: null, remember: null }, false);
      this.hooks.toRunners(resultFrame(this.store.get(row.id)!));
    }
    if (due.length > 0) await this.sync();
  }

  /** The answers a (re)connecting runner has not recorded yet, as frames to send after its welcome. */
  undelivered(): HubToRunner[] {
    return this.store.undelivered().map(resultFrame);
  }

  /** After a batch, a close or an alarm: the alarm set for the next expiry, D1 brought up to date. */
  async settle(): Promise<void> {
    this.changed = false;
    const next = this.store.nextExpiry();
    if (next !== null) await this.hooks.alarmBy(next);
    if (this.needsSync()) await this.sync();
  }

  needsSettling(): boolean {
    return this.changed || this.needsSync();
  }

  needsSync(): boolean {
    return this.store.hasUnsynced();
  }

  /** The started status D1 has as the hub last set it (`running` until the hub writes another). */
  startedStatusSynced(): ExecutionStatus {
    return this.store.startedStatusSynced();
  }

  markStartedStatusSynced(status: ExecutionStatus): void {
    this.store.markStartedStatusSynced(status);
  }

  /** Mirrors every changed approval to D1; one run at a time; a failure leaves the rest to the alarm. */
  sync(): Promise<void> {
    return this.syncTask.run();
  }

  private async syncOnce(): Promise<void> {
    const executionId = this.hooks.executionId();
    if (executionId === null) return;
    const db = createDb(this.hooks.env.DB);
    try {
      for (const row of this.store.unsynced()) {
        await mirrorApproval(db, toRecord(row, executionId));
        this.store.markSynced(row.id, row.version);
      }
    } catch (err) {
      console.error(`ExecutionHub ${executionId}: mirroring approvals to D1 failed, retrying`, err);
      await this.hooks.retryLater();
    }
  }

  private recordOf(row: ApprovalRow): ApprovalRecord {
    return toRecord(row, this.hooks.executionId() ?? '');
  }
}

/** The decision frame for an answered approval. */
function resultFrame(row: ApprovalRow): Extract<HubToRunner, { type: 'exec.approval.result' }> {
  if (row.status === 'pending') throw new Error(`approval ${row.id} has no answer to send`);
  return {
    type: 'exec.approval.result',
    decision: {
      approvalId: row.id,
      status: row.status,
      decision: row.decision ?? 'deny',
      decidedBy: row.decided_by ?? 'system',
      message: row.message,
      remember: row.remember,
      reason: row.reason,
    },
    pattern: row.pattern,
  };
}
