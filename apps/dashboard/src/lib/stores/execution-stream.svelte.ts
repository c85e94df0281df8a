// Live state of one execution's event stream for the execution page: the events seen so far folded into log rows,
// the live cost, budget alerts, the git and result events, the connection's state and the latest status, as runes.
// Batches are applied once per animation frame, so a 100k-event replay costs one render per frame, not per frame
// received. The socket, resume and reconnect logic live in ../viewer-connection.ts.
import type { ErrorBody, EventData, ExecutionEvent, ExecutionStatus } from '@claudeops/control-plane/protocol';
import { EMPTY_COST, addCost, type CostState } from '../cost';
import { RowBuilder, type LogRow } from '../steps';
import { ViewerConnection, type ConnectionState, type ProbeVerdict } from '../viewer-connection';

export interface ExecutionStreamOptions {
  /** Called after a socket closed without ever getting ready: is the execution still there and are we allowed? */
  probe: () => Promise<ProbeVerdict>;
  onStatus?: (status: ExecutionStatus, reason: string | null) => void;
  onServerError?: (error: ErrorBody['error']) => void;
  /** An approval was requested or decided: the page refreshes its pending approvals. */
  onApproval?: () => void;
}

type EventOf<T extends ExecutionEvent['type']> = Extract<ExecutionEvent, { type: T }>;

export class ExecutionStream {
  connection = $state.raw<ConnectionState>({ kind: 'stopped' });
  status = $state<ExecutionStatus | null>(null);
  statusReason = $state<string | null>(null);
  cost = $state.raw<CostState>(EMPTY_COST);
  alerts = $state.raw<readonly EventData<'budget.alert'>[]>([]);
  git = $state.raw<EventOf<'git'> | null>(null);
  result = $state.raw<EventOf<'result'> | null>(null);
  /** Bumped whenever rows or events change; the arrays themselves are appended in place. */
  revision = $state(0);
  #raw = $state(false);
  #builder = new RowBuilder();
  /** Events applied to the rows so far (the viewer's log may hold a few more, pending the next frame). */
  #events: ExecutionEvent[] = [];
  #pending: ExecutionEvent[] = [];
  #frame: number | undefined;
  #viewer: ViewerConnection;
  #options: ExecutionStreamOptions;
  #listening = false;

  constructor(executionId: string, options: ExecutionStreamOptions) {
    this.#options = options;
    this.#viewer = new ViewerConnection({
      url: (after) => viewerUrl(executionId, after),
      createSocket: (url) => new WebSocket(url),
      onEvents: (added) => {
        this.#pending.push(...added);
        this.#frame ??= requestAnimationFrame(this.#flush);
      },
      onStatus: (status, reason) => {
        this.status = status;
        this.statusReason = reason;
        options.onStatus?.(status, reason);
      },
      onState: (state) => {
        // The state can say `live` before the replay's last frame is drawn; apply what is pending first.
        if (state.kind === 'live' || state.kind === 'ended') this.#flush();
        this.connection = state;
      },
      onServerError: options.onServerError,
      probe: options.probe,
    });
  }

  /** Every event held, in seq order (read `revision` through this getter, so callers re-run on change). */
  get events(): readonly ExecutionEvent[] {
    void this.revision;
    return this.#events;
  }

  /** The rows the log shows: steps, or every event in raw mode. */
  get rows(): readonly LogRow[] {
    void this.revision;
    return this.#builder.rows;
  }

  get raw(): boolean {
    return this.#raw;
  }

  set raw(raw: boolean) {
    if (raw === this.#raw) return;
    this.#raw = raw;
    this.#builder = new RowBuilder({ raw });
    this.#builder.add(this.#events);
    this.revision += 1;
  }

  /** Places where two consecutive events held are not consecutive seqs: 0, or something went wrong. */
  gaps = $state(0);

  get lastSeq(): number {
    return this.#viewer.log.lastSeq;
  }

  #flush = (): void => {
    if (this.#frame !== undefined) cancelAnimationFrame(this.#frame);
    this.#frame = undefined;
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    for (const event of batch) {
      // The viewer connection already refuses gaps and repeats; this count proves it on the page (tests read it).
      const previous = this.#events.at(-1);
      if (previous !== undefined && event.seq !== previous.seq + 1) this.gaps += 1;
      this.#events.push(event);
    }
    this.#builder.add(batch);
    this.cost = addCost(this.cost, batch);
    let approvals = false;
    for (const event of batch) {
      if (event.type === 'budget.alert') this.alerts = [...this.alerts, event.data];
      else if (event.type === 'git') this.git = event;
      else if (event.type === 'result') this.result = event;
      else if (event.type === 'approval.requested' || event.type === 'approval.decided') approvals = true;
    }
    this.revision += 1;
    if (approvals) this.#options.onApproval?.();
  };

  start(): void {
    if (!this.#listening) {
      document.addEventListener('visibilitychange', this.#wake);
      window.addEventListener('online', this.#wake);
      window.addEventListener('pageshow', this.#wake);
      this.#listening = true;
    }
    this.#viewer.start();
  }

  stop(): void {
    document.removeEventListener('visibilitychange', this.#wake);
    window.removeEventListener('online', this.#wake);
    window.removeEventListener('pageshow', this.#wake);
    this.#listening = false;
    if (this.#frame !== undefined) cancelAnimationFrame(this.#frame);
    this.#frame = undefined;
    this.#viewer.stop();
  }

  /** A phone waking up or a network coming back: reconnect now rather than after the backoff. */
  #wake = (): void => {
    if (document.visibilityState !== 'visible') return;
    this.#flush();
    this.#viewer.nudge();
  };
}

/** The same-origin viewer socket URL; `after` makes the hub replay only what this page has not seen. */
export function viewerUrl(executionId: string, after: number): string {
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${window.location.host}/api/v1/executions/${encodeURIComponent(executionId)}/events?after=${after}`;
}
