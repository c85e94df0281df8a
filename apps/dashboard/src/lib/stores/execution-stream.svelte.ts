// Live state of one execution's event stream for the execution page: the events seen so far, the connection's
// state and the latest status, as runes. The socket, resume and reconnect logic live in ../viewer-connection.ts.
import type { ErrorBody, ExecutionEvent, ExecutionStatus } from '@claudeops/control-plane/protocol';
import { ViewerConnection, type ConnectionState, type ProbeVerdict } from '../viewer-connection';

export interface ExecutionStreamOptions {
  /** Called after a socket closed without ever getting ready: is the execution still there and are we allowed? */
  probe: () => Promise<ProbeVerdict>;
  onStatus?: (status: ExecutionStatus, reason: string | null) => void;
  onServerError?: (error: ErrorBody['error']) => void;
}

export class ExecutionStream {
  events = $state.raw<readonly ExecutionEvent[]>([]);
  connection = $state.raw<ConnectionState>({ kind: 'stopped' });
  status = $state<ExecutionStatus | null>(null);
  statusReason = $state<string | null>(null);
  /** Tool names by tool-use id, so a result can say which call it answers. */
  toolNames = $derived(
    new Map(
      this.events.flatMap((event) => (event.type === 'tool.call' ? [[event.data.toolUseId, event.data.name]] : [])),
    ),
  );
  #viewer: ViewerConnection;
  #listening = false;

  constructor(executionId: string, options: ExecutionStreamOptions) {
    this.#viewer = new ViewerConnection({
      url: (after) => viewerUrl(executionId, after),
      createSocket: (url) => new WebSocket(url),
      onEvents: (added) => {
        this.events = [...this.events, ...added];
      },
      onStatus: (status, reason) => {
        this.status = status;
        this.statusReason = reason;
        options.onStatus?.(status, reason);
      },
      onState: (state) => {
        this.connection = state;
      },
      onServerError: options.onServerError,
      probe: options.probe,
    });
  }

  get lastSeq(): number {
    return this.#viewer.log.lastSeq;
  }

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
    this.#viewer.stop();
  }

  /** A phone waking up or a network coming back: reconnect now rather than after the backoff. */
  #wake = (): void => {
    if (document.visibilityState === 'visible') this.#viewer.nudge();
  };
}

/** The same-origin viewer socket URL; `after` makes the hub replay only what this page has not seen. */
export function viewerUrl(executionId: string, after: number): string {
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${window.location.host}/api/v1/executions/${encodeURIComponent(executionId)}/events?after=${after}`;
}
