// A runner's detail and metrics history: heartbeats keep the latest sample on the runner and a history row at most
// every ~10 s; GET /api/v1/runners/:id shows the latest, /metrics a time range oldest first; the history is pruned
// to a day and 10,000 rows per runner; metrics that do not fit the protocol are refused.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { METRICS_RETENTION, recordHeartbeat } from '../src/db/queries/runner-metrics';
import { RunnerDetail, RunnerMetricsPage, type RunnerMetrics } from '../src/protocol';
import { api, expectError, registerRunner } from './api-support';
import { db, eventually } from './do-support';
import { helloRunner, newFleet } from './fleet-support';

const sample = (cpuLoadPercent: number): RunnerMetrics => ({
  cpuLoadPercent,
  memUsedBytes: 2 * 1024 ** 3,
  memTotalBytes: 16 * 1024 ** 3,
  diskUsedBytes: 100 * 1024 ** 3,
  diskTotalBytes: 500 * 1024 ** 3,
  netRxBytesPerSec: 12_000,
  netTxBytesPerSec: 3_000,
  loadAverage1m: 0.7,
  gpus: [
    {
      vendor: 'NVIDIA',
      model: 'RTX 4090',
      utilizationPercent: 35,
      memUsedBytes: 4 * 1024 ** 3,
      memTotalBytes: 24 * 1024 ** 3,
      temperatureC: 61,
    },
  ],
});

const rowsOf = async (runnerId: string) =>
  (
    await env.DB.prepare('SELECT ts FROM runner_metrics WHERE runner_id = ? ORDER BY ts').bind(runnerId).all<{
      ts: number;
    }>()
  ).results.map((row) => row.ts);

async function history(runnerId: string, query = ''): Promise<z.infer<typeof RunnerMetricsPage>> {
  const response = await api(`/api/v1/runners/${runnerId}/metrics${query}`);
  expect(response.status).toBe(200);
  return RunnerMetricsPage.parse(await response.json());
}

async function runnerDetail(runnerId: string): Promise<RunnerDetail> {
  const response = await api(`/api/v1/runners/${runnerId}`);
  expect(response.status).toBe(200);
  return RunnerDetail.parse(await response.json());
}

describe('runner detail', () => {
  it('shows the runner with no metrics before its first heartbeat, then the latest sample', async () => {
    const { runnerId } = await registerRunner({ name: 'gpu-box', labels: ['gpu'], maxConcurrent: 2 });
    expect(await runnerDetail(runnerId)).toMatchObject({
      id: runnerId,
      name: 'gpu-box',
      labels: ['gpu'],
      maxConcurrent: 2,
      status: 'offline',
      metrics: null,
    });

    const fleet = newFleet();
    const runner = await helloRunner(fleet, { labels: ['gpu'], maxConcurrent: 2 }, runnerId);
    runner.socket.send({ type: 'runner.heartbeat', running: [], metrics: sample(42) });
    // Read from D1 (the production Fleet does not know this test's runner): the latest sample and last heartbeat.
    const seen = await eventually(async () => {
      const view = await runnerDetail(runnerId);
      expect(view.metrics).toEqual(sample(42));
      return view;
    });
    expect(seen.lastHeartbeatAt).not.toBeNull();
    expect(await rowsOf(runnerId)).toHaveLength(1);
  });

  it('keeps one history row per ~10 s however often heartbeats come', async () => {
    const { runnerId } = await registerRunner();
    const fleet = newFleet();
    const runner = await helloRunner(fleet, { labels: [] }, runnerId);
    runner.socket.send({ type: 'runner.heartbeat', running: [], metrics: sample(10) });
    await eventually(async () => expect(await rowsOf(runnerId)).toHaveLength(1));
    runner.socket.send({ type: 'runner.heartbeat', running: [], metrics: sample(20) });
    await eventually(async () => expect((await runnerDetail(runnerId)).metrics?.cpuLoadPercent).toBe(20));
    expect(await rowsOf(runnerId)).toHaveLength(1);

    const [first] = await rowsOf(runnerId);
    await recordHeartbeat(db(), runnerId, first! + METRICS_RETENTION.minGapMs + 1, sample(30));
    expect(await rowsOf(runnerId)).toHaveLength(2);
  });

  it('refuses a heartbeat whose metrics do not fit the protocol, and records nothing from it', async () => {
    const { runnerId } = await registerRunner();
    const fleet = newFleet();
    const runner = await helloRunner(fleet, { labels: [] }, runnerId);
    runner.socket.send({ type: 'runner.heartbeat', running: [], metrics: { ...sample(1), cpuLoadPercent: 'high' } });
    expect((await runner.socket.next('error')).error).toMatchObject({ code: 'BAD_REQUEST' });
    runner.socket.send({ type: 'runner.heartbeat', running: [], metrics: { ...sample(1), gpus: 'none' } });
    expect((await runner.socket.next('error')).error.message).toMatch(/gpus/);
    expect(await rowsOf(runnerId)).toEqual([]);
    expect((await runnerDetail(runnerId)).metrics).toBeNull();
  });

  it('answers 404 for a runner that does not exist', async () => {
    const missing = `rn_${'7'.repeat(26)}`;
    await expectError(await api(`/api/v1/runners/${missing}`), 404, 'NOT_FOUND', 'does not exist');
    await expectError(await api(`/api/v1/runners/${missing}/metrics`), 404, 'NOT_FOUND', 'does not exist');
  });
});

describe('metrics history', () => {
  /** One sample every 10 s, ending `newestAgoMs` before now. */
  async function seedHistory(runnerId: string, count: number, newestAgoMs = 0): Promise<number[]> {
    const newest = Date.now() - newestAgoMs;
    const times = Array.from({ length: count }, (_, i) => newest - (count - 1 - i) * 10_000);
    for (const [i, ts] of times.entries()) await recordHeartbeat(db(), runnerId, ts, sample(i));
    return times;
  }

  it('answers a time range oldest first, and the newest `limit` samples of it', async () => {
    const { runnerId } = await registerRunner();
    const times = await seedHistory(runnerId, 6);
    const iso = (ts: number) => new Date(ts).toISOString();

    const all = await history(runnerId);
    expect(all.items.map((item) => item.ts)).toEqual(times.map(iso));
    expect(all.items[2]?.metrics).toEqual(sample(2));
    expect(all.nextCursor).toBeNull();

    const range = await history(runnerId, `?from=${iso(times[1]!)}&to=${iso(times[4]!)}`);
    expect(range.items.map((item) => item.ts)).toEqual(times.slice(1, 4).map(iso));
    const latest = await history(runnerId, '?limit=2');
    expect(latest.items.map((item) => item.ts)).toEqual(times.slice(4).map(iso));
    expect((await history(runnerId, `?from=${iso(times[5]! + 1)}`)).items).toEqual([]);
  });

  it('drops samples older than a day as new ones arrive', async () => {
    const { runnerId } = await registerRunner();
    const old = await seedHistory(runnerId, 3, METRICS_RETENTION.maxAgeMs + 60_000);
    expect(await rowsOf(runnerId)).toEqual(old);
    const now = Date.now();
    await recordHeartbeat(db(), runnerId, now, sample(99));
    expect(await rowsOf(runnerId)).toEqual([now]);
  });

  it('keeps at most 10,000 samples per runner, the newest', async () => {
    const { runnerId } = await registerRunner();
    const { runnerId: neighbour } = await registerRunner();
    const now = Date.now();
    const max = METRICS_RETENTION.maxRows;
    expect(max).toBe(10_000);
    // 10,000 rows one second apart (inside the day), written at once rather than through 10,000 heartbeats.
    for (const id of [runnerId, neighbour]) {
      await env.DB.prepare(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
         INSERT INTO runner_metrics (runner_id, ts, metrics) SELECT ?, ? - i * 1000, ? FROM n`,
      )
        .bind(max, id, now - 60_000, JSON.stringify(sample(1)))
        .run();
    }
    await recordHeartbeat(db(), runnerId, now, sample(2));
    const rows = await rowsOf(runnerId);
    expect(rows).toHaveLength(max);
    expect(rows.at(-1)).toBe(now);
    expect(rows[0]).toBe(now - 60_000 - (max - 1) * 1000);
    // Another runner's history is its own.
    expect(await rowsOf(neighbour)).toHaveLength(max);
  });
});
