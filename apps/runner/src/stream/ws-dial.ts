// Opens an authenticated WebSocket to the control plane and explains refusals; used by connection and log-streamer.
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { ErrorBody } from '@claudeops/control-plane/protocol';
import { endpoint } from './api-client';
import { KEEPALIVE_MS, keepAlive } from './keepalive';

/** A dial that did not end in an open socket: a refused upgrade carries the HTTP status and the API's error. */
export class DialError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'DialError';
  }

  /** The control plane does not accept this runner's token: retrying cannot help. */
  get unauthorized(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

export interface DialOptions {
  signal?: AbortSignal;
  handshakeTimeoutMs?: number;
  /** Ping interval that detects half-open sockets (default KEEPALIVE_MS). */
  keepaliveMs?: number;
}

/** `http(s)://host/base` + `/api/v1/...` as the `ws(s)://` URL of that path. */
export function webSocketUrl(baseUrl: string, path: string): string {
  const url = new URL(endpoint(baseUrl, path));
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

function readSmallBody(res: IncomingMessage, limit = 8192): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    const finish = () => {
      clearTimeout(timer);
      resolve(body);
    };
    // A server that never ends its error body must not hold the dial forever.
    const timer = setTimeout(finish, 2000);
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      if (body.length < limit) body += chunk;
    });
    res.on('end', finish);
    res.on('error', finish);
  });
}

async function refusal(res: IncomingMessage): Promise<DialError> {
  const status = res.statusCode ?? 0;
  const text = await readSmallBody(res);
  let parsed: ErrorBody | undefined;
  try {
    const result = ErrorBody.safeParse(JSON.parse(text));
    if (result.success) parsed = result.data;
  } catch {
    // Not JSON (a proxy's HTML page, say): the status alone has to do.
  }
  const detail = parsed ? `HTTP ${status} ${parsed.error.code}: ${parsed.error.message}` : `HTTP ${status}`;
  return new DialError(`upgrade refused (${detail})`, status, parsed?.error.code);
}

/**
 * Resolves with the open socket, PAUSED: attach listeners, then call `ws.resume()`. Rejects with DialError.
 * The token travels as a Bearer header on the upgrade request, never in the URL.
 */
export function dialWebSocket(url: string, token: string, options: DialOptions = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return reject(new DialError('aborted'));
    const ws = new WebSocket(url, {
      headers: { authorization: `Bearer ${token}` },
      handshakeTimeout: options.handshakeTimeoutMs ?? 15_000,
    });
    let settled = false;
    const settle = (error: DialError | null) => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      if (error) {
        ws.removeAllListeners('open');
        reject(error);
      } else resolve(ws);
    };
    const onAbort = () => {
      settle(new DialError('aborted'));
      ws.terminate();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    // Errors after settling (a late socket error on a refused upgrade) have nowhere useful to go.
    ws.on('error', (error) => settle(new DialError(error.message)));
    ws.on('close', () => settle(new DialError('socket closed during the handshake')));
    ws.once('open', () => {
      // The first frame (welcome) may already be in the upgrade's tail and would be emitted before the caller,
      // resumed after an await, has its listeners on: hold it until the caller resume()s.
      ws.pause();
      keepAlive(ws, options.keepaliveMs ?? KEEPALIVE_MS);
      settle(null);
    });
    ws.once('unexpected-response', (req, res) => {
      void refusal(res).then((error) => {
        settle(error);
        req.destroy();
      });
    });
  });
}
