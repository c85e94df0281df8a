// A runner-like producer for the benchmark: registers, takes an offered job over the control socket, then streams
// `exec.events` frames to the execution's hub exactly as the runner does (batches of up to 32, bounded in flight).
import {
  type ExecutionEvent,
  FleetToRunner,
  HubToRunner,
  type RunnerToFleet,
  type RunnerToHub,
} from '@claudeops/control-plane/protocol';
import WebSocket from 'ws';
import type { ApiClient } from '../tests/fixtures/api-client';

const wsUrl = (base: string, path: string) => `${base.replace(/^http/, 'ws')}${path}`;

function open(url: string, token?: string): Promise<WebSocket> {
  const socket = new WebSocket(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
    socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
  });
}

export class BenchRunner {
  private control!: WebSocket;
  private offers = new Map<string, () => void>();
  private seen = new Set<string>();

  constructor(
    readonly baseUrl: string,
    readonly api: ApiClient,
  ) {}

  runnerToken = '';

  async start(): Promise<void> {
    const registrationToken = await this.api.registrationToken();
    const res = await fetch(`${this.baseUrl}/api/v1/runners/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ registrationToken, name: 'bench-producer', labels: ['bench'], maxConcurrent: 4 }),
    });
    if (!res.ok) throw new Error(`register failed: ${res.status} ${await res.text()}`);
    this.runnerToken = ((await res.json()) as { runnerToken: string }).runnerToken;
    this.control = await open(wsUrl(this.baseUrl, '/api/v1/runners/connect'), this.runnerToken);
    this.control.on('message', (raw) => {
      const frame = FleetToRunner.parse(JSON.parse(raw.toString()));
      if (frame.type !== 'job.offer') return;
      const id = frame.job.executionId;
      this.control.send(JSON.stringify({ type: 'job.accept', executionId: id } satisfies RunnerToFleet));
      this.seen.add(id);
      this.offers.get(id)?.();
    });
    const hello: RunnerToFleet = {
      type: 'runner.hello',
      version: 'bench',
      name: 'bench-producer',
      labels: ['bench'],
      maxConcurrent: 4,
      running: [],
      sandbox: 'none',
    };
    this.control.send(JSON.stringify(hello));
  }

  /** Creates an execution that only this producer can take and waits until it is offered. */
  async newExecution(): Promise<string> {
    const execution = await this.api.createExecution({ prompt: 'benchmark', labels: ['bench'] });
    if (!this.seen.has(execution.id)) {
      await new Promise<void>((resolve) => this.offers.set(execution.id, resolve));
    }
    return execution.id;
  }

  openStream(executionId: string): Promise<WebSocket> {
    return open(wsUrl(this.baseUrl, `/api/v1/executions/${executionId}/stream`), this.runnerToken);
  }

  stop(): void {
    this.control.terminate();
  }
}

/** Events of one benchmark run: `log` lines stamped with their creation time (performance.now()). */
export function makeEvent(seq: number): ExecutionEvent {
  return {
    seq,
    ts: new Date().toISOString(),
    type: 'log',
    data: {
      level: 'info',
      message: `t=${performance.now().toFixed(3)} line ${seq} of the benchmark run ${'x'.repeat(60)}`,
    },
  };
}

export const stampOf = (event: ExecutionEvent): number =>
  event.type === 'log' ? Number(/^t=([\d.]+)/.exec(event.data.message)?.[1]) : NaN;

/**
 * Streams `total` events in frames of `batch`, keeping at most `window` frames unacknowledged, the way the runner
 * pipelines. `ackOf` extracts the highest acknowledged position from a server frame.
 */
export async function stream(
  socket: WebSocket,
  total: number,
  {
    batch,
    window,
    frame,
    ackOf,
  }: {
    batch: number;
    window: number;
    frame: (events: ExecutionEvent[]) => string;
    ackOf: (data: string) => number | null;
  },
): Promise<void> {
  let sent = 0;
  let acked = 0;
  let wake: (() => void) | null = null;
  socket.on('message', (raw) => {
    const ack = ackOf(raw.toString());
    if (ack !== null && ack > acked) {
      acked = ack;
      wake?.();
    }
  });
  while (sent < total) {
    while (sent - acked >= batch * window) await new Promise<void>((resolve) => (wake = resolve));
    const events: ExecutionEvent[] = [];
    for (let i = 0; i < batch && sent < total; i += 1) events.push(makeEvent(++sent));
    socket.send(frame(events));
  }
  while (acked < total) await new Promise<void>((resolve) => (wake = resolve));
}

export const hubFrame = (events: ExecutionEvent[]) =>
  JSON.stringify({ type: 'exec.events', events } satisfies RunnerToHub);
export const hubAck = (data: string): number | null => {
  const frame = HubToRunner.safeParse(JSON.parse(data));
  if (!frame.success) return null;
  if (frame.data.type === 'exec.ack') return frame.data.seq;
  if (frame.data.type === 'exec.welcome') return frame.data.ackedSeq;
  return null;
};
