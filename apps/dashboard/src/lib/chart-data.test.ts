import { describe, expect, it } from 'vitest';
import type { RunnerMetrics } from '@claudeops/control-plane/protocol';
import {
  dailySpend,
  formatBytes,
  gpuCount,
  mergeSamples,
  metricSeries,
  percentOf,
  seriesStats,
  shareRows,
  utcDays,
} from './chart-data';

function row(key: string, costUsd: number, extra: Partial<Record<string, number>> = {}) {
  return {
    key,
    executions: 1,
    inputTokens: 100,
    outputTokens: 50,
    cacheReadInputTokens: 10,
    cacheCreation5mInputTokens: 5,
    cacheCreation1hInputTokens: 1,
    costUsd,
    estimatedCostUsd: 0,
    ...extra,
  };
}

const metrics = (cpu: number, extra: Partial<RunnerMetrics> = {}): RunnerMetrics => ({
  cpuLoadPercent: cpu,
  memUsedBytes: 2,
  memTotalBytes: 8,
  ...extra,
});

describe('daily spend', () => {
  it('lists the last days in UTC, oldest first, across a month boundary', () => {
    expect(utcDays(new Date('2025-03-02T23:30:00-05:00'), 4)).toEqual([
      '2025-02-28',
      '2025-03-01',
      '2025-03-02',
      '2025-03-03',
    ]);
  });

  it('fills days without spend with 0 and ignores rows outside the range', () => {
    const days = ['2025-03-01', '2025-03-02', '2025-03-03'];
    const series = dailySpend({ items: [row('2025-03-03', 2), row('2025-03-01', 1.5), row('2025-02-01', 9)] }, days);
    expect(series.usd).toEqual([1.5, 0, 2]);
    expect(series.executions).toEqual([1, 0, 1]);
    expect(series.x).toEqual([Date.UTC(2025, 2, 1) / 1000, Date.UTC(2025, 2, 2) / 1000, Date.UTC(2025, 2, 3) / 1000]);
  });
});

describe('shareRows', () => {
  it('sorts by cost, sums cache tokens and computes shares', () => {
    const rows = shareRows([row('haiku', 1), row('opus', 3)]);
    expect(rows.map((r) => [r.key, r.share, r.cacheTokens])).toEqual([
      ['opus', 0.75, 16],
      ['haiku', 0.25, 16],
    ]);
  });

  it('gives zero shares when nothing was spent', () => {
    expect(shareRows([row('a', 0)])[0]!.share).toBe(0);
    expect(shareRows([])).toEqual([]);
  });
});

describe('metricSeries', () => {
  it('aligns one array per picker and breaks the line at missed heartbeats', () => {
    const samples = [
      { ts: '2025-01-01T00:00:00.000Z', metrics: metrics(10) },
      { ts: '2025-01-01T00:00:10.000Z', metrics: metrics(20) },
      { ts: '2025-01-01T00:02:10.000Z', metrics: metrics(30, { gpus: [] }) },
    ];
    const { x, ys } = metricSeries(samples, [(m) => m.cpuLoadPercent, (m) => m.gpus?.[0]?.utilizationPercent], 35_000);
    const t0 = Date.parse(samples[0]!.ts) / 1000;
    expect(x).toEqual([t0, t0 + 10, t0 + 70, t0 + 130]);
    expect(ys[0]).toEqual([10, 20, null, 30]);
    expect(ys[1]).toEqual([null, null, null, null]);
  });

  it('is empty without samples', () => {
    expect(metricSeries([], [(m) => m.cpuLoadPercent], 1000)).toEqual({ x: [], ys: [[]] });
  });
});

describe('samples and stats', () => {
  it('merges polled samples without duplicates and drops the ones out of the window', () => {
    const a = { ts: '2025-01-01T00:00:00.000Z', metrics: metrics(1) };
    const b = { ts: '2025-01-01T00:00:10.000Z', metrics: metrics(2) };
    const c = { ts: '2025-01-01T00:00:20.000Z', metrics: metrics(3) };
    expect(mergeSamples([a, b], [b, c], Date.parse(b.ts)).map((s) => s.metrics.cpuLoadPercent)).toEqual([2, 3]);
  });

  it('summarises a series ignoring gaps', () => {
    expect(seriesStats([null, 10, null, 30, 20])).toEqual({ latest: 20, min: 10, max: 30, avg: 20 });
    expect(seriesStats([null])).toEqual({ latest: null, min: null, max: null, avg: null });
  });

  it('counts GPUs and computes percentages and sizes', () => {
    const gpu = {
      vendor: 'NVIDIA',
      model: 'H100',
      utilizationPercent: 5,
      memUsedBytes: 1,
      memTotalBytes: 4,
      temperatureC: 40,
    };
    expect(
      gpuCount([
        { ts: 'x', metrics: metrics(1) },
        { ts: 'y', metrics: metrics(1, { gpus: [gpu, gpu] }) },
      ]),
    ).toBe(2);
    expect(percentOf(1, 4)).toBe(25);
    expect(percentOf(1, 0)).toBeNull();
    expect(percentOf(null, 4)).toBeNull();
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(16 * 1024 ** 3)).toBe('16.0 GiB');
  });
});
