// One stream socket's life, for the log streamer: parses every frame the hub sends on it and hands each to the
// streamer by type, closes the socket when the stream is aborted, and resolves when it closes.
import type WebSocket from 'ws';
import type { CancelReason, EventData, HubToRunner } from '@claudeops/control-plane/protocol';
import { errorMessage, type Logger } from '../support/logger';
import type { PermitAnswer } from '../proxy/model-proxy';
import { parseFrame } from './stream-loop';

/** How long a socket closed on abort may take to finish its close handshake before it is terminated. */
const CLOSE_GRACE_MS = 2000;

export type HubFrame<T extends HubToRunner['type']> = Extract<HubToRunner, { type: T }>;

/** What the log streamer does with the hub's frames on one socket; `ws` is that socket. */
export interface StreamSessionHandlers {
  welcome(ws: WebSocket, frame: HubFrame<'exec.welcome'>): void;
  acked(seq: number): void;
  cancel(reason: CancelReason): void;
  permitResult(requestId: string, answer: PermitAnswer): void;
  alert(alert: EventData<'budget.alert'>): void;
  approvalResult(frame: HubFrame<'exec.approval.result'>): void;
  /** A person's message for the live session (re-sent after reconnects until its `user.message` is stored). */
  message(frame: HubFrame<'exec.message'>): void;
  pause(frame: HubFrame<'exec.pause'>): void;
  /** The pause is over; `ws` is the socket to ask again on. */
  resume(ws: WebSocket): void;
  closed(frame: HubFrame<'exec.closed'>): void;
  /** The socket closed, welcomed or not. */
  socketClosed(ws: WebSocket): void;
}

/** Runs one socket until it closes; resolves with whether the hub welcomed it. */
export function runStreamSession(
  ws: WebSocket,
  signal: AbortSignal,
  log: Logger,
  handlers: StreamSessionHandlers,
): Promise<boolean> {
  return new Promise((resolve) => {
    let welcomed = false;
    const onAbort = () => {
      ws.close(1000, 'done');
      setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    ws.on('message', (data, isBinary) => {
      const frame = isBinary ? undefined : parseFrame(String(data));
      if (!frame) {
        log.warn('ignored an invalid frame from the hub');
        return;
      }
      try {
        switch (frame.type) {
          case 'exec.welcome':
            welcomed = true;
            handlers.welcome(ws, frame);
            break;
          case 'exec.ack':
            handlers.acked(frame.seq);
            break;
          case 'exec.cancel':
            handlers.cancel(frame.reason);
            break;
          case 'exec.permit.result':
            handlers.permitResult(frame.requestId, { allowed: frame.allowed, reason: frame.reason });
            break;
          case 'exec.alert':
            handlers.alert(frame.alert);
            break;
          case 'exec.approval.result':
            handlers.approvalResult(frame);
            break;
          case 'exec.message':
            handlers.message(frame);
            break;
          case 'exec.pause':
            handlers.pause(frame);
            break;
          case 'exec.resume':
            handlers.resume(ws);
            break;
          case 'exec.closed':
            handlers.closed(frame);
            break;
          case 'error':
            log.warn('the hub refused a frame', { code: frame.error.code, message: frame.error.message });
            break;
        }
      } catch (error) {
        log.error('failed to handle a hub frame', { type: frame.type, error: errorMessage(error) });
      }
    });
    ws.on('error', (error) => log.debug('stream socket error', { error: error.message }));
    ws.on('close', () => {
      signal.removeEventListener('abort', onAbort);
      handlers.socketClosed(ws);
      resolve(welcomed);
    });
    ws.resume();
  });
}
