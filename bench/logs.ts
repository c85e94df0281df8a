// `npm run bench:logs`: one execution's events from a runner-like producer through the ExecutionHub to 1 and 10
// viewers, persisted, beside a bare DO relay that persists one row per frame, both measured in this run.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { ExecutionEvent } from '@claudeops/control-plane/protocol';
import WebSocket from 'ws';
import { REPO_ROOT, WRANGLER_CLI, WRANGLER_ENV } from '../scripts/wrangler';
import { ApiClient } from '../tests/fixtures/api-client';
import { startChild } from '../tests/fixtures/child';
import { startControlPlane } from '../tests/fixtures/control-plane';
import { freePort } from '../tests/fixtures/ports';
import { percentile } from './proc-stats';
import { BenchRunner, hubAck, hubFrame, stampOf, stream } from './producer';

const TOTAL = Number(process.env.BENCH_EVENTS ?? 10_000);
const BATCH = 32;
const WINDOW = 8;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const FLUSH_WINDOW_MS = 50;

interface Figures {
  linesPerSec: number;
  p50: number;
  p99: number;
}

/** Connects `count` viewers; each resolves when it has seen `TOTAL` events, recording every event's latency. */
async function viewers(
  count: number,
  url: string,
  headers: Record<string, string>,
  parse: (raw: string) => ExecutionEvent[],
) {
  const latencies: number[] = [];
  const sockets: WebSocket[] = [];
  const done: Promise<void>[] = [];
  for (let i = 0; i < count; i += 1) {
    const socket = new WebSocket(url, { headers });
    sockets.push(socket);
    let seen = 0;
    done.push(
      new Promise<void>((resolve, reject) => {
        socket.on('message', (raw) => {
          const now = performance.now();
          for (const event of parse(raw.toString())) {
            latencies.push(now - stampOf(event));
            seen += 1;
          }
          if (seen >= TOTAL) resolve();
        });
        socket.once('error', reject);
      }),
    );
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
  }
  return { latencies, sockets, done: Promise.all(done) };
}

async function measure(run: () => Promise<{ latencies: number[]; elapsedMs: number }>): Promise<Figures> {
  const { latencies, elapsedMs } = await run();
  return { linesPerSec: (TOTAL / elapsedMs) * 1000, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
}

const median = (values: Figures[]): Figures => {
  const pick = (key: keyof Figures) => values.map((v) => v[key]).sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return { linesPerSec: pick('linesPerSec'), p50: pick('p50'), p99: pick('p99') };
};

async function main() {
  const cp = await startControlPlane();
  const relayPort = await freePort();
  const relay = startChild(
    'relay',
    process.execPath,
    [
      '--no-warnings',
      WRANGLER_CLI,
      'dev',
      '-c',
      path.join(REPO_ROOT, 'bench/relay/wrangler.toml'),
      '--ip',
      '127.0.0.1',
      '--port',
      String(relayPort),
      '--inspector-port',
      String(await freePort()),
      '--show-interactive-dev-session=false',
    ],
    { cwd: REPO_ROOT, env: { ...process.env, ...WRANGLER_ENV, CI: 'true' } },
  );
  const api = new ApiClient(cp.url, cp.adminToken);
  const producer = new BenchRunner(cp.url, api);
  try {
    await relay.waitForOutput(/Ready on http/, 90_000);
    await producer.start();
    const relayUrl = `ws://127.0.0.1:${relayPort}`;

    const viaHub = (count: number) =>
      measure(async () => {
        const id = await producer.newExecution();
        // Same client work as for the relay: JSON.parse only.
        const parse = (raw: string) => {
          const frame = JSON.parse(raw) as { type: string; events?: ExecutionEvent[] };
          return frame.type === 'events' ? (frame.events ?? []) : [];
        };
        const v = await viewers(
          count,
          `${cp.url.replace(/^http/, 'ws')}/api/v1/executions/${id}/events?after=0`,
          { authorization: `Bearer ${cp.adminToken}` },
          parse,
        );
        const socket = await producer.openStream(id);
        const start = performance.now();
        await stream(socket, TOTAL, { batch: BATCH, window: WINDOW, frame: hubFrame, ackOf: hubAck });
        await v.done;
        const elapsedMs = performance.now() - start;
        socket.send(
          hubFrame([{ seq: TOTAL + 1, ts: new Date().toISOString(), type: 'status', data: { status: 'succeeded' } }]),
        );
        socket.close();
        v.sockets.forEach((s) => s.terminate());
        return { latencies: v.latencies, elapsedMs };
      });

    const viaRelay = (count: number) =>
      measure(async () => {
        const name = randomUUID();
        const parse = (raw: string) => (JSON.parse(raw) as { events: ExecutionEvent[] }).events;
        const v = await viewers(count, `${relayUrl}/relay/${name}/viewer`, {}, parse);
        const socket = new WebSocket(`${relayUrl}/relay/${name}/producer`);
        await new Promise((resolve) => socket.once('open', resolve));
        let frames = 0;
        const start = performance.now();
        await stream(socket, TOTAL, {
          batch: BATCH,
          window: WINDOW,
          frame: hubFrame,
          ackOf: () => Math.min(++frames * BATCH, TOTAL),
        });
        await v.done;
        const elapsedMs = performance.now() - start;
        socket.close();
        v.sockets.forEach((s) => s.terminate());
        return { latencies: v.latencies, elapsedMs };
      });

    console.log(
      `bench:logs — ${TOTAL} events per run, frames of ${BATCH}, ${WINDOW} frames in flight, median of ${ROUNDS}`,
    );
    const fmt = (f: Figures) =>
      `${f.linesPerSec.toFixed(0).padStart(8)} lines/s  p50 ${f.p50.toFixed(1).padStart(7)} ms  p99 ${f.p99.toFixed(1).padStart(7)} ms`;
    let pass = true;
    for (const count of [1, 10]) {
      const hubRuns: Figures[] = [];
      const relayRuns: Figures[] = [];
      for (let round = 0; round < ROUNDS; round += 1) {
        relayRuns.push(await viaRelay(count));
        hubRuns.push(await viaHub(count));
      }
      const hub = median(hubRuns);
      const bare = median(relayRuns);
      const ratio = hub.linesPerSec / bare.linesPerSec;
      const p99Bound = 2 * bare.p99 + FLUSH_WINDOW_MS;
      const ok = ratio >= 0.8 && hub.p99 <= p99Bound;
      pass &&= ok;
      console.log(`\n${count} viewer${count > 1 ? 's' : ''}:`);
      console.log(`  bare relay     ${fmt(bare)}`);
      console.log(`  ExecutionHub   ${fmt(hub)}`);
      console.log(
        `  ratio          throughput ${ratio.toFixed(2)}x (target >= 0.8x), p99 ${hub.p99.toFixed(1)} ms vs bound ` +
          `${p99Bound.toFixed(1)} ms (2x relay p99 + ${FLUSH_WINDOW_MS} ms flush window)  ${ok ? 'OK' : 'MISSED'}`,
      );
    }
    console.log(`\n${pass ? 'all targets met' : 'some targets missed'}`);
  } finally {
    producer.stop();
    await relay.stop();
    await cp.dispose();
  }
}

await main();
