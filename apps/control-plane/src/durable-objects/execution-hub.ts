// ExecutionHub Durable Object, one per execution: the durable event log, the runner's stream socket, viewers'
// sockets, the execution's costs and budget checks, and its git patch. Thin: sequencing lives in domain/sequencer,
// lifecycle facts in domain/log-effects, storage in hub-log, budgets in hub-budget, D1 updates in hub-sync, the
// patch in hub-patch, what viewers get in hub-viewers, runner frames read in hub-runner-frames, approvals in
// hub-approvals, Web Push notifications in hub-push.
import { DurableObject } from 'cloudflare:workers';
import { closesLog, effectsOf } from '../domain/log-effects';
import { planBatch, planClose, withReplacements, type LogState } from '../domain/sequencer';
import { notify } from '../notify/push';
import { isTerminal, type CancelReason, type ExecutionStatus, type PausedReason } from '../protocol/common';
import type { ReviewDecisionBody, RewindBody } from '../protocol/supervision';
import { MAX_EVENTS_PAGE_BYTES, MAX_EVENTS_PER_FRAME, type EventData, type ExecutionEvent } from '../protocol/events';
import type { EventsResponse as EventsPage } from '../protocol/api';
import { VIEWER_PING, VIEWER_PONG, type HubToRunner } from '../protocol/frames';
import { HubAlarm } from './hub-alarm';
import { HubApprovals, type Answer, type DecideOutcome } from './hub-approvals';
import { HubBudget, type BudgetBatch } from './hub-budget';
import { HubBudgetStore, type BudgetAlert } from './hub-budget-store';
import { HubLog, SYNCED, type HubMeta, type LogItem } from './hub-log';
import { HubMessages, type Message, type MessageOutcome } from './hub-messages';
import { closeDisowned, HubOwner, type StreamOwner } from './hub-owner';
import { HubPatch, type StoredPatch } from './hub-patch';
import { HubPause } from './hub-pause';
import { HubRewind } from './hub-rewind';
import {
  chargedTotal,
  eventsOf,
  HubReviewMirror,
  loadBreakpoints,
  reviewEnd,
  type PauseOutcome,
  type ReviewOutcome,
} from './hub-supervision';
import { HubReport } from './hub-report';
import type { ReportOutcome } from '../github/report';
import { pushesOf } from './hub-push';
import { readRunnerFrame } from './hub-runner-frames';
import { cancelledText, needsSync, syncOnce, type SyncSubject } from './hub-sync';
import { fanOut, refuseExtraViewer, refuseViewerFrame, sendReplay, statusFromD1 } from './hub-viewers';
import { Coalesced } from './coalesce';
import { PermitLimiter } from './frame-limits';
import { closeSocket, errorFrame, isUpgrade, sendFrame } from './sockets';

type Role = 'runner' | 'viewer';
/** A runner socket also says whose it is (hub-owner). */
type Attachment = { role: Role } & Partial<StreamOwner>;

/** How far past the contiguous end the hub holds events (only a reconnecting runner sends out of order). */
const MAX_AHEAD = 4 * MAX_EVENTS_PER_FRAME;
/** A failed D1 update (or Fleet release) is retried from the alarm after this long. */
const SYNC_RETRY_MS = 2_000;

export class ExecutionHub extends DurableObject<Env> {
  private readonly store: HubLog;
  private readonly budget: HubBudget;
  private readonly syncSubject: SyncSubject;
  private readonly approvals: HubApprovals;
  private readonly messages: HubMessages;
  private readonly alarms: HubAlarm;
  private readonly owner: HubOwner;
  /** Reporting back to GitHub: the runner's git.push outcome and the end-of-run report (hub-report). */
  private readonly reports: HubReport;
  /** Paused or not, the permits held meanwhile, the cost and turn breakpoints (hub-pause). */
  private readonly pauses: HubPause;
  /** A rewind asked for while the run went on: its follow-up starts after the end (hub-rewind). */
  private readonly rewinds: HubRewind;
  /** The last review, mirrored to D1 (hub-supervision). */
  private readonly reviews: HubReviewMirror;
  private log: LogState<LogItem>;
  private meta: HubMeta;
  private readonly syncD1Task = new Coalesced(() => this.syncD1Once());
  /** Model-call permits over the rate limit wait for the bucket to refill (frame-limits.ts). */
  private readonly permits = new PermitLimiter(this.env, (requestId) => this.budget.answerPermit(requestId));
  /** Opened on first use: most hubs never hold a patch. */
  private patchStore: HubPatch | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new HubLog(ctx.storage.sql, ctx.storage);
    this.alarms = new HubAlarm(ctx.storage);
    this.owner = new HubOwner(ctx.storage.sql);
    this.reports = new HubReport(ctx.storage.sql, env, () => this.meta.executionId);
    ({ log: this.log, meta: this.meta } = this.store.load());
    this.pauses = new HubPause(ctx.storage.sql);
    this.reviews = new HubReviewMirror(ctx.storage.sql);
    this.rewinds = new HubRewind(ctx.storage.sql, {
      env,
      executionId: () => this.meta.executionId,
      sessionId: () => this.meta.result?.sessionId ?? null,
    });
    this.budget = new HubBudget(env, new HubBudgetStore(ctx.storage.sql), {
      executionId: () => this.meta.executionId,
      closed: () => this.log.closedAt !== null,
      cancelRequested: () => this.meta.cancel,
      cancelForBudget: async () => {
        if (this.meta.executionId !== null) await this.cancel(this.meta.executionId, 'budget');
      },
      pauseForBudget: async (message, requestId) => {
        if (this.meta.executionId !== null) await this.pause(this.meta.executionId, 'budget', message);
        return requestId !== null && this.pauses.hold(requestId);
      },
      toRunners: (frame) => this.ctx.getWebSockets('runner').forEach((ws) => sendFrame(ws, frame)),
      toViewers: (frame) => this.ctx.getWebSockets('viewer').forEach((ws) => sendFrame(ws, frame)),
      retryLater: () => this.retryLater(),
    });
    this.approvals = new HubApprovals(ctx.storage.sql, {
      env,
      executionId: () => this.meta.executionId,
      toRunners: (frame) => this.ctx.getWebSockets('runner').forEach((ws) => sendFrame(ws, frame)),
      alarmBy: (at) => this.alarms.by(at),
      retryLater: () => this.retryLater(),
    });
    this.messages = new HubMessages(ctx.storage.sql, {
      env,
      executionId: () => this.meta.executionId,
      closed: () => this.log.closedAt !== null,
      status: () => (this.log.closedAt === null ? null : this.meta.status),
      sessionId: () => this.meta.result?.sessionId ?? null,
      toRunners: (frame) => this.ctx.getWebSockets('runner').forEach((ws) => sendFrame(ws, frame)),
      retryLater: () => this.retryLater(),
    });
    this.syncSubject = {
      env,
      budget: this.budget,
      meta: () => this.meta,
      lastSeq: () => this.log.lastSeq,
      closed: () => this.log.closedAt !== null,
      markSynced: (level) => this.markSynced(level),
      pause: () => this.pauses.current,
      reviews: this.reviews,
      closeCancelled: (reason) => this.closeLog('cancelled', reason),
      approvals: this.approvals,
    };
    // Viewers keep their sockets alive with `ping`; answering it must not wake a hibernating hub.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(VIEWER_PING, VIEWER_PONG));
  }

  override async fetch(request: Request): Promise<Response> {
    if (!isUpgrade(request)) return new Response('expected a WebSocket upgrade', { status: 426 });
    const role = request.headers.get('x-claudeops-role');
    if (role !== 'runner' && role !== 'viewer') return new Response('unknown role', { status: 400 });
    this.remember(request.headers.get('x-claudeops-execution-id'));

    // Read what may need I/O before accepting, so replay, `ready` and live events follow each other unbroken.
    const dbStatus =
      role === 'viewer' && this.meta.status === null ? await statusFromD1(this.env, this.meta.executionId) : null;
    // The runner's first connection reads what names the budgets, so its usage can be checked from the first event.
    if (role === 'runner' && this.budget.state.facts === null) await this.budget.tryFacts();
    if (role === 'runner' && !this.pauses.hasBreakpointsLoaded())
      await loadBreakpoints(this.env, this.meta, this.pauses);
    const owner = role === 'runner' ? HubOwner.fromRequest(request) : null;
    // A closed log takes no frames from anyone: its welcome says how it ended (exec.closed), which a runner that
    // lost the execution should hear rather than a bare refusal.
    const refusal = owner === null || this.log.closedAt !== null ? null : this.owner.refusal(owner);
    if (refusal !== null) {
      const error = { code: 'FORBIDDEN', message: `this runner no longer holds the execution: ${refusal}` };
      return Response.json({ error }, { status: 403 });
    }
    // Counted after the awaits above, so viewers arriving together cannot all slip past the cap.
    const full = role === 'viewer' ? refuseExtraViewer(this.ctx.getWebSockets('viewer')) : null;
    if (full !== null) return full;
    const { 0: client, 1: server } = new WebSocketPair();
    if (role === 'runner') {
      // One stream per execution: a reconnecting runner replaces its half-open predecessor.
      for (const old of this.ctx.getWebSockets('runner')) closeSocket(old, 4000, 'replaced by a newer connection');
    }
    this.ctx.acceptWebSocket(server, [role]);
    server.serializeAttachment({ role, ...owner } satisfies Attachment);
    if (role === 'runner') this.welcomeRunner(server);
    else this.replay(server, Number(new URL(request.url).searchParams.get('after') ?? 0) || 0, dbStatus);
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    try {
      const attachment = ws.deserializeAttachment() as Attachment;
      if (attachment.role === 'viewer') refuseViewerFrame(ws);
      else if (!this.refuseDisowned(ws, attachment)) await this.acceptFrame(ws, message);
    } catch (err) {
      console.error('ExecutionHub: message handler failed', err);
      sendFrame(ws, errorFrame('INTERNAL', 'the hub could not handle this frame') satisfies HubToRunner);
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    closeSocket(ws, code, reason);
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    console.warn('ExecutionHub: socket error', error);
    closeSocket(ws, 1011, 'socket error');
  }

  /** Stored events with seq > after, oldest first, at most `limit`: the HTTP read of the log. */
  async events(executionId: string, after: number, limit: number): Promise<ExecutionEvent[]> {
    return (await this.eventsPage(executionId, after, limit)).events;
  }

  /** One page of the log (at most `limit` events and MAX_EVENTS_PAGE_BYTES of them), whether more are stored past
   * it, and the `after` to ask for the next page with. */
  async eventsPage(executionId: string, after: number, limit: number): Promise<EventsPage> {
    this.remember(executionId);
    const page = this.store.page(after, this.log.lastSeq, limit, MAX_EVENTS_PAGE_BYTES);
    const events = page.texts.map((text) => JSON.parse(text) as ExecutionEvent);
    return { events, hasMore: page.hasMore, nextAfter: page.lastSeq };
  }

  /** Retention: drops the stored events and patch of an execution that ended long ago and whose D1 row is being
   * deleted (so no route reaches this hub again); the meta row stays. Idempotent. */
  async purge(executionId: string): Promise<void> {
    this.remember(executionId);
    this.store.dropEvents();
    this.patches().drop();
  }

  /** Records a cancel request durably and tells the runner (again on its next connect), then D1 and the Fleet
   * (hub-sync). Idempotent: the first reason wins. */
  async cancel(executionId: string, reason: CancelReason): Promise<void> {
    this.remember(executionId);
    if (this.log.closedAt !== null) return;
    // Nobody runs it any more (the runner left it for a review): the cancel ends it here.
    if (this.meta.status === 'needs_review') {
      this.closeLog('cancelled', cancelledText(reason, null));
      await Promise.all([this.syncD1(), this.budget.settle(), this.approvals.settle()]);
      // A rewind (reason `rewound`) starts its follow-up now, not on the next alarm.
      await this.convertAfterEnd();
      return;
    }
    if (this.meta.cancel === null) {
      this.meta = { ...this.meta, cancel: reason };
      this.store.writeMeta(this.log, this.meta);
    }
    for (const ws of this.ctx.getWebSockets('runner')) {
      sendFrame(ws, { type: 'exec.cancel', reason: this.meta.cancel ?? reason } satisfies HubToRunner);
    }
    await this.syncD1();
  }

  /** The Fleet took the execution from this runner (rejected, requeued, lost, revoked): its stream sockets are
   * closed and every assignment up to `through` is refused from now on (hub-owner). Idempotent. */
  async disown(executionId: string, runnerId: string, through: number, reason: string): Promise<void> {
    this.remember(executionId);
    this.owner.disown(runnerId, through, reason);
    for (const ws of this.ctx.getWebSockets('runner')) {
      const attachment = ws.deserializeAttachment() as Attachment | null;
      if (attachment?.runnerId === runnerId || attachment?.runnerId == null) closeDisowned(ws, reason);
    }
  }

  /** A budget alert from a BudgetGuard, relayed to viewers and the runner (see HubBudget.alert). Idempotent. */
  async alert(executionId: string, alert: BudgetAlert): Promise<void> {
    this.remember(executionId);
    this.budget.alert(alert);
  }

  /** Ends the log with a hub-written terminal `status` event (lost, or cancelled before it ran); updates D1 and
   * releases the lease before returning. A no-op on a closed log. */
  async close(executionId: string, status: ExecutionStatus, reason: string): Promise<void> {
    this.remember(executionId);
    if (!isTerminal(status)) throw new Error(`close needs a terminal status, not ${status}`);
    this.closeLog(status, reason);
    await Promise.all([this.syncD1(), this.budget.settle(), this.approvals.settle()]);
    await this.convertAfterEnd();
  }

  /** A person's message to the live session: stored, sent to the runner now and on every reconnect until its
   * `user.message` event is stored; on a closed log it becomes a follow-up (hub-messages). */
  async message(executionId: string, message: Message): Promise<MessageOutcome> {
    this.remember(executionId);
    return this.messages.add(message, Date.now());
  }

  /** A person's answer to an approval of this execution; the first answer wins (see HubApprovals.decide). */
  async decide(executionId: string, approvalId: string, answer: Answer): Promise<DecideOutcome> {
    this.remember(executionId);
    return this.approvals.decide(approvalId, answer, Date.now());
  }

  /** Pauses the execution: from now on the hub holds every model-call permit, and the runner records `status:
   * paused` (now, or in its welcome after a reconnect). Idempotent; a conflict once it ended or waits for review. */
  async pause(executionId: string, reason: PausedReason, message: string | null): Promise<PauseOutcome> {
    this.remember(executionId);
    if (this.log.closedAt !== null || this.meta.status === 'needs_review') {
      return { outcome: 'conflict', status: this.meta.status ?? 'queued', pause: null };
    }
    if (this.pauses.pause(reason, message, Date.now())) {
      for (const ws of this.ctx.getWebSockets('runner')) {
        sendFrame(ws, { type: 'exec.pause', reason, message } satisfies HubToRunner);
      }
    }
    return { outcome: 'paused', status: this.meta.status ?? 'assigned', pause: this.pauses.current };
  }

  /** Ends a pause (`only`: only one for that reason, as a raised budget ends its own): the held permits are
   * answered and the runner asks again for any it still waits on. */
  async resume(executionId: string, only?: PausedReason): Promise<PauseOutcome> {
    this.remember(executionId);
    const pause = this.pauses.current;
    if (this.log.closedAt !== null || pause === null || (only !== undefined && pause.reason !== only)) {
      return { outcome: 'conflict', status: this.meta.status ?? 'queued', pause };
    }
    const held = this.pauses.resume() ?? [];
    for (const ws of this.ctx.getWebSockets('runner')) sendFrame(ws, { type: 'exec.resume' } satisfies HubToRunner);
    for (const ws of this.ctx.getWebSockets('runner')) {
      for (const requestId of held) await this.permits.admit(ws, requestId);
    }
    return { outcome: 'resumed', status: this.meta.status ?? 'running', pause: null };
  }

  /** A person's decision on a `needs_review` execution: accept (succeeded), reject or feedback (failed; the route
   * starts the feedback's follow-up once D1 has the end). */
  async review(executionId: string, body: ReviewDecisionBody, actor: string): Promise<ReviewOutcome> {
    this.remember(executionId);
    if (this.log.closedAt !== null || this.meta.status !== 'needs_review') {
      return { outcome: 'conflict', status: this.meta.status ?? 'queued' };
    }
    const end = reviewEnd(body, actor);
    this.closeLog(end.status, end.reason);
    await Promise.all([this.syncD1(), this.budget.settle(), this.approvals.settle()]);
    return { outcome: 'decided', status: end.status };
  }

  /** Keeps a rewind for after the end of a run that is being cancelled for it (reason `rewound`); false when one
   * was asked for already. */
  async rewindAfterEnd(executionId: string, checkpoint: EventData<'checkpoint'>, body: RewindBody): Promise<boolean> {
    this.remember(executionId);
    const kept = this.rewinds.request(checkpoint, body);
    await this.convertAfterEnd();
    return kept;
  }

  /** The execution's `checkpoint` events, oldest first (GET …/checkpoints, a rewind). */
  async checkpoints(executionId: string): Promise<ExecutionEvent[]> {
    this.remember(executionId);
    return this.store.ofType('checkpoint', this.log.lastSeq);
  }

  /** Stores the execution's patch, replacing an earlier upload. Whatever the log's state: it comes after the end. */
  async putPatch(executionId: string, bytes: Uint8Array, truncated: boolean): Promise<void> {
    this.remember(executionId);
    this.patches().put(bytes, truncated, Date.now());
  }

  async patch(executionId: string): Promise<StoredPatch | null> {
    this.remember(executionId);
    return this.patches().get();
  }

  /** Runs the execution's GitHub report if one is still owed (the cron sweep's retry); one at a time per hub. */
  async report(executionId: string): Promise<ReportOutcome | null> {
    this.remember(executionId);
    return this.reports.run();
  }

  override async alarm(): Promise<void> {
    await this.alarms.handle(async () => {
      await this.approvals.expireDue(Date.now());
      await Promise.all([this.syncD1(), this.budget.settle(), this.approvals.settle()]);
      await this.convertAfterEnd();
    });
  }

  /** True (and the socket closed) when the frame comes from a runner the execution was taken from. */
  private refuseDisowned(ws: WebSocket, owner: Partial<StreamOwner>): boolean {
    const refusal = this.owner.refusal({ runnerId: owner.runnerId ?? null, assignedAt: owner.assignedAt ?? null });
    if (refusal === null) return false;
    sendFrame(ws, errorFrame('FORBIDDEN', `frame refused: ${refusal}`) satisfies HubToRunner);
    closeDisowned(ws, refusal);
    return true;
  }

  private async acceptFrame(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const request = readRunnerFrame(ws, message);
    if (request === null) return;
    if (request.type === 'exec.permit') {
      // Paused: the permit waits for the resume (which answers it, and the runner asks again then too).
      if (!this.pauses.hold(request.requestId)) await this.permits.admit(ws, request.requestId);
      return;
    }
    let plan = planBatch(this.log, request.items, { closes: (item) => closesLog(item.event), maxAhead: MAX_AHEAD });
    if (plan.refused) {
      this.sendClosed(ws);
      return;
    }
    const wasOpen = this.log.closedAt === null;
    if (plan.store.length > 0) {
      // An approval's decider is the hub's to say, not the runner's.
      plan = withReplacements(plan, this.approvals.vouched(plan.store));
      // Only what was never stored is priced and charged: a resent usage event is a duplicate by now.
      const costs = this.budget.plan(plan.store, this.meta.executionId ?? this.ctx.id.toString());
      if (costs !== null) plan = withReplacements(plan, costs.replaced);
      this.apply(plan.store, plan.deliver, plan.truncateAbove, plan.state, costs);
      // The alarm is the charges' safety net: whatever happens to the delivery below, it tries again.
      if (costs !== null && costs.charges > 0) void this.retryLater();
    }
    sendFrame(ws, { type: 'exec.ack', seq: this.log.lastSeq } satisfies HubToRunner);
    if (wasOpen && this.log.closedAt !== null) this.sendClosedToRunners();
    // A cost or turn breakpoint the batch crossed pauses the run (before its next model call).
    const crossed = plan.store.length > 0 ? this.pauses.crossed(eventsOf(plan.store), chargedTotal(this.budget)) : null;
    if (crossed !== null && this.meta.executionId !== null)
      await this.pause(this.meta.executionId, 'breakpoint', crossed);
    // After the ack, so the runner never waits on D1 or the guards.
    await Promise.all([
      this.budget.enforceCap(),
      needsSync(this.syncSubject) ? this.syncD1() : null,
      this.budget.needsSettling() ? this.budget.settle() : null,
      this.approvals.needsSettling() ? this.approvals.settle() : null,
    ]);
    // Messages that raced the end become a follow-up once D1 has the ended row (after the sync above).
    if (wasOpen && this.log.closedAt !== null) await this.convertAfterEnd();
  }

  /** Persists new events with the state they lead to, then fans out what became contiguous. Synchronous up to the
   * fan-out, so no other frame interleaves between the write, the ack and the broadcast. */
  private apply(
    store: readonly LogItem[],
    deliver: readonly LogItem[],
    truncateAbove: number | null,
    next: LogState<LogItem>,
    costs: BudgetBatch | null,
  ): void {
    const events = deliver.map((item) => item.event);
    const effects = effectsOf(events);
    const now = Date.now();
    const closing = next.closedAt !== null && this.log.closedAt === null;
    const meta: HubMeta = { ...this.meta };
    if (effects.status !== null) {
      meta.status = effects.status.status;
      meta.statusReason = effects.status.reason;
    }
    if (effects.started && meta.startedAt === null) meta.startedAt = now;
    if (effects.result !== null) meta.result = effects.result;
    if (closing) meta.finishedAt = now;

    this.store.commit(store, truncateAbove, next, meta, () => {
      costs?.write();
      this.approvals.record(events, now);
      this.messages.record(events);
      this.reports.record(events);
      this.reviews.record(events);
      if (closing) this.approvals.cancelPending(meta.status ?? 'lost', now);
    });
    this.log = next;
    this.meta = meta;
    this.pauses.follow(events, now);
    if (costs !== null) this.budget.adopt(costs);
    const texts = deliver.map((item) => item.json);
    if (texts.length > 0) fanOut(this.ctx.getWebSockets('viewer'), texts, effects);
    // After the commit, in the background: an approval or an ending reaches subscribed phones.
    for (const payload of pushesOf(meta, events, closing)) this.ctx.waitUntil(notify(this.env, payload));
  }

  /** Appends a hub-written terminal `status` event at lastSeq + 1; false when the log is already closed. */
  private closeLog(status: ExecutionStatus, reason: string): boolean {
    const plan = planClose(this.log, (seq) => {
      const event: ExecutionEvent = { seq, ts: new Date().toISOString(), type: 'status', data: { status, reason } };
      return { seq, event, json: JSON.stringify(event) };
    });
    if (plan === null) return false;
    this.apply([plan.event], [plan.event], plan.truncateAbove, plan.state, null);
    this.sendClosedToRunners();
    return true;
  }

  private welcomeRunner(ws: WebSocket): void {
    if (this.log.closedAt !== null) {
      this.sendClosed(ws);
      return;
    }
    const pause = this.pauses.holdsPermits() ? this.pauses.current : null;
    const paused = pause === null ? null : { reason: pause.reason, message: pause.message };
    const welcome = { type: 'exec.welcome', ackedSeq: this.log.lastSeq, cancel: this.meta.cancel, paused } as const;
    sendFrame(ws, welcome satisfies HubToRunner);
    for (const alert of this.budget.unrecordedAlerts())
      sendFrame(ws, { type: 'exec.alert', alert } satisfies HubToRunner);
    // Answers given while the runner was away; it applies each approvalId once.
    for (const frame of this.approvals.undelivered()) sendFrame(ws, frame);
    // Messages the runner has not recorded yet; it hands each messageId to Claude Code once.
    for (const frame of this.messages.undelivered()) sendFrame(ws, frame);
  }

  private sendClosedToRunners(): void {
    for (const ws of this.ctx.getWebSockets('runner')) this.sendClosed(ws);
  }

  private sendClosed(ws: WebSocket): void {
    const status = this.meta.status ?? 'lost';
    sendFrame(ws, { type: 'exec.closed', status, ackedSeq: this.log.lastSeq } satisfies HubToRunner);
  }

  /** Sends every stored event after `after`, then `ready` (hub-viewers); live batches follow from `apply`. */
  private replay(ws: WebSocket, after: number, dbStatus: ExecutionStatus | null): void {
    const ready = { lastSeq: this.log.lastSeq, status: this.meta.status ?? dbStatus ?? 'queued' };
    sendReplay(ws, this.store.texts(after, this.log.lastSeq), ready, this.budget.unrecordedAlerts());
  }

  /** Brings D1 (and the Fleet's lease) in line with the hub; one sync at a time, retried from the alarm. */
  private async syncD1(): Promise<void> {
    return this.syncD1Task.run();
  }

  private async syncD1Once(): Promise<void> {
    const id = this.meta.executionId;
    if (id === null || !needsSync(this.syncSubject)) return;
    try {
      await syncOnce(this.syncSubject, id);
      // Once D1 has the end, the GitHub report (comment, pull request) goes out in the background.
      if (this.log.closedAt !== null && this.meta.synced >= SYNCED.finished) {
        this.reports.afterEnd((promise) => this.ctx.waitUntil(promise));
      }
    } catch (err) {
      console.error(`ExecutionHub ${id}: D1 sync failed, retrying`, err);
      await this.retryLater();
    }
    // A cancel that closed the log of a waiting execution leaves its scopes to release and approvals to mirror.
    if (this.log.closedAt !== null && this.budget.needsSettling()) await this.budget.settle();
    if (this.approvals.needsSync()) await this.approvals.sync();
  }

  /** What waits for the end: messages that raced it become a follow-up, and a rewind asked for while it ran starts
   * its follow-up once D1 has the ended row. */
  private async convertAfterEnd(): Promise<void> {
    if (this.log.closedAt === null) return;
    if (this.messages.needsConverting()) await this.messages.convert();
    if (!this.rewinds.pending() || this.meta.synced < SYNCED.finished) return;
    try {
      await this.rewinds.convert();
    } catch (err) {
      console.error(`ExecutionHub ${this.meta.executionId}: the rewind's follow-up failed, retrying`, err);
      await this.retryLater();
    }
  }

  private async retryLater(): Promise<void> {
    await this.alarms.by(Date.now() + SYNC_RETRY_MS);
  }

  private markSynced(level: number): void {
    this.meta = { ...this.meta, synced: Math.max(this.meta.synced, level) };
    this.store.writeMeta(this.log, this.meta);
  }

  private patches(): HubPatch {
    return (this.patchStore ??= new HubPatch(this.ctx.storage.sql, this.ctx.storage));
  }

  private remember(executionId: string | null): void {
    if (executionId === null || this.meta.executionId !== null) return;
    this.meta = { ...this.meta, executionId };
    this.store.writeMeta(this.log, this.meta);
  }
}
