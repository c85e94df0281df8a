// Runner metrics in D1: the latest heartbeat sample on the runner's row, and a bounded history in runner_metrics
// (one row every few seconds at most, pruned to a day and a row cap as rows are added). Written from the Fleet's
// heartbeats, read by GET /api/v1/runners/:id and /api/v1/runners/:id/metrics.
import { and, desc, eq, gt, gte, lt, notExists, sql, type SQL } from 'drizzle-orm';
import { RunnerMetrics } from '../../protocol';
import type { Db } from '../client';
import { runnerMetrics, runners } from '../schema';

export interface MetricsRetention {
  /** A sample is kept only if the runner's previous kept one is at least this old. Under the 10 s heartbeat, so a
   * heartbeat that arrives a little early still gets its row. */
  readonly minGapMs: number;
  readonly maxAgeMs: number;
  /** Rows kept per runner. */
  readonly maxRows: number;
}

export const METRICS_RETENTION: MetricsRetention = { minGapMs: 9_000, maxAgeMs: 24 * 3600_000, maxRows: 10_000 };

/** A heartbeat: online and last seen now; with metrics, the latest sample, a history row when one is due, and the
 * pruning that row calls for. */
export async function recordHeartbeat(
  db: Db,
  runnerId: string,
  now: number,
  metrics: RunnerMetrics | undefined,
  keep: MetricsRetention = METRICS_RETENTION,
): Promise<void> {
  const seen = db
    .update(runners)
    .set({ status: 'online', lastHeartbeatAt: now, ...(metrics === undefined ? {} : { metrics }) })
    .where(eq(runners.id, runnerId));
  if (metrics === undefined) {
    await seen;
    return;
  }
  const recent = db
    .select({ ts: runnerMetrics.ts })
    .from(runnerMetrics)
    .where(and(eq(runnerMetrics.runnerId, runnerId), gt(runnerMetrics.ts, now - keep.minGapMs)));
  const sample = db
    .select({
      runnerId: runners.id,
      ts: sql`${now}`.as('ts'),
      metrics: sql`${JSON.stringify(metrics)}`.as('metrics'),
    })
    .from(runners)
    .where(and(eq(runners.id, runnerId), notExists(recent)));
  const [, added] = await db.batch([seen, db.insert(runnerMetrics).select(sample).onConflictDoNothing()]);
  if (added.meta.changes > 0) await pruneMetrics(db, runnerId, now, keep);
}

/** Drops a runner's rows older than maxAgeMs, and all but its newest maxRows. */
export async function pruneMetrics(
  db: Db,
  runnerId: string,
  now: number,
  keep: MetricsRetention = METRICS_RETENTION,
): Promise<void> {
  await db.run(sql`DELETE FROM runner_metrics WHERE runner_id = ${runnerId} AND (ts < ${now - keep.maxAgeMs}
    OR ts <= (SELECT ts FROM runner_metrics WHERE runner_id = ${runnerId} ORDER BY ts DESC LIMIT 1 OFFSET ${keep.maxRows}))`);
}

export type MetricsSampleRow = { ts: number; metrics: RunnerMetrics };

/** The newest `limit` samples with from <= ts < to, returned oldest first. Samples that no longer parse (written by
 * another version) are left out. */
export async function listMetrics(
  db: Db,
  runnerId: string,
  range: { from?: number | undefined; to?: number | undefined; limit: number },
): Promise<MetricsSampleRow[]> {
  const conditions: SQL[] = [eq(runnerMetrics.runnerId, runnerId)];
  if (range.from !== undefined) conditions.push(gte(runnerMetrics.ts, range.from));
  if (range.to !== undefined) conditions.push(lt(runnerMetrics.ts, range.to));
  const rows = await db
    .select({ ts: runnerMetrics.ts, metrics: runnerMetrics.metrics })
    .from(runnerMetrics)
    .where(and(...conditions))
    .orderBy(desc(runnerMetrics.ts))
    .limit(range.limit);
  const samples: MetricsSampleRow[] = [];
  for (const row of rows.reverse()) {
    const parsed = RunnerMetrics.safeParse(row.metrics);
    if (parsed.success) samples.push({ ts: row.ts, metrics: parsed.data });
  }
  return samples;
}

/** A runner's latest sample, parsed, or null. */
export const latestMetrics = (stored: unknown): RunnerMetrics | null => {
  const parsed = RunnerMetrics.safeParse(stored);
  return parsed.success ? parsed.data : null;
};
