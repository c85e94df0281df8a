// Keeps one execution's stream socket connected (used by the log streamer): dials with capped backoff and jitter
// until aborted, and gives up for good on an upgrade refusal that retrying cannot change; reads and writes its frames.
import type WebSocket from 'ws';
import { HubToRunner, type RunnerToHub } from '@claudeops/control-plane/protocol';
import { backoffDelay, DEFAULT_BACKOFF, sleep, type BackoffOptions } from '../support/backoff';
import { errorMessage, type Logger } from '../support/logger';
import { dialWebSocket, DialError } from './ws-dial';

/** Upgrade refusals that mean this runner may not write this log any more; retrying cannot change them. */
const REFUSED_FOR_GOOD = new Set([401, 403, 404, 409, 410]);

export interface StreamLoopOptions {
  url: string;
  token: string;
  signal: AbortSignal;
  backoff?: BackoffOptions;
  log: Logger;
  /** One socket's life; resolves when it closes, with whether the hub welcomed it. */
  session(ws: WebSocket): Promise<boolean>;
  /** The hub refused this runner for good; the loop has stopped. */
  refused(error: DialError): void;
  /** Events still unacked, for the log. */
  unacked(): number;
}

export async function runStreamLoop(options: StreamLoopOptions): Promise<void> {
  const { signal, log } = options;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  let attempt = 0;
  while (!signal.aborted) {
    let ws: WebSocket;
    try {
      ws = await dialWebSocket(options.url, options.token, { signal });
    } catch (error) {
      if (signal.aborted) break;
      if (error instanceof DialError && error.status !== undefined && REFUSED_FOR_GOOD.has(error.status)) {
        log.error('the hub refused this runner; dropping the log', { error: error.message });
        options.refused(error);
        break;
      }
      const delayMs = backoffDelay(attempt++, backoff);
      log.warn('cannot connect the event stream', { error: errorMessage(error), retryInMs: delayMs });
      await sleep(delayMs, signal);
      continue;
    }
    if (await options.session(ws)) attempt = 0;
    if (signal.aborted) break;
    const delayMs = backoffDelay(attempt++, backoff);
    log.warn('event stream closed, reconnecting', { retryInMs: delayMs, unacked: options.unacked() });
    await sleep(delayMs, signal);
  }
}

export function sendPermit(ws: WebSocket, requestId: string): void {
  ws.send(JSON.stringify({ type: 'exec.permit', requestId } satisfies RunnerToHub));
}

export function parseFrame(text: string): HubToRunner | undefined {
  try {
    const parsed = HubToRunner.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
