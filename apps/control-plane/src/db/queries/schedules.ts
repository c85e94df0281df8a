// Schedules and their runs in D1: create, read, list, change, delete; the due ones and the earliest nextRunAt (the
// Scheduler's alarm); a run claimed once per due minute (the unique index), then finished; the schedule's live
// executions and recent runs (overlap, daily cap). Used by routes/schedules.ts and durable-objects/scheduler-tick.ts.
import { and, asc, desc, eq, gt, gte, inArray, isNotNull, lte, min, notInArray, or, lt } from 'drizzle-orm';
import type { CursorKey } from '../../lib/cursor';
import { toIso, toIsoOrNull } from '../../lib/time';
import {
  TERMINAL_STATUSES,
  type ExecutionStatus,
  type Schedule,
  type ScheduleRun,
  type ScheduleRunOutcome,
  type ScheduleTarget,
} from '../../protocol';
import type { Db } from '../client';
import { executions, scheduleRuns, schedules } from '../schema';

export type ScheduleRow = typeof schedules.$inferSelect;
export type ScheduleRunRow = typeof scheduleRuns.$inferSelect;
type RunWithStatus = ScheduleRunRow & { status: ExecutionStatus | null };

export function toScheduleRun(row: RunWithStatus): ScheduleRun {
  return {
    id: row.id,
    scheduleId: row.scheduleId,
    dueAt: toIso(row.dueAt),
    firedAt: toIso(row.firedAt),
    outcome: row.outcome as ScheduleRunOutcome,
    reason: row.reason,
    executionId: row.executionId,
    status: row.status,
  };
}

export function toSchedule(row: ScheduleRow, lastRun: RunWithStatus | null): Schedule {
  return {
    id: row.id,
    name: row.name,
    ...(row.target as ScheduleTarget),
    cron: row.cron,
    timezone: row.timezone,
    overlap: row.overlap as Schedule['overlap'],
    quietHours: row.quietHours ?? null,
    maxRunsPerDay: row.maxRunsPerDay,
    missed: row.missed as Schedule['missed'],
    enabled: row.enabled,
    nextRunAt: toIsoOrNull(row.nextRunAt),
    lastRunAt: toIsoOrNull(row.lastRunAt),
    lastRun: lastRun === null ? null : toScheduleRun(lastRun),
    builtin: row.builtin,
    createdAt: toIso(row.createdAt),
    updatedAt: toIso(row.updatedAt),
  };
}

export const getSchedule = (db: Db, id: string): Promise<ScheduleRow | undefined> =>
  db.select().from(schedules).where(eq(schedules.id, id)).get();

export const getScheduleByName = (db: Db, name: string): Promise<ScheduleRow | undefined> =>
  db.select().from(schedules).where(eq(schedules.name, name)).get();

/** By name; one row more than `limit` when there is a further page. */
export function listSchedules(db: Db, opts: { limit: number; after?: string | undefined }): Promise<ScheduleRow[]> {
  return db
    .select()
    .from(schedules)
    .where(opts.after === undefined ? undefined : gt(schedules.name, opts.after))
    .orderBy(asc(schedules.name))
    .limit(opts.limit + 1);
}

/** D1's unique-constraint error, as drizzle wraps it (the driver's message is the cause). */
const isUniqueViolation = (error: unknown): boolean =>
  /UNIQUE constraint failed/i.test(String(error)) ||
  (error instanceof Error && error.cause !== undefined && isUniqueViolation(error.cause));

/** Null when the name is taken. */
export async function insertSchedule(db: Db, row: ScheduleRow): Promise<ScheduleRow | null> {
  try {
    await db.insert(schedules).values(row);
  } catch (error) {
    if (isUniqueViolation(error)) return null;
    throw error;
  }
  return row;
}

/** Replaces the row's fields; 'conflict' when the new name is taken, null when there is no such schedule. */
export async function updateSchedule(db: Db, row: ScheduleRow): Promise<ScheduleRow | null | 'conflict'> {
  const { id, ...set } = row;
  try {
    const updated = await db.update(schedules).set(set).where(eq(schedules.id, id)).returning();
    return updated[0] ?? null;
  } catch (error) {
    if (isUniqueViolation(error)) return 'conflict';
    throw error;
  }
}

/** Deletes the schedule and its runs (its executions stay); false when there was none. */
export async function deleteSchedule(db: Db, id: string): Promise<boolean> {
  const [runs, gone] = await db.batch([
    db.delete(scheduleRuns).where(eq(scheduleRuns.scheduleId, id)),
    db.delete(schedules).where(eq(schedules.id, id)).returning({ id: schedules.id }),
  ]);
  void runs;
  return gone.length === 1;
}

/** Enabled schedules whose nextRunAt has come, earliest first. */
export function dueSchedules(db: Db, now: number, limit: number): Promise<ScheduleRow[]> {
  return db
    .select()
    .from(schedules)
    .where(and(eq(schedules.enabled, true), isNotNull(schedules.nextRunAt), lte(schedules.nextRunAt, now)))
    .orderBy(asc(schedules.nextRunAt))
    .limit(limit);
}

/** The earliest nextRunAt of an enabled schedule; null when none is due ever. */
export async function earliestNextRun(db: Db): Promise<number | null> {
  const row = await db
    .select({ at: min(schedules.nextRunAt) })
    .from(schedules)
    .where(eq(schedules.enabled, true))
    .get();
  return row?.at ?? null;
}

/** Moves nextRunAt on, only from the value this tick read (a concurrent tick that moved it first wins). */
export async function advanceSchedule(
  db: Db,
  id: string,
  move: { from: number; to: number | null; lastRunAt?: number; now: number },
): Promise<void> {
  await db
    .update(schedules)
    .set({ nextRunAt: move.to, ...(move.lastRunAt === undefined ? {} : { lastRunAt: move.lastRunAt }) })
    .where(and(eq(schedules.id, id), eq(schedules.nextRunAt, move.from)));
}

export const setLastRunAt = (db: Db, id: string, at: number) =>
  db.update(schedules).set({ lastRunAt: at }).where(eq(schedules.id, id));

/** Records the run of one due minute; false when that minute has a run already (another tick fired it). */
export async function claimRun(db: Db, run: ScheduleRunRow): Promise<boolean> {
  const inserted = await db
    .insert(scheduleRuns)
    .values(run)
    .onConflictDoNothing({ target: [scheduleRuns.scheduleId, scheduleRuns.dueAt] })
    .returning({ id: scheduleRuns.id });
  return inserted.length === 1;
}

export async function finishRun(
  db: Db,
  id: string,
  end: { outcome: ScheduleRunOutcome; reason: string | null; executionId: string | null },
): Promise<void> {
  await db.update(scheduleRuns).set(end).where(eq(scheduleRuns.id, id));
}

/** The schedule's executions that have not ended, newest first. */
export async function liveExecutionsOf(db: Db, scheduleId: string): Promise<string[]> {
  const rows = await db
    .select({ id: executions.id })
    .from(executions)
    .where(
      and(
        eq(executions.triggerKind, 'schedule'),
        eq(executions.triggerId, scheduleId),
        notInArray(executions.status, [...TERMINAL_STATUSES]),
      ),
    )
    .orderBy(desc(executions.createdAt))
    .limit(20);
  return rows.map((r) => r.id);
}

/** When the schedule's runs since `since` started (or are starting) an execution. */
export async function recentRunTimes(db: Db, scheduleId: string, since: number): Promise<number[]> {
  const rows = await db
    .select({ dueAt: scheduleRuns.dueAt })
    .from(scheduleRuns)
    .where(
      and(
        eq(scheduleRuns.scheduleId, scheduleId),
        gte(scheduleRuns.dueAt, since),
        inArray(scheduleRuns.outcome, ['queued', 'firing']),
      ),
    );
  return rows.map((r) => r.dueAt);
}

const runColumns = {
  id: scheduleRuns.id,
  scheduleId: scheduleRuns.scheduleId,
  dueAt: scheduleRuns.dueAt,
  firedAt: scheduleRuns.firedAt,
  outcome: scheduleRuns.outcome,
  reason: scheduleRuns.reason,
  executionId: scheduleRuns.executionId,
  status: executions.status,
};

/** A schedule's runs, newest first (by firedAt, then id); one more than `limit` when there is a further page. */
export async function listRuns(
  db: Db,
  scheduleId: string,
  opts: { limit: number; after?: CursorKey | undefined },
): Promise<RunWithStatus[]> {
  const after = opts.after;
  const rows = await db
    .select(runColumns)
    .from(scheduleRuns)
    .leftJoin(executions, eq(executions.id, scheduleRuns.executionId))
    .where(
      and(
        eq(scheduleRuns.scheduleId, scheduleId),
        after === undefined
          ? undefined
          : or(
              lt(scheduleRuns.firedAt, after.createdAt),
              and(eq(scheduleRuns.firedAt, after.createdAt), lt(scheduleRuns.id, after.id)),
            ),
      ),
    )
    .orderBy(desc(scheduleRuns.firedAt), desc(scheduleRuns.id))
    .limit(opts.limit + 1);
  return rows as RunWithStatus[];
}

/** The latest run of each schedule given (by firedAt), with its execution's status. */
export async function latestRuns(db: Db, scheduleIds: readonly string[]): Promise<Map<string, RunWithStatus>> {
  const latest = new Map<string, RunWithStatus>();
  // One query per schedule keeps each small and indexed (schedule_runs_fired_idx); a page is at most 200.
  const rows = await Promise.all(scheduleIds.map((id) => listRuns(db, id, { limit: 1 })));
  rows.forEach((page, i) => {
    const run = page[0];
    if (run !== undefined) latest.set(scheduleIds[i]!, run);
  });
  return latest;
}
