// The retention sweep the cron trigger runs (index.ts `scheduled`): deletes audit entries (and webhook deliveries,
// with the same setting), approvals and ended executions older than GET /api/v1/settings/retention says, in bounded batches, so one run stays short whatever
// has piled up; the next minute's run carries on. An execution's hub drops its stored events before its row goes.
import { createDb } from '../db/client';
import {
  deleteExecutions,
  endedExecutionsBefore,
  getRetention,
  pruneApprovals,
  pruneAudit,
  pruneDeliveries,
} from '../db/queries/retention';
import { hubOf } from './stubs';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Rows per audit or approvals delete (its two parameters bound, whatever the count). */
export const RETENTION_ROWS_PER_BATCH = 500;
/** Executions per batch: each id is a bound parameter (D1 allows 100 per statement) and a hub call. */
export const RETENTION_EXECUTIONS_PER_BATCH = 50;
/** Batches per table per run. */
export const RETENTION_BATCHES_PER_RUN = 4;

export type RetentionReport = { audit: number; deliveries: number; approvals: number; executions: number };

const cutoffOf = (days: number | null, now: number): number | null => (days === null ? null : now - days * DAY_MS);

/** One batch's outcome: rows deleted, and whether another batch may find more now. */
type Batch = { deleted: number; more: boolean };

/** Runs batches until one finds nothing more or the run's batches are used up. */
async function inBatches(batch: () => Promise<Batch>): Promise<number> {
  let total = 0;
  for (let i = 0; i < RETENTION_BATCHES_PER_RUN; i++) {
    const { deleted, more } = await batch();
    total += deleted;
    if (!more) break;
  }
  return total;
}

const full = (deleted: number, limit: number): Batch => ({ deleted, more: deleted === limit });

/** One batch of executions: each hub drops its events first, then the rows of those whose hub did go. */
async function pruneExecutions(env: Env, cutoff: number): Promise<Batch> {
  const db = createDb(env.DB);
  const ids = await endedExecutionsBefore(db, cutoff, RETENTION_EXECUTIONS_PER_BATCH);
  const purged = await Promise.allSettled(ids.map((id) => hubOf(env, id).purge(id)));
  const done = ids.filter((_, i) => purged[i]?.status === 'fulfilled');
  await deleteExecutions(db, done);
  if (done.length < ids.length) {
    // The rows stay for the next run; this one does not spin on a hub out of reach.
    console.error(`retention: ${ids.length - done.length} execution hubs could not drop their events; retrying later`);
    return { deleted: done.length, more: false };
  }
  return full(done.length, RETENTION_EXECUTIONS_PER_BATCH);
}

/** Applies the retention setting once; with the default (keep everything) it reads the setting and stops. */
export async function applyRetention(env: Env, now: number): Promise<RetentionReport> {
  const db = createDb(env.DB);
  const setting = await getRetention(db);
  const report: RetentionReport = { audit: 0, deliveries: 0, approvals: 0, executions: 0 };
  const audit = cutoffOf(setting.auditDays, now);
  if (audit !== null) {
    report.audit = await inBatches(async () =>
      full(await pruneAudit(db, audit, RETENTION_ROWS_PER_BATCH), RETENTION_ROWS_PER_BATCH),
    );
    report.deliveries = await inBatches(async () =>
      full(await pruneDeliveries(db, audit, RETENTION_ROWS_PER_BATCH), RETENTION_ROWS_PER_BATCH),
    );
  }
  const asked = cutoffOf(setting.approvalsDays, now);
  if (asked !== null) {
    report.approvals = await inBatches(async () =>
      full(await pruneApprovals(db, asked, RETENTION_ROWS_PER_BATCH), RETENTION_ROWS_PER_BATCH),
    );
  }
  const ended = cutoffOf(setting.executionsDays, now);
  if (ended !== null) {
    report.executions = await inBatches(() => pruneExecutions(env, ended));
  }
  return report;
}
