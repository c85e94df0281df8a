// Test doubles shared by the runner's unit tests: a loopback WebSocket server that plays a control-plane endpoint,
// and a condition wait. Not part of the runner itself.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { Job, type HostSnapshot } from '@claudeops/control-plane/protocol';
import { configureLogging } from '../support/logger';

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
export const testJob = (n: number, extra: Partial<Job> = {}): Job =>
  // Parsed, so the fields a template adds get their defaults as they do from a real offer.
  Job.parse({
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

/** A small host snapshot with a nearly full root disk. */
export const TEST_SNAPSHOT: HostSnapshot = {
  collectedAt: '2026-11-21T08:00:00.000Z',
  hostname: 'box',
  os: { platform: 'linux', distro: 'Debian', release: '12', kernel: '6.1', arch: 'x64' },
  uptimeSeconds: 90_000,
  cpu: {
    brand: 'AMD EPYC',
    cores: 8,
    physicalCores: 4,
    speedGHz: 3.1,
    loadPercent: 12.5,
    loadAverage: [0.5, 0.4, 0.3],
    temperatureC: null,
  },
  memory: {
    totalBytes: 16 * 2 ** 30,
    usedBytes: 4 * 2 ** 30,
    availableBytes: 12 * 2 ** 30,
    swapTotalBytes: 0,
    swapUsedBytes: 0,
  },
  disks: [
    { mount: '/', fs: '/dev/vda', type: 'ext4', sizeBytes: 100 * 2 ** 30, usedBytes: 93 * 2 ** 30, usePercent: 93 },
  ],
  network: [{ iface: 'eth0', ip4: '10.0.0.2', rxBytesPerSec: 100, txBytesPerSec: 50 }],
  processes: {
    all: 100,
    running: 1,
    blocked: 0,
    top: [{ pid: 7, name: 'node|x', cpuPercent: 20, memPercent: 3, memRssBytes: 2 ** 20 }],
  },
  gpus: [],
  temperatures: { mainC: null, maxC: null },
};
