// Unit tests of the control connection against a loopback WebSocket server that plays the Fleet.
import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import type { RunnerToFleet } from '@claudeops/control-plane/protocol';
import { ControlConnection, RunnerTokenRejected, type JobFrame } from './connection';
import {
  executionId,
  FAST_BACKOFF,
  RUNNER_ID,
  startFakeServer,
  waitFor,
  type FakeServer,
  testJob,
} from '../testing/test-helpers';

const TOKEN = 'cor_control-token';

let server: FakeServer;
let sockets: WebSocket[];
let received: RunnerToFleet[][];
let refuseWith: number | null;
let controller: AbortController;
let jobFrames: JobFrame[];
let running: string[];

async function setup(): Promise<ControlConnection> {
  sockets = [];
  received = [];
  jobFrames = [];
  refuseWith = null;
  running = [];
  controller = new AbortController();
  server = await startFakeServer({
    gate: () => refuseWith,
    onConnection: (ws) => {
      const index = sockets.push(ws) - 1;
      received[index] = [];
      ws.on('message', (data) => received[index]!.push(JSON.parse(String(data)) as RunnerToFleet));
    },
  });
  return new ControlConnection({
    url: server.url,
    token: TOKEN,
    hello: () => ({
      type: 'runner.hello',
      version: '9.9.9',
      name: 'box',
      labels: ['gpu'],
      maxConcurrent: 2,
      running,
      sandbox: 'none',
    }),
    running: () => running,
    onJobFrame: (frame) => jobFrames.push(frame),
    metrics: async () => ({ cpuLoadPercent: 12.5, memUsedBytes: 100, memTotalBytes: 1000 }),
    backoff: FAST_BACKOFF,
  });
}

const welcome = (ws: WebSocket, heartbeatIntervalMs = 10) =>
  ws.send(JSON.stringify({ type: 'runner.welcome', runnerId: RUNNER_ID, heartbeatIntervalMs, leaseTtlMs: 30 }));

afterEach(async () => {
  controller.abort();
  await server.close();
});

describe('ControlConnection', () => {
  it('says hello first, with the runner token, then heartbeats with metrics at the welcome interval', async () => {
    const connection = await setup();
    running = [executionId(7)];
    const loop = connection.run(controller.signal);
    await waitFor(() => received[0]?.length === 1, 'the hello');
    expect(server.upgrades[0]).toEqual({ path: '/api/v1/runners/connect', authorization: `Bearer ${TOKEN}` });
    expect(received[0]![0]).toEqual({
      type: 'runner.hello',
      version: '9.9.9',
      name: 'box',
      labels: ['gpu'],
      maxConcurrent: 2,
      running: [executionId(7)],
      sandbox: 'none',
    });
    welcome(sockets[0]!);
    await waitFor(() => received[0]!.length >= 3, 'two heartbeats');
    expect(received[0]![1]).toEqual({
      type: 'runner.heartbeat',
      running: [executionId(7)],
      metrics: { cpuLoadPercent: 12.5, memUsedBytes: 100, memTotalBytes: 1000 },
    });
    expect(connection.connected).toBe(true);
    controller.abort();
    await loop;
    expect(connection.connected).toBe(false);
  });

  it('reconnects after the socket drops and says hello again with what runs now', async () => {
    const connection = await setup();
    const loop = connection.run(controller.signal);
    await waitFor(() => sockets.length === 1, 'the first connection');
    welcome(sockets[0]!, 60_000);
    await waitFor(() => connection.connected, 'the welcome');
    running = [executionId(1), executionId(2)];
    sockets[0]!.terminate();
    await waitFor(() => received[1]?.length === 1, 'the second hello');
    expect(received[1]![0]).toMatchObject({ type: 'runner.hello', running: [executionId(1), executionId(2)] });
    controller.abort();
    await loop;
  });

  it('keeps retrying while the control plane fails (5xx), then connects', async () => {
    const connection = await setup();
    refuseWith = 503;
    const loop = connection.run(controller.signal);
    await waitFor(() => server.upgrades.length >= 3, 'three refused attempts');
    refuseWith = null;
    await waitFor(() => received[0]?.length === 1, 'the hello after the outage');
    controller.abort();
    await loop;
  });

  it('stops with a clear error when the token is refused (401), without retrying', async () => {
    const connection = await setup();
    refuseWith = 401;
    const error = await connection.run(controller.signal).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunnerTokenRejected);
    expect((error as Error).message).toMatch(/refused this runner's token.*register the runner again/);
    expect(server.upgrades).toHaveLength(1);
  });

  it('hands job frames to the daemon and ignores invalid frames', async () => {
    const connection = await setup();
    const loop = connection.run(controller.signal);
    await waitFor(() => sockets.length === 1, 'the connection');
    const ws = sockets[0]!;
    welcome(ws, 60_000);
    ws.send('{not json');
    ws.send(JSON.stringify({ type: 'job.offer', job: { executionId: 'nope' } }));
    ws.send(JSON.stringify({ type: 'error', error: { code: 'BAD_REQUEST', message: 'bad frame' } }));
    const job = testJob(3, { prompt: 'hi' });
    ws.send(JSON.stringify({ type: 'job.offer', job }));
    ws.send(JSON.stringify({ type: 'job.cancel', executionId: executionId(3), reason: 'user' }));
    await waitFor(() => jobFrames.length === 2, 'the offer and the cancel');
    expect(jobFrames).toEqual([
      { type: 'job.offer', job },
      { type: 'job.cancel', executionId: executionId(3), reason: 'user' },
    ]);
    expect(connection.send({ type: 'job.accept', executionId: executionId(3) })).toBe(true);
    await waitFor(() => received[0]!.some((frame) => frame.type === 'job.accept'), 'the accept');
    expect(sockets).toHaveLength(1);
    controller.abort();
    await loop;
  });
});
