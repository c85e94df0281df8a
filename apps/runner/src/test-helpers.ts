// Test doubles shared by the runner's unit tests: a loopback WebSocket server that plays a control-plane endpoint,
// and a condition wait. Not part of the runner itself.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Job } from '@claudeops/control-plane/protocol';
import { configureLogging } from './logger';

// The runner logs to stderr; in tests that is noise unless a test is being debugged.
configureLogging({ level: (process.env.CLAUDEOPS_LOG_LEVEL as 'debug' | undefined) ?? 'silent' });

export interface Upgrade {
  path: string;
  authorization: string | undefined;
}

export interface FakeServerOptions {
  /** Decides each upgrade: null accepts, a number refuses with that status and an API error body. */
  gate?: (upgrade: Upgrade) => number | null;
  onConnection: (socket: WebSocket, upgrade: Upgrade) => void;
  /** Plain HTTP requests (the registration call). */
  onRequest?: (req: IncomingMessage, body: string) => { status: number; body: unknown };
}

export interface FakeServer {
  url: string;
  upgrades: Upgrade[];
  close(): Promise<void>;
}

export async function startFakeServer(options: FakeServerOptions): Promise<FakeServer> {
  const upgrades: Upgrade[] = [];
  const wss = new WebSocketServer({ noServer: true });
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const answer = options.onRequest?.(req, body) ?? {
        status: 404,
        body: { error: { code: 'NOT_FOUND', message: 'no route' } },
      };
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const upgrade = { path: req.url ?? '', authorization: req.headers.authorization };
    upgrades.push(upgrade);
    const refused = options.gate?.(upgrade) ?? null;
    if (refused !== null) {
      const body = JSON.stringify({
        error: { code: refused === 401 ? 'UNAUTHORIZED' : 'INTERNAL', message: 'refused by test' },
      });
      socket.end(
        `HTTP/1.1 ${refused} Refused\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
          `connection: close\r\n\r\n${body}`,
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => options.onConnection(ws, upgrade));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    upgrades,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Waits until `condition` holds (polling), or fails after timeoutMs with `what` in the message. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export const FAST_BACKOFF = { baseMs: 5, maxMs: 40 };

export const executionId = (n: number): string => `ex_${String(n).padStart(26, '0')}`;
export const RUNNER_ID = 'rn_' + 'a'.repeat(26);

/** A job offer as the Fleet sends it; each test overrides only what it is about. */
export const testJob = (n: number, extra: Partial<Job> = {}): Job => ({
  executionId: executionId(n),
  prompt: `task ${n}`,
  model: null,
  maxBudgetUsd: null,
  labels: [],
  repo: null,
  ref: null,
  attempt: 1,
  ...extra,
});
