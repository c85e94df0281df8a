// Firing schedules: `tick(env, now)` fires every enabled schedule whose nextRunAt has come, once per due minute (the
// schedule_runs unique index makes a second firing of a minute, by the cron trigger and the alarm at once, a no-op),
// and `runNow` starts one run a person asked for. Called by the Scheduler Durable Object (its alarm, and the Worker's
// cron trigger through it) and by POST /api/v1/schedules/:id/run. Decisions are domain/schedules.ts's.
import { createDb, type Db } from '../db/client';
import type { ExecutionRow } from '../db/queries/executions';
import {
  advanceSchedule,
  claimRun,
  dueSchedules,
  finishRun,
  liveExecutionsOf,
  recentRunTimes,
  setLastRunAt,
  type ScheduleRow,
} from '../db/queries/schedules';
import { decideFire, dueDetail, LOCAL_DAY_WINDOW_MS, MINUTE_MS, type ScheduleState } from '../domain/schedules';
import { AppError } from '../errors';
import { cancelExecution } from '../executions/cancel';
import { createExecution } from '../executions/create';
import { newScheduleRunId } from '../lib/ids';
import type { CreateExecutionBody, Trigger } from '../protocol';

/** Schedules fired per query of due ones; a tick goes on until none is due. */
const BATCH = 25;
/** A bound on one tick's work, so a flood of schedules cannot hold the Scheduler forever (the next tick goes on). */
const MAX_FIRES_PER_TICK = 2000;

export interface TickResult {
  fired: number;
  skipped: number;
  failed: number;
}

function stateOf(row: ScheduleRow): ScheduleState {
  return {
    cron: row.cron,
    timezone: row.timezone,
    nextRunAt: row.nextRunAt!,
    overlap: row.overlap as ScheduleState['overlap'],
    quietHours: row.quietHours ?? null,
    maxRunsPerDay: row.maxRunsPerDay,
    missed: row.missed as ScheduleState['missed'],
  };
}

/** Creates the schedule's execution for a claimed run and records the outcome; returns the execution or null. */
async function startRun(
  env: Env,
  db: Db,
  schedule: ScheduleRow,
  run: { id: string; trigger: Trigger; reason: string | null },
): Promise<ExecutionRow | null> {
  try {
    const row = await createExecution(env, schedule.target as CreateExecutionBody, { trigger: run.trigger });
    await finishRun(db, run.id, { outcome: 'queued', reason: run.reason, executionId: row.id });
    return row;
  } catch (error) {
    // The template was deleted or changed since (a 400 at creation): record it, and the schedule goes on.
    const reason = error instanceof AppError ? error.message : `creating the execution failed: ${String(error)}`;
    if (!(error instanceof AppError)) console.error(`schedule ${schedule.id}: creating its execution failed`, error);
    await finishRun(db, run.id, { outcome: 'failed', reason, executionId: null });
    return null;
  }
}

async function fireOne(env: Env, db: Db, schedule: ScheduleRow, now: number): Promise<keyof TickResult | null> {
  const decision = decideFire(stateOf(schedule), {
    now,
    recentRunTimes:
      schedule.maxRunsPerDay === null ? [] : await recentRunTimes(db, schedule.id, now - LOCAL_DAY_WINDOW_MS),
    liveExecutionIds: schedule.overlap === 'queue' ? [] : await liveExecutionsOf(db, schedule.id),
  });
  const runId = newScheduleRunId(now);
  const claimed = await claimRun(db, {
    id: runId,
    scheduleId: schedule.id,
    dueAt: decision.dueAt,
    firedAt: now,
    outcome: decision.action === 'skip' ? 'skipped' : 'firing',
    reason: decision.reason,
    executionId: null,
  });
  await advanceSchedule(db, schedule.id, { from: decision.dueAt, to: decision.nextRunAt, now });
  if (!claimed) return null; // another tick fired this minute
  if (decision.action === 'skip') return 'skipped';
  for (const id of decision.cancel) {
    await cancelExecution(env, id, 'superseded').catch((error: unknown) => {
      // It ended meanwhile (a 409), which is what cancelling wanted.
      if (!(error instanceof AppError)) console.error(`schedule ${schedule.id}: cancelling ${id} failed`, error);
    });
  }
  await setLastRunAt(db, schedule.id, now);
  const trigger: Trigger = { kind: 'schedule', id: schedule.id, detail: dueDetail(schedule.name, decision.dueAt) };
  const row = await startRun(env, db, schedule, { id: runId, trigger, reason: decision.reason });
  return row === null ? 'failed' : 'fired';
}

/** Fires every schedule due at `now`. Safe to run twice at once: each due minute gets one run. */
export async function tick(env: Env, now: number): Promise<TickResult> {
  const db = createDb(env.DB);
  const result: TickResult = { fired: 0, skipped: 0, failed: 0 };
  const seen = new Map<string, number>();
  for (let done = 0; done < MAX_FIRES_PER_TICK;) {
    // A schedule this tick could not move on (a concurrent edit) is not fired twice for the same minute.
    const due = (await dueSchedules(db, now, BATCH)).filter((s) => seen.get(s.id) !== s.nextRunAt);
    if (due.length === 0) break;
    const outcomes = await Promise.all(
      due.map(async (schedule) => {
        seen.set(schedule.id, schedule.nextRunAt!);
        try {
          return await fireOne(env, db, schedule, now);
        } catch (error) {
          console.error(`schedule ${schedule.id}: the tick failed; the next one tries again`, error);
          return null;
        }
      }),
    );
    for (const outcome of outcomes) if (outcome !== null) result[outcome]++;
    done += due.length;
  }
  return result;
}

/** One run now, asked for by a person (no overlap, quiet hours or daily cap: they asked). */
export async function runNow(env: Env, schedule: ScheduleRow, now: number): Promise<ExecutionRow> {
  const db = createDb(env.DB);
  let runId = newScheduleRunId(now);
  // dueAt is the time asked, never a whole minute (those are due runs'); two asks in one millisecond get a run each.
  let at = now % MINUTE_MS === 0 ? now + 1 : now;
  while (
    !(await claimRun(db, {
      id: runId,
      scheduleId: schedule.id,
      dueAt: at,
      firedAt: now,
      outcome: 'firing',
      reason: 'run now',
      executionId: null,
    }))
  ) {
    at += at % MINUTE_MS === MINUTE_MS - 1 ? 2 : 1;
    runId = newScheduleRunId(now);
  }
  await setLastRunAt(db, schedule.id, now);
  const trigger: Trigger = { kind: 'schedule', id: schedule.id, detail: `${schedule.name}, run now` };
  try {
    const row = await createExecution(env, schedule.target as CreateExecutionBody, { trigger });
    await finishRun(db, runId, { outcome: 'queued', reason: 'run now', executionId: row.id });
    return row;
  } catch (error) {
    const reason = error instanceof AppError ? error.message : `creating the execution failed: ${String(error)}`;
    await finishRun(db, runId, { outcome: 'failed', reason: `run now: ${reason}`, executionId: null });
    throw error;
  }
}
