// One execution's event stream to its ExecutionHub (GET /api/v1/executions/:id/stream): numbers drafts seq 1, 2, 3…,
// batches them, keeps every unacked event, resends after exec.welcome; also asks the hub's permit for each model call
// and records the budget alerts it relays. Used by the job runner, one per execution.
import type WebSocket from 'ws';
import {
  HubToRunner,
  MAX_EVENTS_PER_FRAME,
  type CancelReason,
  type EventData,
  type EventDraft,
  type ExecutionStatus,
  type RunnerToHub,
} from '@claudeops/control-plane/protocol';
import { backoffDelay, DEFAULT_BACKOFF, sleep, type BackoffOptions } from './backoff';
import { createLogger, errorMessage, type Logger } from './logger';
import { numberEvent, type Numbered } from './numbered-event';
import type { PermitAnswer } from './model-proxy';
import { PendingPermits } from './pending-permits';
import { dialWebSocket, DialError, webSocketUrl } from './ws-dial';

export const FLUSH_MS = 50;
export const FLUSH_EVENTS = 32;
/** Event types sent without waiting for the flush window. */
const IMMEDIATE: ReadonlySet<EventDraft['type']> = new Set(['usage', 'result', 'status']);
/** Bytes of one exec.events frame, well under what a Workers WebSocket message may carry. */
export const MAX_FRAME_BYTES = 512 * 1024;
/** Upgrade refusals that mean this runner may not write this log any more; retrying cannot change them. */
const REFUSED_FOR_GOOD = new Set([401, 403, 404, 409, 410]);
const LOG_ENDED_REASON = 'the execution has ended (its log is closed)';

export interface StreamHandlers {
  /** The hub asks to stop the run (exec.cancel, or a cancel pending in exec.welcome); may repeat. */
  onCancel(reason: CancelReason): void;
  /** The hub closed the log (status set) or refused this runner (status null): it wants no more events. */
  onClosed(info: { status: ExecutionStatus | null; reason: string }): void;
  /** A budget alert the hub relayed, once per alertId, after it was emitted as a `budget.alert` event. */
  onAlert?(alert: EventData<'budget.alert'>): void;
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
}

export class LogStreamer {
  private lastSeq = 0;
  private ackedSeq = 0;
  /** Highest seq written to the current socket since its welcome. */
  private sentSeq = 0;
  /** Every event after ackedSeq, in seq order: exactly seqs ackedSeq+1 … lastSeq. */
  private unacked: Numbered[] = [];
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

  constructor(private readonly options: LogStreamerOptions) {
    this.log = options.log ?? createLogger('stream').child(options.executionId);
    this.flushMs = options.flushMs ?? FLUSH_MS;
    this.flushEvents = Math.min(options.flushEvents ?? FLUSH_EVENTS, MAX_EVENTS_PER_FRAME);
    this.maxFrameBytes = options.maxFrameBytes ?? MAX_FRAME_BYTES;
  }

  /** Opens the stream socket (and keeps reopening it) until stop() or the hub closes the log. */
  start(): void {
    if (this.started) return;
    this.started = true;
    void this.run().catch((error: unknown) => this.log.error('stream loop failed', { error: errorMessage(error) }));
  }

  /** Numbers and queues one event; returns its seq, or null once the log no longer takes events. */
  emit(draft: EventDraft): number | null {
    if (this.ended) return null;
    const seq = ++this.lastSeq;
    this.unacked.push(numberEvent(seq, draft, this.log));
    const unsent = this.lastSeq - this.sentSeq;
    // Spend goes up at once: budgets are charged from usage events, so they do not wait for the flush window.
    if (this.socket && (unsent >= this.flushEvents || IMMEDIATE.has(draft.type))) this.flush();
    else this.flushTimer ??= setTimeout(() => this.flush(), this.flushMs);
    return seq;
  }

  /** Resolves once the hub has acked every emitted event, or the log ended (closed by the hub, or stop()). */
  drained(): Promise<void> {
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

  /** Stops streaming; events not yet acked are dropped, so call it after drained() unless the log is unwanted. */
  stop(): void {
    this.end();
  }

  get progress(): { lastSeq: number; ackedSeq: number; unacked: number } {
    return { lastSeq: this.lastSeq, ackedSeq: this.ackedSeq, unacked: this.unacked.length };
  }

  /** Sends everything after sentSeq on the welcomed socket, in frames within the count and byte caps. */
  private flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const socket = this.socket;
    if (!socket || this.sentSeq >= this.lastSeq) return;
    let batch: string[] = [];
    let bytes = 0;
    const send = () => {
      socket.send(`{"type":"exec.events","events":[${batch.join(',')}]}`);
      batch = [];
      bytes = 0;
    };
    for (const entry of this.unacked.slice(this.sentSeq - this.ackedSeq)) {
      if (batch.length > 0 && (batch.length >= MAX_EVENTS_PER_FRAME || bytes + entry.bytes > this.maxFrameBytes)) {
        send();
      }
      batch.push(entry.json);
      bytes += entry.bytes + 1;
    }
    if (batch.length > 0) send();
    this.sentSeq = this.lastSeq;
  }

  /** Forgets every event up to `seq`: the hub has stored them. */
  private acked(seq: number): void {
    if (seq <= this.ackedSeq) return;
    if (seq > this.lastSeq) {
      // The hub holds events this process never numbered (a log from an earlier process): continue after them.
      this.log.warn('hub acked beyond the last event; continuing after it', { ackedSeq: seq, lastSeq: this.lastSeq });
      this.lastSeq = seq;
    }
    this.unacked.splice(0, seq - this.ackedSeq);
    this.ackedSeq = seq;
    this.sentSeq = Math.max(this.sentSeq, seq);
    if (this.ackedSeq >= this.lastSeq) this.resolveDrained();
  }

  private resolveDrained(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.flushTimer);
    this.unacked = [];
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
    this.end();
    this.options.handlers.onClosed({ status, reason });
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    const url = webSocketUrl(this.options.url, `/api/v1/executions/${this.options.executionId}/stream`);
    const backoff = this.options.backoff ?? DEFAULT_BACKOFF;
    let attempt = 0;
    while (!signal.aborted) {
      let ws: WebSocket;
      try {
        ws = await dialWebSocket(url, this.options.token, { signal });
      } catch (error) {
        if (signal.aborted) break;
        if (error instanceof DialError && error.status !== undefined && REFUSED_FOR_GOOD.has(error.status)) {
          this.log.error('the hub refused this runner; dropping the log', { error: error.message });
          this.closedByHub(null, error.message);
          break;
        }
        const delayMs = backoffDelay(attempt++, backoff);
        this.log.warn('cannot connect the event stream', { error: errorMessage(error), retryInMs: delayMs });
        await sleep(delayMs, signal);
        continue;
      }
      if (await this.session(ws, signal)) attempt = 0;
      if (signal.aborted) break;
      const delayMs = backoffDelay(attempt++, backoff);
      this.log.warn('event stream closed, reconnecting', { retryInMs: delayMs, unacked: this.unacked.length });
      await sleep(delayMs, signal);
    }
  }

  /** One socket's life; resolves when it closes, with whether the hub welcomed it. */
  private session(ws: WebSocket, signal: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      let welcomed = false;
      const onAbort = () => {
        ws.close(1000, 'done');
        setTimeout(() => ws.terminate(), 2000).unref();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      ws.on('message', (data, isBinary) => {
        const frame = isBinary ? undefined : parseFrame(String(data));
        if (!frame) {
          this.log.warn('ignored an invalid frame from the hub');
          return;
        }
        try {
          switch (frame.type) {
            case 'exec.welcome':
              welcomed = true;
              this.acked(frame.ackedSeq);
              // Resend everything the hub has not stored, whatever this socket's predecessor had sent.
              this.sentSeq = this.ackedSeq;
              this.socket = ws;
              this.log.debug('stream welcomed', { ackedSeq: frame.ackedSeq, resend: this.lastSeq - this.ackedSeq });
              this.flush();
              // Questions the previous socket took away unanswered; the hub answers a repeated requestId again.
              for (const requestId of this.permits.ids()) sendPermit(ws, requestId);
              if (frame.cancel) this.options.handlers.onCancel(frame.cancel);
              break;
            case 'exec.ack':
              this.acked(frame.seq);
              break;
            case 'exec.cancel':
              this.options.handlers.onCancel(frame.reason);
              break;
            case 'exec.permit.result':
              this.permits.settle(frame.requestId, { allowed: frame.allowed, reason: frame.reason });
              break;
            case 'exec.alert':
              this.alert(frame.alert);
              break;
            case 'exec.closed':
              this.acked(Math.min(frame.ackedSeq, this.lastSeq));
              this.log.info('hub closed the log', { status: frame.status, ackedSeq: frame.ackedSeq });
              this.closedByHub(frame.status, `the log was closed (${frame.status})`);
              break;
            case 'error':
              this.log.warn('the hub refused a frame', { code: frame.error.code, message: frame.error.message });
              break;
          }
        } catch (error) {
          this.log.error('failed to handle a hub frame', { type: frame.type, error: errorMessage(error) });
        }
      });
      ws.on('error', (error) => this.log.debug('stream socket error', { error: error.message }));
      ws.on('close', () => {
        signal.removeEventListener('abort', onAbort);
        if (this.socket === ws) this.socket = null;
        resolve(welcomed);
      });
      ws.resume();
    });
  }
}

function sendPermit(ws: WebSocket, requestId: string): void {
  ws.send(JSON.stringify({ type: 'exec.permit', requestId } satisfies RunnerToHub));
}

function parseFrame(text: string): HubToRunner | undefined {
  try {
    const parsed = HubToRunner.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
