// The runner's control socket to the Fleet (GET /api/v1/runners/connect): hello on every connect, heartbeats with
// metrics, job frames to the daemon, reconnects with capped backoff. Used by the daemon.
import type WebSocket from 'ws';
import { FleetToRunner, type RunnerToFleet } from '@claudeops/control-plane/protocol';
import { backoffDelay, DEFAULT_BACKOFF, sleep, type BackoffOptions } from '../support/backoff';
import { createLogger, errorMessage, type Logger } from '../support/logger';
import type { MetricsSource } from '../health/metrics';
import { dialWebSocket, DialError, webSocketUrl } from './ws-dial';

export type HelloFrame = Extract<RunnerToFleet, { type: 'runner.hello' }>;
/** What the daemon handles; the connection keeps `runner.welcome` and `error` to itself. */
export type JobFrame = Extract<FleetToRunner, { type: 'job.offer' | 'job.cancel' }>;

/** The control plane refused the runner token (revoked or unknown): the runner must stop, retrying cannot help. */
export class RunnerTokenRejected extends Error {
  override name = 'RunnerTokenRejected';
}

export interface ControlConnectionOptions {
  /** Control plane base URL. */
  url: string;
  token: string;
  /** The hello to send on each connect; it restates the runner's whole state, so it is built fresh every time. */
  hello: () => HelloFrame;
  /** Executions whose leases each heartbeat renews. */
  running: () => string[];
  onJobFrame: (frame: JobFrame) => void;
  metrics?: MetricsSource;
  backoff?: BackoffOptions;
  /** How long a heartbeat waits for metrics before it goes without them. */
  metricsTimeoutMs?: number;
  log?: Logger;
}

export class ControlConnection {
  private socket: WebSocket | null = null;
  private readonly log: Logger;

  constructor(private readonly options: ControlConnectionOptions) {
    this.log = options.log ?? createLogger('connection');
  }

  /** When the last heartbeat went out (epoch ms), for `claudeops-runner status`. */
  lastHeartbeatAt: number | null = null;

  /** Whether a welcomed control socket is open right now. */
  get connected(): boolean {
    return this.socket !== null;
  }

  /** Sends a frame if the socket is up; false when it is not (the next hello restates what matters). */
  send(frame: RunnerToFleet): boolean {
    const socket = this.socket;
    if (!socket || socket.readyState !== socket.OPEN) return false;
    socket.send(JSON.stringify(frame));
    return true;
  }

  /** Stays connected until `signal` aborts (resolves) or the token is refused (rejects with RunnerTokenRejected). */
  async run(signal: AbortSignal): Promise<void> {
    const url = webSocketUrl(this.options.url, '/api/v1/runners/connect');
    const backoff = this.options.backoff ?? DEFAULT_BACKOFF;
    let attempt = 0;
    while (!signal.aborted) {
      let ws: WebSocket;
      try {
        ws = await dialWebSocket(url, this.options.token, { signal });
      } catch (error) {
        if (signal.aborted) break;
        if (error instanceof DialError && error.unauthorized) {
          throw new RunnerTokenRejected(
            `the control plane at ${this.options.url} refused this runner's token (${error.message}); ` +
              'it was revoked or belongs to another control plane: register the runner again',
          );
        }
        const delayMs = backoffDelay(attempt++, backoff);
        this.log.warn('cannot connect to the control plane', { error: errorMessage(error), retryInMs: delayMs });
        await sleep(delayMs, signal);
        continue;
      }
      const welcomed = await this.session(ws, signal);
      if (welcomed) attempt = 0;
      if (signal.aborted) break;
      const delayMs = backoffDelay(attempt++, backoff);
      this.log.warn('control socket closed, reconnecting', { retryInMs: delayMs });
      await sleep(delayMs, signal);
    }
  }

  /** One connected socket's life; resolves when it closes, with whether the Fleet welcomed the runner. */
  private session(ws: WebSocket, signal: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      let welcomed = false;
      let heartbeat: NodeJS.Timeout | undefined;
      let killTimer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        ws.close(1000, 'runner stopping');
        // A peer that never answers the close handshake must not hold the shutdown.
        killTimer = setTimeout(() => ws.terminate(), 2000);
      };
      signal.addEventListener('abort', onAbort, { once: true });

      ws.on('message', (data, isBinary) => {
        const frame = isBinary ? undefined : parseFrame(String(data));
        if (!frame) {
          this.log.warn('ignored an invalid frame from the fleet');
          return;
        }
        try {
          if (frame.type === 'runner.welcome') {
            welcomed = true;
            this.socket = ws;
            clearInterval(heartbeat);
            heartbeat = setInterval(() => void this.beat(ws), frame.heartbeatIntervalMs);
            this.log.info('connected', { runnerId: frame.runnerId, heartbeatMs: frame.heartbeatIntervalMs });
          } else if (frame.type === 'error') {
            this.log.warn('the fleet refused a frame', { code: frame.error.code, message: frame.error.message });
          } else {
            this.options.onJobFrame(frame);
          }
        } catch (error) {
          this.log.error('failed to handle a fleet frame', { type: frame.type, error: errorMessage(error) });
        }
      });
      ws.on('error', (error) => this.log.debug('control socket error', { error: error.message }));
      ws.on('close', (code) => {
        clearInterval(heartbeat);
        clearTimeout(killTimer);
        signal.removeEventListener('abort', onAbort);
        if (this.socket === ws) this.socket = null;
        this.log.debug('control socket closed', { code });
        resolve(welcomed);
      });

      ws.resume();
      try {
        ws.send(JSON.stringify(this.options.hello() satisfies RunnerToFleet));
      } catch (error) {
        this.log.warn('could not send hello', { error: errorMessage(error) });
        ws.terminate();
      }
    });
  }

  private beating = false;

  private async beat(ws: WebSocket): Promise<void> {
    // A slow metrics read must not stack heartbeats up behind it.
    if (this.beating) return;
    this.beating = true;
    try {
      const metrics = await this.readMetrics();
      if (this.socket !== ws || ws.readyState !== ws.OPEN) return;
      const frame: RunnerToFleet = { type: 'runner.heartbeat', running: this.options.running() };
      if (metrics) frame.metrics = metrics;
      ws.send(JSON.stringify(frame));
      this.lastHeartbeatAt = Date.now();
    } catch (error) {
      this.log.warn('heartbeat failed', { error: errorMessage(error) });
    } finally {
      this.beating = false;
    }
  }

  private async readMetrics() {
    const source = this.options.metrics;
    if (!source) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.options.metricsTimeoutMs ?? 1000);
    });
    try {
      return await Promise.race([source().catch(() => undefined), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function parseFrame(text: string): FleetToRunner | undefined {
  try {
    const parsed = FleetToRunner.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
