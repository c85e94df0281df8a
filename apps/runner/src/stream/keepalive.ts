// WebSocket liveness for the runner's sockets: a half-open connection (laptop asleep, a train in a tunnel) sends no
// error for minutes, so each socket is pinged and terminated when a pong does not come back in time. Used by ws-dial.
import type WebSocket from 'ws';

/**
 * How often an open socket is pinged; a socket that misses one whole interval is declared dead.
 * CLAUDEOPS_RUNNER_KEEPALIVE_MS overrides it (tests use a short one).
 */
export const KEEPALIVE_MS = Number(process.env.CLAUDEOPS_RUNNER_KEEPALIVE_MS) || 15_000;

/** Pings `ws` every `intervalMs`; terminates it (which emits `close`, so callers reconnect) if no pong arrived. */
export function keepAlive(ws: WebSocket, intervalMs = KEEPALIVE_MS): void {
  let awaitingPong = false;
  const timer = setInterval(() => {
    if (awaitingPong) {
      clearInterval(timer);
      ws.terminate();
      return;
    }
    awaitingPong = true;
    try {
      ws.ping();
    } catch {
      // The socket is closing; its close handler clears the timer.
    }
  }, intervalMs);
  timer.unref();
  // Any frame from the peer proves the connection is alive, not only a pong.
  const alive = () => {
    awaitingPong = false;
  };
  ws.on('pong', alive);
  ws.on('message', alive);
  ws.once('close', () => clearInterval(timer));
}
