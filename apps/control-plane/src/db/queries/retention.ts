// Retention in D1: the setting (key `retention` of `settings`) and the bounded deletes the cron trigger makes with
// it. Each delete takes the oldest rows first, at most `limit` of them, through the table's time index.
import { and, asc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { approvals, auditLog, executions, settings, webhookDeliveries } from '../schema';
import { newAuditId } from '../../lib/ids';
import {
  DEFAULT_RETENTION,
  RetentionSettings,
  TERMINAL_STATUSES,
  type ApprovalStatus,
  type ExecutionStatus,
} from '../../protocol';

const RETENTION_KEY = 'retention';
const DECIDED: ApprovalStatus[] = ['allowed', 'denied', 'expired', 'cancelled'];
const ENDED = [...TERMINAL_STATUSES] as ExecutionStatus[];

/** The stored setting; the default (keep everything) when none is stored or what is stored no longer parses. */
export async function getRetention(db: Db): Promise<RetentionSettings> {
  const row = await db.select({ value: settings.value }).from(settings).where(eq(settings.key, RETENTION_KEY)).get();
  const parsed = RetentionSettings.safeParse(row?.value);
  return parsed.success ? parsed.data : DEFAULT_RETENTION;
}

/** Stores the setting with its audit row, in one batch. */
export async function putRetention(db: Db, value: RetentionSettings, actor: string, now: number): Promise<void> {
  await db.batch([
    db
      .insert(settings)
      .values({ key: RETENTION_KEY, value, createdAt: now })
      .onConflictDoUpdate({ target: settings.key, set: { value } }),
    db.insert(auditLog).values({
      id: newAuditId(now),
      at: now,
      actor,
      action: 'retention.updated',
      subject: 'retention',
      executionId: null,
      details: { retention: value },
    }),
  ]);
}

/** Deletes up to `limit` audit entries written before `cutoff`; returns how many. */
export async function pruneAudit(db: Db, cutoff: number, limit: number): Promise<number> {
  const oldest = db
    .select({ id: auditLog.id })
    .from(auditLog)
    .where(lt(auditLog.at, cutoff))
    .orderBy(asc(auditLog.at))
    .limit(limit);
  const result = await db.delete(auditLog).where(inArray(auditLog.id, oldest));
  return result.meta.changes;
}

/** Deletes up to `limit` webhook deliveries received before `cutoff` (the audit setting covers them: they are the
 * record of what came in); returns how many. */
export async function pruneDeliveries(db: Db, cutoff: number, limit: number): Promise<number> {
  const oldest = db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .where(lt(webhookDeliveries.receivedAt, cutoff))
    .orderBy(asc(webhookDeliveries.receivedAt))
    .limit(limit);
  const result = await db.delete(webhookDeliveries).where(inArray(webhookDeliveries.id, oldest));
  return result.meta.changes;
}

/** Deletes up to `limit` decided approvals asked before `cutoff` (a pending one waits for a person: never). */
export async function pruneApprovals(db: Db, cutoff: number, limit: number): Promise<number> {
  const oldest = db
    .select({ id: approvals.id })
    .from(approvals)
    .where(and(inArray(approvals.status, DECIDED), lt(approvals.createdAt, cutoff)))
    .orderBy(asc(approvals.createdAt))
    .limit(limit);
  const result = await db.delete(approvals).where(inArray(approvals.id, oldest));
  return result.meta.changes;
}

/** Up to `limit` ended executions that ended before `cutoff`, oldest first. `created_at < cutoff` lets the status
 * index do the work: an execution that ended before the cutoff was created before it. */
export async function endedExecutionsBefore(db: Db, cutoff: number, limit: number): Promise<string[]> {
  const rows = await db
    .select({ id: executions.id })
    .from(executions)
    .where(
      and(
        inArray(executions.status, ENDED),
        lt(executions.createdAt, cutoff),
        lt(sql`coalesce(${executions.finishedAt}, ${executions.updatedAt})`, cutoff),
      ),
    )
    .orderBy(asc(executions.createdAt))
    .limit(limit);
  return rows.map((row) => row.id);
}

/** Deletes executions and their approvals (their cost rows stay: budgets and cost summaries read them). */
export async function deleteExecutions(db: Db, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.batch([
    db.delete(approvals).where(inArray(approvals.executionId, [...ids])),
    db.delete(executions).where(inArray(executions.id, [...ids])),
  ]);
}
