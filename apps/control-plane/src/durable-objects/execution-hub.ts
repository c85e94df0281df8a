// ExecutionHub Durable Object, one per execution: the durable event log, the runner's stream socket, viewers'
// sockets. Thin: sequencing lives in domain/sequencer, lifecycle facts in domain/log-effects, storage in hub-log.
import { DurableObject } from 'cloudflare:workers';
import { createDb } from '../db/client';
import { finish, getStatus, markRunning } from '../db/queries/lifecycle';
import { closesLog, effectsOf, toExecutionResult } from '../domain/log-effects';
import { planBatch, planClose, type LogState } from '../domain/sequencer';
import { isTerminal, type CancelReason, type ExecutionStatus } from '../protocol/common';
import { MAX_EVENT_BYTES, MAX_EVENTS_PER_FRAME, type ExecutionEvent } from '../protocol/events';
import { RunnerToHub, VIEWER_PING, VIEWER_PONG, type HubToRunner, type HubToViewer } from '../protocol/frames';
import { HubLog, SYNCED, type HubMeta, type LogItem } from './hub-log';
import { Coalesced } from './coalesce';
import { closeSocket, errorFrame, exceedsUtf8Bytes, isUpgrade, parseFrame, sendFrame, sendText } from './sockets';

type Role = 'runner' | 'viewer';
type Attachment = { role: Role };

/** How far past the contiguous end the hub holds events (only a reconnecting runner sends out of order). */
const MAX_AHEAD = 4 * MAX_EVENTS_PER_FRAME;
/** Replay frames stay well under the WebSocket message limit. */
const REPLAY_FRAME_EVENTS = 500;
const REPLAY_FRAME_BYTES = 512 * 1024;
/** A failed D1 update (or Fleet release) is retried from the alarm after this long. */
const SYNC_RETRY_MS = 2_000;

/** `{ type: 'events', events }` built from stored texts; the same JSON as serialising a HubToViewer events frame,
 * without parsing and re-serialising every event. */
const eventsFrameText = (texts: readonly string[]): string => `{"type":"events","events":[${texts.join(',')}]}`;

export class ExecutionHub extends DurableObject<Env> {
  private readonly store: HubLog;
  private log: LogState<LogItem>;
  private meta: HubMeta;
  private readonly syncD1Task = new Coalesced(() => this.syncOnce());

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new HubLog(ctx.storage.sql, ctx.storage);
    ({ log: this.log, meta: this.meta } = this.store.load());
    // Viewers keep their sockets alive with `ping`; answering it must not wake a hibernating hub.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(VIEWER_PING, VIEWER_PONG));
  }

  override async fetch(request: Request): Promise<Response> {
    if (!isUpgrade(request)) return new Response('expected a WebSocket upgrade', { status: 426 });
    const role = request.headers.get('x-claudeops-role');
    if (role !== 'runner' && role !== 'viewer') return new Response('unknown role', { status: 400 });
    this.remember(request.headers.get('x-claudeops-execution-id'));

    // Read what may need I/O before accepting, so replay, `ready` and live events follow each other unbroken.
    const dbStatus = role === 'viewer' && this.meta.status === null ? await this.statusFromD1() : null;
    const { 0: client, 1: server } = new WebSocketPair();
    if (role === 'runner') {
      // One stream per execution: a reconnecting runner replaces its half-open predecessor.
      for (const old of this.ctx.getWebSockets('runner')) closeSocket(old, 4000, 'replaced by a newer connection');
    }
    this.ctx.acceptWebSocket(server, [role]);
    server.serializeAttachment({ role } satisfies Attachment);
    if (role === 'runner') this.welcomeRunner(server);
    else this.replay(server, Number(new URL(request.url).searchParams.get('after') ?? 0) || 0, dbStatus);
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    try {
      const { role } = ws.deserializeAttachment() as Attachment;
      if (role === 'viewer') {
        sendFrame(ws, errorFrame('BAD_REQUEST', `viewers only send "${VIEWER_PING}"`) satisfies HubToViewer);
        return;
      }
      await this.acceptFrame(ws, message);
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
    this.remember(executionId);
    return [...this.store.texts(after, this.log.lastSeq, limit)].map((text) => JSON.parse(text) as ExecutionEvent);
  }

  /** Records a cancel request durably and tells the runner; it gets it again on its next connect. Idempotent. */
  async cancel(executionId: string, reason: CancelReason): Promise<void> {
    this.remember(executionId);
    if (this.log.closedAt !== null) return;
    if (this.meta.cancel === null) {
      this.meta = { ...this.meta, cancel: reason };
      this.store.writeMeta(this.log, this.meta);
    }
    for (const ws of this.ctx.getWebSockets('runner')) {
      sendFrame(ws, { type: 'exec.cancel', reason: this.meta.cancel ?? reason } satisfies HubToRunner);
    }
  }

  /** Ends the log with a hub-written terminal `status` event (lost, or cancelled before it ran); updates D1 and
   * releases the lease before returning. A no-op on a closed log. */
  async close(executionId: string, status: ExecutionStatus, reason: string): Promise<void> {
    this.remember(executionId);
    if (!isTerminal(status)) throw new Error(`close needs a terminal status, not ${status}`);
    const plan = planClose(this.log, (seq) => {
      const event: ExecutionEvent = { seq, ts: new Date().toISOString(), type: 'status', data: { status, reason } };
      return { seq, event, json: JSON.stringify(event) };
    });
    if (plan !== null) {
      this.apply([plan.event], [plan.event], plan.truncateAbove, plan.state);
      this.sendClosedToRunners();
    }
    await this.syncD1();
  }

  override async alarm(): Promise<void> {
    await this.syncD1();
  }

  private async acceptFrame(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const parsed = parseFrame(RunnerToHub, message);
    if (!parsed.ok) {
      sendFrame(ws, parsed.error satisfies HubToRunner);
      return;
    }
    const items: LogItem[] = [];
    for (const event of parsed.frame.events) {
      const json = JSON.stringify(event);
      if (exceedsUtf8Bytes(json, MAX_EVENT_BYTES)) {
        // Storing the rest would leave a gap the runner can never fill; refuse the batch so it shrinks the event.
        const refusal = `event ${event.seq} is over ${MAX_EVENT_BYTES} bytes; the batch was not stored`;
        sendFrame(ws, errorFrame('PAYLOAD_TOO_LARGE', refusal) satisfies HubToRunner);
        return;
      }
      items.push({ seq: event.seq, event, json });
    }
    const plan = planBatch(this.log, items, { closes: (item) => closesLog(item.event), maxAhead: MAX_AHEAD });
    if (plan.refused) {
      this.sendClosed(ws);
      return;
    }
    const wasOpen = this.log.closedAt === null;
    if (plan.store.length > 0) this.apply(plan.store, plan.deliver, plan.truncateAbove, plan.state);
    sendFrame(ws, { type: 'exec.ack', seq: this.log.lastSeq } satisfies HubToRunner);
    if (wasOpen && this.log.closedAt !== null) this.sendClosedToRunners();
    if (this.needsSync()) await this.syncD1();
  }

  /** Persists new events with the state they lead to, then fans out what became contiguous. Synchronous up to the
   * fan-out, so no other frame interleaves between the write, the ack and the broadcast. */
  private apply(
    store: readonly LogItem[],
    deliver: readonly LogItem[],
    truncateAbove: number | null,
    next: LogState<LogItem>,
  ): void {
    const effects = effectsOf(deliver.map((item) => item.event));
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

    this.store.commit(store, truncateAbove, next, meta);
    this.log = next;
    this.meta = meta;
    if (deliver.length === 0) return;

    const viewers = this.ctx.getWebSockets('viewer');
    const frame = eventsFrameText(deliver.map((item) => item.json));
    const statusFrame =
      effects.status === null
        ? null
        : JSON.stringify({
            type: 'status',
            status: effects.status.status,
            reason: effects.status.reason,
          } satisfies HubToViewer);
    for (const ws of viewers) {
      sendText(ws, frame);
      if (statusFrame !== null) sendText(ws, statusFrame);
    }
  }

  private welcomeRunner(ws: WebSocket): void {
    if (this.log.closedAt !== null) this.sendClosed(ws);
    else
      sendFrame(ws, {
        type: 'exec.welcome',
        ackedSeq: this.log.lastSeq,
        cancel: this.meta.cancel,
      } satisfies HubToRunner);
  }

  private sendClosedToRunners(): void {
    for (const ws of this.ctx.getWebSockets('runner')) this.sendClosed(ws);
  }

  private sendClosed(ws: WebSocket): void {
    const status = this.meta.status ?? 'lost';
    sendFrame(ws, { type: 'exec.closed', status, ackedSeq: this.log.lastSeq } satisfies HubToRunner);
  }

  /** Sends every stored event after `after` in chunks, then `ready`; live batches follow from `apply`. */
  private replay(ws: WebSocket, after: number, dbStatus: ExecutionStatus | null): void {
    let chunk: string[] = [];
    let bytes = 0;
    for (const text of this.store.texts(after, this.log.lastSeq)) {
      if (chunk.length > 0 && (chunk.length >= REPLAY_FRAME_EVENTS || bytes + text.length > REPLAY_FRAME_BYTES)) {
        sendText(ws, eventsFrameText(chunk));
        chunk = [];
        bytes = 0;
      }
      chunk.push(text);
      bytes += text.length;
    }
    if (chunk.length > 0) sendText(ws, eventsFrameText(chunk));
    const status = this.meta.status ?? dbStatus ?? 'queued';
    sendFrame(ws, { type: 'ready', lastSeq: this.log.lastSeq, status } satisfies HubToViewer);
  }

  private needsSync(): boolean {
    const { meta } = this;
    if (meta.startedAt !== null && meta.synced < SYNCED.running) return true;
    return this.log.closedAt !== null && meta.synced < SYNCED.released;
  }

  /** Brings D1 (and the Fleet's lease) in line with the log; one sync at a time, retried from the alarm. */
  private async syncD1(): Promise<void> {
    return this.syncD1Task.run();
  }

  private async syncOnce(): Promise<void> {
    const id = this.meta.executionId;
    if (id === null || !this.needsSync()) return;
    try {
      const db = createDb(this.env.DB);
      const { meta } = this;
      if (meta.startedAt !== null && meta.synced < SYNCED.running) {
        await markRunning(db, id, meta.startedAt, this.log.lastSeq);
        this.markSynced(SYNCED.running);
      }
      if (this.log.closedAt === null || meta.status === null) return;
      if (this.meta.synced < SYNCED.finished) {
        await finish(db, id, {
          status: meta.status,
          reason: meta.statusReason,
          now: meta.finishedAt ?? Date.now(),
          lastSeq: this.log.lastSeq,
          costUsd: meta.result?.totalCostUsd ?? null,
          result: meta.result === null ? null : toExecutionResult(meta.result),
        });
        this.markSynced(SYNCED.finished);
      }
      if (this.meta.synced < SYNCED.released) {
        await this.env.FLEET.get(this.env.FLEET.idFromName('global')).release(id);
        this.markSynced(SYNCED.released);
      }
    } catch (err) {
      console.error(`ExecutionHub ${id}: D1 sync failed, retrying`, err);
      await this.ctx.storage.setAlarm(Date.now() + SYNC_RETRY_MS);
    }
  }

  private markSynced(level: number): void {
    this.meta = { ...this.meta, synced: Math.max(this.meta.synced, level) };
    this.store.writeMeta(this.log, this.meta);
  }

  private remember(executionId: string | null): void {
    if (executionId === null || this.meta.executionId !== null) return;
    this.meta = { ...this.meta, executionId };
    this.store.writeMeta(this.log, this.meta);
  }

  private async statusFromD1(): Promise<ExecutionStatus | null> {
    if (this.meta.executionId === null) return null;
    try {
      return await getStatus(createDb(this.env.DB), this.meta.executionId);
    } catch (err) {
      console.error('ExecutionHub: reading the status from D1 failed', err);
      return null;
    }
  }
}
