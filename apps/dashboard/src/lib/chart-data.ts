// Shapes API answers into chart and table data: daily spend with empty days filled, spend shares per group, and
// runner metric series with breaks where heartbeats were missing. Used by the costs and runner pages.
import type { RunnerMetrics } from '@claudeops/control-plane/protocol';
import type { ApiClient } from './api-client';

export type CostSummary = Awaited<ReturnType<ApiClient['costSummary']>>;
type CostRow = CostSummary['items'][number];
export interface MetricsSample {
  ts: string;
  metrics: RunnerMetrics;
}

const DAY_MS = 86_400_000;

/** The last `count` UTC days ending with `now`'s, oldest first, as YYYY-MM-DD. */
export function utcDays(now: Date, count: number): string[] {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Array.from({ length: count }, (_, i) => new Date(today - (count - 1 - i) * DAY_MS).toISOString().slice(0, 10));
}

/** One point per day (unix seconds at UTC midnight); days without spend are 0, not missing. */
export function dailySpend(summary: Pick<CostSummary, 'items'>, days: readonly string[]) {
  const byDay = new Map(summary.items.map((row) => [row.key, row]));
  const x = days.map((day) => Date.parse(`${day}T00:00:00Z`) / 1000);
  const usd = days.map((day) => byDay.get(day)?.costUsd ?? 0);
  const executions = days.map((day) => byDay.get(day)?.executions ?? 0);
  return { x, usd, executions };
}

export interface ShareRow {
  key: string;
  executions: number;
  inputTokens: number;
  outputTokens: number;
  /** Cache reads and both kinds of cache writes. */
  cacheTokens: number;
  costUsd: number;
  estimatedCostUsd: number;
  /** This row's part of the total cost, 0–1. */
  share: number;
}

/** Rows for a "spend by …" table, most expensive first; shares of the summed cost (0 when nothing was spent). */
export function shareRows(items: readonly CostRow[]): ShareRow[] {
  const total = items.reduce((sum, row) => sum + row.costUsd, 0);
  return items
    .map((row) => ({
      key: row.key,
      executions: row.executions,
      inputTokens: row.inputTokens,
      outputTokens: row.outputTokens,
      cacheTokens: row.cacheReadInputTokens + row.cacheCreation5mInputTokens + row.cacheCreation1hInputTokens,
      costUsd: row.costUsd,
      estimatedCostUsd: row.estimatedCostUsd,
      share: total > 0 ? row.costUsd / total : 0,
    }))
    .sort((a, b) => b.costUsd - a.costUsd || a.key.localeCompare(b.key));
}

export type MetricPick = (metrics: RunnerMetrics) => number | null | undefined;

/**
 * uPlot's aligned data: x in unix seconds, then one array per picker. Where two samples are further apart than
 * `gapMs` (missed heartbeats, a restart) a null point goes between them so the line breaks instead of bridging.
 */
export function metricSeries(samples: readonly MetricsSample[], picks: readonly MetricPick[], gapMs: number) {
  const x: number[] = [];
  const ys: (number | null)[][] = picks.map(() => []);
  let previous: number | null = null;
  for (const sample of samples) {
    const at = Date.parse(sample.ts);
    if (previous !== null && at - previous > gapMs) {
      x.push((previous + at) / 2000);
      for (const y of ys) y.push(null);
    }
    x.push(at / 1000);
    picks.forEach((pick, i) => {
      const value = pick(sample.metrics);
      ys[i]!.push(value === undefined || value === null || !Number.isFinite(value) ? null : value);
    });
    previous = at;
  }
  return { x, ys };
}

/** Percent of a total, or null when either is unknown or the total is 0. */
export function percentOf(used: number | null | undefined, total: number | null | undefined): number | null {
  if (used === null || used === undefined || !total) return null;
  return (used / total) * 100;
}

/** Adds freshly polled samples to the ones shown, without duplicates, oldest first, dropping those before `sinceMs`. */
export function mergeSamples<T extends MetricsSample>(shown: readonly T[], fresh: readonly T[], sinceMs: number): T[] {
  const byTs = new Map<string, T>();
  for (const sample of [...shown, ...fresh]) byTs.set(sample.ts, sample);
  return [...byTs.values()]
    .filter((sample) => Date.parse(sample.ts) >= sinceMs)
    .sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts));
}

export interface SeriesStats {
  latest: number | null;
  min: number | null;
  max: number | null;
  avg: number | null;
}

/** Latest, lowest, highest and mean of a series, ignoring gaps: the text alternative of a chart. */
export function seriesStats(values: readonly (number | null)[]): SeriesStats {
  const known = values.filter((v): v is number => v !== null);
  if (known.length === 0) return { latest: null, min: null, max: null, avg: null };
  return {
    latest: known[known.length - 1]!,
    min: Math.min(...known),
    max: Math.max(...known),
    avg: known.reduce((a, b) => a + b, 0) / known.length,
  };
}

/** How many GPUs the samples report (the most any sample lists). */
export function gpuCount(samples: readonly MetricsSample[]): number {
  return samples.reduce((n, sample) => Math.max(n, sample.metrics.gpus?.length ?? 0), 0);
}

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 || value >= 100 ? 0 : 1)} ${units[unit]}`;
}

export function formatPercent(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `${Math.round(value)}%`;
}

/** The runner page's metrics window, and the gap after which its lines break (three missed 10 s heartbeats). */
export const METRICS_WINDOW_MS = 3_600_000;
export const HEARTBEAT_GAP_MS = 35_000;
