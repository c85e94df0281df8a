// /api/v1/schedules: recurring executions (a cron in a timezone): create, list, read, change, delete, run one now,
// and list a schedule's runs. The cron, the timezone and the execution (its template and inputs) are checked here,
// so a bad one is a 400 now rather than a silent failure at 3 am. Used by the dashboard, the CLI and outside clients.
import { Hono } from 'hono';
import { z } from 'zod';
import { createDb, type Db } from '../db/client';
import { toExecution } from '../db/queries/executions';
import {
  deleteSchedule,
  getSchedule,
  getScheduleByName,
  insertSchedule,
  latestRuns,
  listRuns,
  listSchedules,
  toSchedule,
  toScheduleRun,
  updateSchedule,
  type ScheduleRow,
} from '../db/queries/schedules';
import { checkCron, checkTimezone, nextDue } from '../domain/schedules';
import { runNow } from '../durable-objects/scheduler-tick';
import type { AppEnv } from '../env';
import { AppError } from '../errors';
import { newExecutionFields } from '../executions/fields';
import { decodeCursor, decodeNameCursor, encodeCursor, encodeNameCursor } from '../lib/cursor';
import { newScheduleId } from '../lib/ids';
import { schedulerOf } from '../lib/stubs';
import { requireAdmin } from '../middleware/auth';
import { describeIssues, jsonBody, params, query } from '../middleware/validate';
import { doc } from '../openapi/describe';
import {
  CreateExecutionBody,
  CreateScheduleBody,
  ListScheduleRunsQuery,
  ListSchedulesQuery,
  PatchScheduleBody,
  RunScheduleResult,
  Schedule,
  SCHEDULE_TARGET_KEYS,
  SchedulePage,
  ScheduleRunPage,
  targetOf,
} from '../protocol';

/** A schedule is named in the path by its id (sch_…) or its name. */
const IdParams = z.strictObject({ id: z.string().min(1).max(64) });

async function mustGet(db: Db, idOrName: string): Promise<ScheduleRow> {
  const row = (await getSchedule(db, idOrName)) ?? (await getScheduleByName(db, idOrName));
  if (row === undefined) throw new AppError('NOT_FOUND', `schedule ${idOrName} does not exist`);
  return row;
}

const must = <T>(checked: { ok: true; value: T } | { ok: false; message: string }): T => {
  if (!checked.ok) throw new AppError('BAD_REQUEST', checked.message);
  return checked.value;
};

/** The execution the schedule starts, parsed and checked against its template now (a bad agent or input: a 400). */
async function checkedTarget(db: Db, target: Record<string, unknown>): Promise<CreateExecutionBody> {
  const parsed = CreateExecutionBody.safeParse(target);
  if (!parsed.success) throw new AppError('BAD_REQUEST', describeIssues(parsed.error, 'json'));
  await newExecutionFields(db, parsed.data);
  return parsed.data;
}

/** The target with a PATCH's execution fields over it: null clears one; a prompt replaces an agent, and back. */
function mergeTarget(current: Record<string, unknown>, change: Record<string, unknown>): Record<string, unknown> {
  const next: Record<string, unknown> = { ...current };
  if (change.prompt !== undefined && change.prompt !== null) {
    delete next.agent;
    delete next.inputs;
  }
  if (change.agent !== undefined && change.agent !== null) delete next.prompt;
  for (const key of SCHEDULE_TARGET_KEYS) {
    if (!(key in change) || change[key] === undefined) continue;
    if (change[key] === null) delete next[key];
    else next[key] = change[key];
  }
  return next;
}

/** Re-arms the Scheduler's alarm; the row is the commitment, and the cron trigger fires it if the alarm was not set. */
async function rearm(env: Env): Promise<void> {
  try {
    await schedulerOf(env).arm();
  } catch (error) {
    console.error('re-arming the Scheduler failed; the cron trigger fires due schedules meanwhile', error);
  }
}

async function withLastRun(db: Db, row: ScheduleRow) {
  const last = await latestRuns(db, [row.id]);
  return toSchedule(row, last.get(row.id) ?? null);
}

export const schedulesRoutes = new Hono<AppEnv>()
  .post(
    '/',
    doc({
      summary: 'Create a schedule',
      description:
        'A cron (five fields, minute precision) in an IANA timezone and the execution it starts (an `agent` with ' +
        '`inputs`, or a `prompt`, and the other execution fields). The cron, the timezone and the execution are ' +
        'checked now: a 400 names the fault. A 409 when the name is taken.',
      responses: { 201: { description: 'The schedule, with its nextRunAt', schema: Schedule } },
    }),
    requireAdmin,
    jsonBody(CreateScheduleBody),
    async (c) => {
      const body = c.req.valid('json');
      const db = createDb(c.env.DB);
      const cron = must(checkCron(body.cron));
      const timezone = must(checkTimezone(body.timezone));
      const target = await checkedTarget(db, targetOf(body));
      const now = Date.now();
      const row = await insertSchedule(db, {
        id: newScheduleId(now),
        name: body.name,
        cron,
        timezone,
        target,
        overlap: body.overlap,
        quietHours: body.quietHours ?? null,
        maxRunsPerDay: body.maxRunsPerDay ?? null,
        missed: body.missed,
        enabled: body.enabled,
        nextRunAt: body.enabled ? nextDue(cron, timezone, now) : null,
        lastRunAt: null,
        builtin: false,
        createdAt: now,
        updatedAt: now,
      });
      if (row === null) throw new AppError('CONFLICT', `a schedule named ${body.name} already exists`);
      if (row.enabled) await rearm(c.env);
      return c.json(toSchedule(row, null), 201);
    },
  )

  .get(
    '/',
    doc({
      summary: 'List schedules',
      description: 'By name, each with its next run and its latest run (and that execution’s status).',
      responses: { 200: { description: 'A page of schedules', schema: SchedulePage } },
    }),
    requireAdmin,
    query(ListSchedulesQuery),
    async (c) => {
      const { limit, cursor } = c.req.valid('query');
      const db = createDb(c.env.DB);
      const rows = await listSchedules(db, {
        limit,
        after: cursor === undefined ? undefined : decodeNameCursor(cursor),
      });
      const page = rows.slice(0, limit);
      const last = await latestRuns(
        db,
        page.map((r) => r.id),
      );
      const tail = page.at(-1);
      return c.json({
        items: page.map((r) => toSchedule(r, last.get(r.id) ?? null)),
        nextCursor: rows.length > limit && tail ? encodeNameCursor(tail.name) : null,
      } satisfies z.infer<typeof SchedulePage>);
    },
  )

  .get(
    '/:id',
    doc({
      summary: 'Read a schedule',
      description: 'By id (sch_…) or name.',
      responses: { 200: { description: 'The schedule', schema: Schedule } },
    }),
    requireAdmin,
    params(IdParams),
    async (c) => {
      const db = createDb(c.env.DB);
      return c.json(await withLastRun(db, await mustGet(db, c.req.valid('param').id)));
    },
  )

  .patch(
    '/:id',
    doc({
      summary: 'Change a schedule',
      description:
        'Only the fields given change; null clears an optional one. Execution fields merge over the schedule’s ' +
        '(`prompt` replaces an `agent` and its `inputs`). A changed cron or timezone, or enabling, moves nextRunAt ' +
        'to the next due minute from now.',
      responses: { 200: { description: 'The schedule as changed', schema: Schedule } },
    }),
    requireAdmin,
    params(IdParams),
    jsonBody(PatchScheduleBody),
    async (c) => {
      const change = c.req.valid('json');
      const db = createDb(c.env.DB);
      const current = await mustGet(db, c.req.valid('param').id);
      const cron = change.cron === undefined ? current.cron : must(checkCron(change.cron));
      const timezone = change.timezone === undefined ? current.timezone : must(checkTimezone(change.timezone));
      const target = await checkedTarget(db, mergeTarget(current.target, change));
      const enabled = change.enabled ?? current.enabled;
      const now = Date.now();
      const retime = cron !== current.cron || timezone !== current.timezone || (enabled && !current.enabled);
      const nextRunAt = !enabled
        ? null
        : retime || current.nextRunAt === null
          ? nextDue(cron, timezone, now)
          : current.nextRunAt;
      const updated = await updateSchedule(db, {
        ...current,
        name: change.name ?? current.name,
        cron,
        timezone,
        target,
        overlap: change.overlap ?? current.overlap,
        quietHours: change.quietHours === undefined ? current.quietHours : change.quietHours,
        maxRunsPerDay: change.maxRunsPerDay === undefined ? current.maxRunsPerDay : change.maxRunsPerDay,
        missed: change.missed ?? current.missed,
        enabled,
        nextRunAt,
        updatedAt: now,
      });
      if (updated === 'conflict') throw new AppError('CONFLICT', `a schedule named ${change.name} already exists`);
      if (updated === null) throw new AppError('NOT_FOUND', `schedule ${current.id} does not exist`);
      await rearm(c.env);
      return c.json(await withLastRun(db, updated));
    },
  )

  .delete(
    '/:id',
    doc({
      summary: 'Delete a schedule',
      description: 'Its runs go with it; the executions it started stay.',
      responses: { 204: { description: 'Deleted' } },
    }),
    requireAdmin,
    params(IdParams),
    async (c) => {
      const db = createDb(c.env.DB);
      const row = await mustGet(db, c.req.valid('param').id);
      if (!(await deleteSchedule(db, row.id))) throw new AppError('NOT_FOUND', `schedule ${row.id} does not exist`);
      await rearm(c.env);
      return c.body(null, 204);
    },
  )

  .post(
    '/:id/run',
    doc({
      summary: 'Run a schedule now',
      description:
        'Starts its execution now, whether enabled or not (overlap, quiet hours and the daily cap do not apply to a ' +
        'run a person asks for). Recorded among its runs; the execution’s trigger detail says `run now`.',
      responses: { 201: { description: 'The execution started', schema: RunScheduleResult } },
    }),
    requireAdmin,
    params(IdParams),
    async (c) => {
      const db = createDb(c.env.DB);
      const row = await mustGet(db, c.req.valid('param').id);
      return c.json(toExecution(await runNow(c.env, row, Date.now())), 201);
    },
  )

  .get(
    '/:id/runs',
    doc({
      summary: 'A schedule’s runs',
      description: 'Newest first: each due minute (or run-now) and what came of it, with the execution’s status.',
      responses: { 200: { description: 'A page of runs', schema: ScheduleRunPage } },
    }),
    requireAdmin,
    params(IdParams),
    query(ListScheduleRunsQuery),
    async (c) => {
      const { limit, cursor } = c.req.valid('query');
      const db = createDb(c.env.DB);
      const schedule = await mustGet(db, c.req.valid('param').id);
      const rows = await listRuns(db, schedule.id, {
        limit,
        after: cursor === undefined ? undefined : decodeCursor(cursor),
      });
      const page = rows.slice(0, limit);
      const tail = page.at(-1);
      return c.json({
        items: page.map(toScheduleRun),
        nextCursor: rows.length > limit && tail ? encodeCursor({ createdAt: tail.firedAt, id: tail.id }) : null,
      } satisfies z.infer<typeof ScheduleRunPage>);
    },
  );
