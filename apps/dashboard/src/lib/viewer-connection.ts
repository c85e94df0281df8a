// The live viewer socket of one execution: connects to /api/v1/executions/:id/events?after=<lastSeq>, parses every
// hub frame with the protocol schema, keeps a gap-free EventLog, and reconnects with backoff, resuming after the
// last seq it holds. Plain TypeScript (no Svelte) so the whole reconnect story is tested in Node; the execution
// stream store wraps it in runes.
import { HubToViewer, VIEWER_PING, VIEWER_PONG, isTerminal } from '@claudeops/control-plane/protocol';
import type { ErrorBody, ExecutionEvent, ExecutionStatus } from '@claudeops/control-plane/protocol';
import { DEFAULT_BACKOFF, backoffDelay, type BackoffOptions } from './backoff';
import { EventLog } from './event-log';

/** The part of the browser WebSocket this module uses, so tests can hand in a fake. */
export interface SocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
}

export type ConnectionState =
  | { kind: 'connecting'; attempt: number }
  /** Open; stored events are being replayed. */
  | { kind: 'replaying' }
  | { kind: 'live' }
  /** Dropped; the next attempt starts at `retryAt` (epoch ms). */
  | { kind: 'waiting'; attempt: number; retryAt: number }
  /** The execution ended and every event has arrived; nothing more will come. */
  | { kind: 'ended' }
  /** Given up for good (not found, not allowed). */
  | { kind: 'failed'; message: string }
  | { kind: 'stopped' };

/** What to do after a socket closed before the hub said `ready` (a refused upgrade looks just like that). */
export type ProbeVerdict = 'retry' | 'stop';

export interface ViewerConnectionOptions {
  url: (after: number) => string;
  createSocket: (url: string) => SocketLike;
  onEvents: (added: readonly ExecutionEvent[]) => void;
  onStatus: (status: ExecutionStatus, reason: string | null) => void;
  onState: (state: ConnectionState) => void;
  onServerError?: (error: ErrorBody['error']) => void;
  /** Asked (over HTTP, typically) whether a socket that never got ready is worth retrying. */
  probe?: () => Promise<ProbeVerdict>;
  backoff?: BackoffOptions;
  /** Sends a ping this often while open, so a socket that died while the phone slept is noticed. */
  pingIntervalMs?: number;
  /** A socket that says nothing for this long (no frame, no pong) is given up and replaced. */
  silenceTimeoutMs?: number;
  /** How long a ping may wait for its pong. */
  pongTimeoutMs?: number;
  now?: () => number;
}

const FATAL_CODES = new Set(['UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND']);

export class ViewerConnection {
  readonly log = new EventLog();
  #options: ViewerConnectionOptions;
  #socket: SocketLike | null = null;
  #state: ConnectionState = { kind: 'stopped' };
  #attempt = 0;
  #ready = false;
  #terminal = false;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  #silenceTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: ViewerConnectionOptions) {
    this.#options = options;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  start(): void {
    if (this.#state.kind !== 'stopped') return;
    this.#connect();
  }

  /** Stops for good: closes the socket and cancels every timer. Idempotent. */
  stop(): void {
    this.#teardown(1000, 'viewer left');
    this.#setState({ kind: 'stopped' });
  }

  /**
   * The page became visible or the network came back: retry now instead of waiting out the backoff, and make an
   * open socket prove it is still alive.
   */
  nudge(): void {
    if (this.#state.kind === 'waiting') {
      clearTimeout(this.#retryTimer);
      this.#connect();
    } else if (this.#socket && (this.#state.kind === 'live' || this.#state.kind === 'replaying')) {
      this.#ping();
    }
  }

  #setState(state: ConnectionState): void {
    this.#state = state;
    this.#options.onState(state);
  }

  #connect(): void {
    this.#ready = false;
    this.#setState({ kind: 'connecting', attempt: this.#attempt });
    const socket = this.#options.createSocket(this.#options.url(this.log.lastSeq));
    this.#socket = socket;
    this.#expectWithin();
    socket.onopen = () => {
      if (socket !== this.#socket) return;
      this.#setState({ kind: 'replaying' });
      this.#expectWithin();
      this.#pingTimer = setInterval(() => this.#ping(), this.#options.pingIntervalMs ?? 25_000);
    };
    socket.onmessage = (message) => {
      if (socket !== this.#socket) return;
      this.#expectWithin();
      this.#receive(message.data);
    };
    socket.onclose = () => {
      if (socket === this.#socket) this.#dropped();
    };
    // An error is always followed by a close; the close decides what happens next.
    socket.onerror = () => {};
  }

  #receive(data: unknown): void {
    if (typeof data !== 'string' || data === VIEWER_PONG) return;
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return;
    }
    const parsed = HubToViewer.safeParse(json);
    if (!parsed.success) return;
    const frame = parsed.data;
    switch (frame.type) {
      case 'events': {
        const { added, gap } = this.log.accept(frame.events);
        if (added.length > 0) this.#options.onEvents(added);
        for (const event of added) {
          if (event.type !== 'status') continue;
          this.#options.onStatus(event.data.status, event.data.reason ?? null);
          if (isTerminal(event.data.status)) this.#terminal = true;
        }
        // The hub never skips a seq, so a hole means something in between went wrong: resume from what we hold.
        if (gap) this.#resync();
        else this.#maybeEnd();
        return;
      }
      case 'ready':
        this.#ready = true;
        this.#attempt = 0;
        this.#options.onStatus(frame.status, null);
        if (isTerminal(frame.status)) this.#terminal = true;
        this.#setState({ kind: 'live' });
        this.#maybeEnd();
        return;
      case 'status':
        this.#options.onStatus(frame.status, frame.reason);
        return;
      case 'error':
        this.#options.onServerError?.(frame.error);
        if (FATAL_CODES.has(frame.error.code)) {
          this.#teardown(1000, 'fatal error');
          this.#setState({ kind: 'failed', message: frame.error.message });
        }
        return;
    }
  }

  /** Once the hub has replayed everything and the execution is over, no event can follow: close quietly. */
  #maybeEnd(): void {
    if (!this.#ready || !this.#terminal) return;
    this.#teardown(1000, 'execution ended');
    this.#setState({ kind: 'ended' });
  }

  #resync(): void {
    this.#teardown(4000, 'gap in events');
    this.#schedule();
  }

  #ping(): void {
    try {
      this.#socket?.send(VIEWER_PING);
    } catch {
      // A socket that cannot send is dead; the silence timer below replaces it.
    }
    this.#expectWithin(this.#options.pongTimeoutMs ?? 10_000);
  }

  /** (Re)arms the silence timer: the socket must say something (a frame or a pong) before it fires. */
  #expectWithin(ms = this.#options.silenceTimeoutMs ?? 40_000): void {
    clearTimeout(this.#silenceTimer);
    this.#silenceTimer = setTimeout(() => {
      // A half-open socket after a phone slept may never fire `close`; stop waiting for it.
      this.#teardown(4001, 'no answer');
      this.#dropped();
    }, ms);
  }

  #dropped(): void {
    const wasReady = this.#ready;
    this.#teardown(4002, 'dropped');
    if (this.#state.kind === 'stopped' || this.#state.kind === 'ended' || this.#state.kind === 'failed') return;
    const { probe } = this.#options;
    if (wasReady || !probe) {
      this.#schedule();
      return;
    }
    this.#setState({ kind: 'waiting', attempt: this.#attempt, retryAt: this.#now() });
    probe().then(
      (verdict) => {
        if (this.#state.kind !== 'waiting') return;
        if (verdict === 'stop') this.#setState({ kind: 'failed', message: 'The live stream is not available.' });
        else this.#schedule();
      },
      () => {
        if (this.#state.kind === 'waiting') this.#schedule();
      },
    );
  }

  #schedule(): void {
    const delay = backoffDelay(this.#attempt, this.#options.backoff ?? DEFAULT_BACKOFF);
    this.#attempt += 1;
    this.#setState({ kind: 'waiting', attempt: this.#attempt, retryAt: this.#now() + delay });
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => this.#connect(), delay);
  }

  #teardown(code: number, reason: string): void {
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#silenceTimer);
    clearInterval(this.#pingTimer);
    const socket = this.#socket;
    this.#socket = null;
    if (!socket) return;
    socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
    try {
      socket.close(code, reason);
    } catch {
      // Closing a socket that never opened can throw in some browsers; it is being dropped either way.
    }
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }
}
