// One execution's event stream to its ExecutionHub (GET /api/v1/executions/:id/stream): redacts drafts, numbers them
// seq 1, 2, 3…, spools and batches them, keeps every unacked event (outbox.ts), resends after exec.welcome; also asks
// the hub's permit for each model call, records the budget alerts it relays, hands on approval decisions and a
// person's messages for the live session; stream-session.ts runs each socket and hands its frames here. Used by the
// job runner, one per execution, and by the recovery of a previous life's executions.
import type WebSocket from 'ws';
import {
  MAX_EVENTS_PER_FRAME,
  type CancelReason,
  type EventData,
  type EventDraft,
  type ExecutionStatus,
  type PausedReason,
} from '@claudeops/control-plane/protocol';
import type { BackoffOptions } from '../support/backoff';
import { EventRedactor } from '../secrets/event-redactor';
import { createLogger, errorMessage, type Logger } from '../support/logger';
import { numberEvent } from './numbered-event';
import type { PermitAnswer } from '../proxy/model-proxy';
import { Outbox, sendFrames } from './outbox';
import { PendingPermits } from './pending-permits';
import type { Redactor } from '../secrets/redactor';
import type { Spool } from './spool';
import { runStreamLoop, sendPermit } from './stream-loop';
import { runStreamSession, type HubFrame, type StreamSessionHandlers } from './stream-session';
import { webSocketUrl } from './ws-dial';

export const FLUSH_MS = 50;
export const FLUSH_EVENTS = 32;
/** Event types sent without waiting for the flush window. */
const IMMEDIATE: ReadonlySet<EventDraft['type']> = new Set(['usage', 'result', 'status']);
/** Bytes of one exec.events frame, well under what a Workers WebSocket message may carry. */
export const MAX_FRAME_BYTES = 512 * 1024;
const LOG_ENDED_REASON = 'the execution has ended (its log is closed)';
/** Close code of a stream socket whose welcome claimed events this runner never sent (4000-4999: the app's own). */
const WELCOME_REFUSED_CLOSE_CODE = 4409;

export interface StreamHandlers {
  /** The hub asks to stop the run (exec.cancel, or a cancel pending in exec.welcome); may repeat. */
  onCancel(reason: CancelReason): void;
  /** The hub closed the log (status set) or refused this runner (status null): it wants no more events. */
  onClosed(info: { status: ExecutionStatus | null; reason: string }): void;
  /** A budget alert the hub relayed, once per alertId, after it was emitted as a `budget.alert` event. */
  onAlert?(alert: EventData<'budget.alert'>): void;
  /** The hub welcomed this stream (after every reconnect); events emitted here follow everything it has stored. */
  onWelcome?(): void;
  /**
   * A decision on an approval this run asked for (exec.approval.result). Repeated after every reconnect until the
   * hub has stored the run's `approval.decided` event: the receiver applies each approvalId once.
   */
  onApprovalResult?(decision: EventData<'approval.decided'>, pattern: string): void;
  /**
   * A person's message for the live session (exec.message). Repeated after every reconnect until the hub has stored
   * the run's `user.message` event for it: the receiver takes each messageId once.
   */
  onMessage?(message: { messageId: string; text: string; from: string }): void;
  /** The hub paused the execution (exec.pause, or a pause in exec.welcome): it holds the model-call permits. */
  onPause?(pause: { reason: PausedReason; message: string | null }): void;
  /** The pause is over (exec.resume); the permits still waiting have been asked again. */
  onResume?(): void;
}

export interface LogStreamerOptions {
  url: string;
  token: string;
  executionId: string;
  handlers: StreamHandlers;
  flushMs?: number;
  flushEvents?: number;
  maxFrameBytes?: number;
  backoff?: BackoffOptions;
  log?: Logger;
  /** Redacts every draft before it is numbered (nothing unredacted is spooled or sent). */
  redactor?: Redactor;
  /** Where events go before they are sent; its unacked events are resent (a previous process's too). */
  spool?: Spool;
  /** Unacked events kept in memory as well as in the spool. */
  maxMemoryBytes?: number;
}

export class LogStreamer {
  /** Every event after ackedSeq, in seq order: exactly seqs ackedSeq+1 … lastSeq, in the spool and/or memory. */
  private readonly outbox: Outbox;
  private readonly redaction: EventRedactor | null;
  /** Highest seq written to the current socket since its welcome. */
  private sentSeq = 0;
  /** The socket a replay from the spool is under way on. */
  private replayingOn: WebSocket | null = null;
  private socket: WebSocket | null = null;
  private flushTimer: NodeJS.Timeout | undefined;
  private ended = false;
  private started = false;
  private readonly abort = new AbortController();
  private drainWaiters: Array<() => void> = [];
  private readonly permits = new PendingPermits();
  /** Alerts already emitted: the hub repeats an alert until it has the event stored. */
  private readonly alertIds = new Set<string>();
  private readonly log: Logger;
  private readonly flushMs: number;
  private readonly flushEvents: number;
  private readonly maxFrameBytes: number;
  /** What this stream does with the hub's frames on each socket (stream-session.ts parses and dispatches them). */
  private readonly frames: StreamSessionHandlers = {
    welcome: (ws, frame) => this.welcomed(ws, frame),
    acked: (seq) => this.acked(seq),
    cancel: (reason) => this.options.handlers.onCancel(reason),
    permitResult: (requestId, answer) => this.permits.settle(requestId, answer),
    alert: (alert) => this.alert(alert),
    approvalResult: (frame) => this.options.handlers.onApprovalResult?.(frame.decision, frame.pattern),
    message: ({ messageId, text, from }) => this.options.handlers.onMessage?.({ messageId, text, from }),
    pause: ({ reason, message }) => this.options.handlers.onPause?.({ reason, message }),
    resume: (ws) => {
      // The hub may have forgotten what it held (it can be evicted while paused): ask again, it answers once each.
      for (const requestId of this.permits.ids()) sendPermit(ws, requestId);
      this.options.handlers.onResume?.();
    },
    closed: (frame) => {
      this.acked(Math.min(frame.ackedSeq, this.lastSeq));
      this.log.info('hub closed the log', { status: frame.status, ackedSeq: frame.ackedSeq });
      this.closedByHub(frame.status, `the log was closed (${frame.status})`);
    },
    socketClosed: (ws) => {
      if (this.socket === ws) this.socket = null;
    },
  };

  constructor(private readonly options: LogStreamerOptions) {
    this.log = options.log ?? createLogger('stream').child(options.executionId);
    this.flushMs = options.flushMs ?? FLUSH_MS;
    this.flushEvents = Math.min(options.flushEvents ?? FLUSH_EVENTS, MAX_EVENTS_PER_FRAME);
    this.maxFrameBytes = options.maxFrameBytes ?? MAX_FRAME_BYTES;
    this.outbox = new Outbox(options.spool ?? null, this.log, options.maxMemoryBytes);
    this.sentSeq = this.outbox.ackedSeq;
    this.redaction = options.redactor
      ? new EventRedactor(options.redactor, { holdMs: this.flushMs, release: (draft) => this.number(draft) })
      : null;
  }

  private get lastSeq(): number {
    return this.outbox.lastSeq;
  }

  private get ackedSeq(): number {
    return this.outbox.ackedSeq;
  }

  /** Opens the stream socket (and keeps reopening it) until stop() or the hub closes the log. */
  start(): void {
    if (this.started) return;
    this.started = true;
    void runStreamLoop({
      url: webSocketUrl(this.options.url, `/api/v1/executions/${this.options.executionId}/stream`),
      token: this.options.token,
      signal: this.abort.signal,
      ...(this.options.backoff && { backoff: this.options.backoff }),
      log: this.log,
      session: (ws) => runStreamSession(ws, this.abort.signal, this.log, this.frames),
      refused: (error) => this.closedByHub(null, error.message),
      unacked: () => this.outbox.unacked,
    }).catch((error: unknown) => this.log.error('stream loop failed', { error: errorMessage(error) }));
  }

  /**
   * Redacts, numbers, spools and queues one event; returns its seq (which it keeps even while redaction holds it
   * back a moment), or null once the log no longer takes events.
   */
  emit(draft: EventDraft): number | null {
    if (this.ended) return null;
    if (!this.redaction) return this.number(draft);
    this.redaction.push(draft);
    return this.lastSeq + this.redaction.pending;
  }

  private number(draft: EventDraft): number {
    const seq = this.lastSeq + 1;
    this.outbox.add(numberEvent(seq, draft, this.log));
    const unsent = this.lastSeq - this.sentSeq;
    // Spend goes up at once: budgets are charged from usage events, so they do not wait for the flush window.
    if (this.socket && (unsent >= this.flushEvents || IMMEDIATE.has(draft.type))) this.flush();
    else this.flushTimer ??= setTimeout(() => this.flush(), this.flushMs);
    return seq;
  }

  /** Resolves once the hub has acked every emitted event, or the log ended (closed by the hub, or stop()). */
  drained(): Promise<void> {
    if (!this.ended) this.redaction?.flush();
    if (this.ended || this.ackedSeq >= this.lastSeq) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /**
   * Asks the hub whether Claude Code may start a model call. Events emitted so far go out first, so the hub judges
   * with every usage it has been told of. While the hub is out of reach the question waits for the next connection
   * (and is asked again then): offline, no model call can be authorised, so a run stalls at its next call rather than
   * spending against budgets nobody can check. Refused once the log has ended; `signal` abandons the question.
   */
  requestPermit(signal?: AbortSignal): Promise<PermitAnswer> {
    if (this.ended) return Promise.resolve({ allowed: false, reason: LOG_ENDED_REASON });
    const { requestId, answer } = this.permits.add(signal);
    if (this.socket) {
      this.flush();
      sendPermit(this.socket, requestId);
    }
    return answer;
  }

  /**
   * Stops streaming. Events not yet acked stay in the spool, for the next process to replay (without a spool they are
   * dropped), so call it after drained() unless the run is being abandoned.
   */
  stop(): void {
    if (!this.ended) this.redaction?.flush();
    this.end(this.outbox.unacked > 0);
  }

  /** Where the stream stands; `spooled`: unacked events safe in the spool (for `claudeops-runner status`). */
  get progress(): { lastSeq: number; ackedSeq: number; unacked: number; spooled: number } {
    const { lastSeq, ackedSeq, unacked, spooled } = this.outbox;
    return { lastSeq, ackedSeq, unacked, spooled };
  }

  /** Bytes in the spool file (events not yet acked, and acked ones of a segment not yet deleted). */
  get spooledBytes(): number {
    return this.outbox.spooledBytes;
  }

  /** Sends everything after sentSeq on the welcomed socket, in frames within the count and byte caps. */
  private flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const socket = this.socket;
    if (!socket || this.replayingOn === socket || this.sentSeq >= this.lastSeq) return;
    const events = this.outbox.inMemoryAfter(this.sentSeq);
    if (events) this.sentSeq = Math.max(this.sentSeq, sendFrames(socket, events, this.maxFrameBytes));
    else void this.replay(socket);
  }

  /** Sends what is only in the spool (a long time offline, a previous process's events), then the rest. */
  private async replay(socket: WebSocket): Promise<void> {
    this.replayingOn = socket;
    try {
      await this.outbox.replay(socket, this.maxFrameBytes, {
        sent: () => this.sentSeq,
        onSent: (seq) => (this.sentSeq = seq),
        current: () => this.socket === socket,
      });
    } catch (error) {
      this.log.error('replaying the spool failed', { error: errorMessage(error) });
    } finally {
      if (this.replayingOn === socket) this.replayingOn = null;
    }
    if (this.socket === socket) this.flush();
  }

  /** Forgets every event up to `seq`: the hub has stored them. */
  private acked(seq: number): void {
    if (seq <= this.ackedSeq) return;
    if (seq > this.lastSeq) {
      // The hub holds events this process never numbered (a log from an earlier process): continue after them.
      this.log.warn('hub acked beyond the last event; continuing after it', { ackedSeq: seq, lastSeq: this.lastSeq });
    }
    this.outbox.ack(seq);
    this.sentSeq = Math.max(this.sentSeq, seq);
    if (this.ackedSeq >= this.lastSeq) this.resolveDrained();
  }

  private resolveDrained(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Ends the stream; `keepSpool` leaves unacked events on disk for the next process. */
  private end(keepSpool: boolean): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.flushTimer);
    this.redaction?.dispose();
    this.outbox.close(keepSpool);
    this.abort.abort();
    this.socket = null;
    this.resolveDrained();
    this.permits.refuseAll(LOG_ENDED_REASON);
  }

  private alert(alert: EventData<'budget.alert'>): void {
    if (this.alertIds.has(alert.alertId)) return;
    this.alertIds.add(alert.alertId);
    this.emit({ type: 'budget.alert', ts: new Date().toISOString(), data: alert });
    this.options.handlers.onAlert?.(alert);
  }

  private closedByHub(status: ExecutionStatus | null, reason: string): void {
    if (this.ended) return;
    this.end(false);
    this.options.handlers.onClosed({ status, reason });
  }

  /** The hub welcomed `ws`: it becomes the socket events go out on, starting after what the hub has stored. */
  private welcomed(ws: WebSocket, frame: HubFrame<'exec.welcome'>): void {
    if (frame.ackedSeq > this.lastSeq) {
      // A hub cannot have stored events this runner never numbered: believing it would forget unsent events. Refuse
      // this socket and dial again (a real hub's welcome reflects what it stored).
      this.log.error('the hub welcomed the stream with an ackedSeq beyond the last event; refusing it', {
        ackedSeq: frame.ackedSeq,
        lastSeq: this.lastSeq,
      });
      ws.close(WELCOME_REFUSED_CLOSE_CODE, 'ackedSeq beyond the last event');
      return;
    }
    this.acked(frame.ackedSeq);
    // Resend everything the hub has not stored, whatever this socket's predecessor had sent.
    this.sentSeq = this.ackedSeq;
    this.socket = ws;
    this.log.debug('stream welcomed', { ackedSeq: frame.ackedSeq, resend: this.lastSeq - this.ackedSeq });
    this.flush();
    // Questions the previous socket took away unanswered; the hub answers a repeated requestId again.
    for (const requestId of this.permits.ids()) sendPermit(ws, requestId);
    if (frame.cancel) this.options.handlers.onCancel(frame.cancel);
    if (frame.paused) this.options.handlers.onPause?.(frame.paused);
    this.options.handlers.onWelcome?.();
  }
}
