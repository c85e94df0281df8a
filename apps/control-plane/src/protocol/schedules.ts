// Schedules: recurring executions, a cron (minute precision) in an IANA timezone, with overlap, quiet hours, a daily
// cap and a missed-run policy; and the runs each one recorded. Bodies and responses of /api/v1/schedules, read by the
// control plane's routes, the dashboard's /schedules page and `claudeops schedules`.
import { z } from 'zod';
import { CreateExecutionBody, Execution, page } from './api';
import { ExecutionStatus } from './common';

export const OVERLAP_POLICIES = ['skip', 'queue', 'cancel-previous'] as const;
/** While the schedule's previous run is still live: skip this one, queue it anyway, or cancel the previous one. */
export const OverlapPolicy = z.enum(OVERLAP_POLICIES);
export type OverlapPolicy = z.infer<typeof OverlapPolicy>;

export const MISSED_POLICIES = ['run-once', 'skip'] as const;
/** Runs missed while the control plane was down: one run now (`run-once`), or a skipped run recorded (`skip`). */
export const MissedPolicy = z.enum(MISSED_POLICIES);
export type MissedPolicy = z.infer<typeof MissedPolicy>;

export const ScheduleId = z
  .string()
  .regex(/^sch_[0-9a-z]{26}$/, 'must be a schedule id (sch_ followed by 26 characters)');

export const ScheduleName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
    'a schedule name is 1-64 letters, digits and _ . - (first a letter or digit)',
  );

/** A cron expression of five fields (minute hour day-of-month month day-of-week) or a nickname such as @daily;
 * checked with croner by the control plane (a seconds field is refused: schedules have minute precision). */
export const CronExpression = z.string().trim().min(1, 'cron must not be empty').max(200);

/** An IANA timezone name (Europe/Berlin, UTC); the control plane refuses one its runtime does not know. */
export const TimeZoneName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_+\-/]+$/, 'must be an IANA timezone such as UTC or Europe/Berlin');

/** A local clock time, 24-hour `HH:MM`. */
export const ClockTime = z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, 'must be a time as HH:MM (00:00-23:59)');

/** Runs due from `start` up to (not including) `end`, in the schedule's timezone, are skipped; may span midnight. */
export const QuietHours = z
  .strictObject({ start: ClockTime, end: ClockTime })
  .refine((q) => q.start !== q.end, { message: 'quiet hours need an end different from their start', path: ['end'] });
export type QuietHours = z.infer<typeof QuietHours>;

/** The fields of an execution a schedule starts: CreateExecutionBody's (agent + inputs, or prompt, and the rest). */
export const SCHEDULE_TARGET_KEYS = Object.keys(CreateExecutionBody.shape) as Array<keyof CreateExecutionBody>;
export type ScheduleTarget = CreateExecutionBody;

const scheduleSettings = {
  cron: CronExpression,
  timezone: TimeZoneName.default('UTC'),
  overlap: OverlapPolicy.default('skip'),
  quietHours: QuietHours.nullable().optional(),
  maxRunsPerDay: z.number().int().min(1).max(1440).nullable().optional(),
  missed: MissedPolicy.default('skip'),
  enabled: z.boolean().default(true),
};

/** The part of a body that is the execution to start, as CreateExecutionBody parses it. */
export function targetOf(body: Record<string, unknown>): Record<string, unknown> {
  const target: Record<string, unknown> = {};
  for (const key of SCHEDULE_TARGET_KEYS) if (body[key] !== undefined) target[key] = body[key];
  return target;
}

/** Every CreateExecutionBody refinement, applied to the target part of a schedule body. */
function checkTarget(body: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const parsed = CreateExecutionBody.safeParse(targetOf(body));
  if (parsed.success) return;
  for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
}

/** POST /api/v1/schedules. */
export const CreateScheduleBody = z
  .strictObject({ name: ScheduleName, ...CreateExecutionBody.shape, ...scheduleSettings })
  .superRefine(checkTarget);
export type CreateScheduleBody = z.infer<typeof CreateScheduleBody>;

type TargetShape = typeof CreateExecutionBody.shape;
/** Each execution field optional, and nullable (null clears it). */
const nullableTarget = Object.fromEntries(
  Object.entries(CreateExecutionBody.shape).map(([key, schema]) => [key, schema.unwrap().nullable().optional()]),
) as { [K in keyof TargetShape]: z.ZodOptional<z.ZodNullable<ReturnType<TargetShape[K]['unwrap']>>> };

/**
 * PATCH /api/v1/schedules/:id: only the fields given change; null clears an optional one. Execution fields merge
 * over the schedule's: `prompt` replaces an `agent` and its `inputs`, `agent` replaces a `prompt`.
 */
export const PatchScheduleBody = z.strictObject({
  name: ScheduleName.optional(),
  ...nullableTarget,
  cron: CronExpression.optional(),
  timezone: TimeZoneName.optional(),
  overlap: OverlapPolicy.optional(),
  quietHours: QuietHours.nullable().optional(),
  maxRunsPerDay: z.number().int().min(1).max(1440).nullable().optional(),
  missed: MissedPolicy.optional(),
  enabled: z.boolean().optional(),
});
export type PatchScheduleBody = z.infer<typeof PatchScheduleBody>;

export const SCHEDULE_RUN_OUTCOMES = ['firing', 'queued', 'skipped', 'failed'] as const;
/** `queued`: the execution was created (a budget may still hold it back); `skipped`: not started, see the reason;
 * `failed`: creating it failed (its template was deleted since, say); `firing`: being created right now. */
export const ScheduleRunOutcome = z.enum(SCHEDULE_RUN_OUTCOMES);
export type ScheduleRunOutcome = z.infer<typeof ScheduleRunOutcome>;

/** One due minute of a schedule (or one run asked for by POST …/run) and what came of it. */
export const ScheduleRun = z.object({
  id: z.string(),
  scheduleId: ScheduleId,
  /** The due minute; for a run-now, the time it was asked. */
  dueAt: z.iso.datetime({ offset: true }),
  firedAt: z.iso.datetime({ offset: true }),
  outcome: ScheduleRunOutcome,
  reason: z.string().nullable(),
  executionId: z.string().nullable(),
  /** The execution's status now; null when none was created. */
  status: ExecutionStatus.nullable(),
});
export type ScheduleRun = z.infer<typeof ScheduleRun>;

export const Schedule = z.object({
  id: ScheduleId,
  name: ScheduleName,
  ...CreateExecutionBody.shape,
  cron: z.string(),
  timezone: z.string(),
  overlap: OverlapPolicy,
  quietHours: QuietHours.nullable(),
  maxRunsPerDay: z.number().int().nullable(),
  missed: MissedPolicy,
  enabled: z.boolean(),
  /** The next due minute; null while disabled. */
  nextRunAt: z.iso.datetime({ offset: true }).nullable(),
  lastRunAt: z.iso.datetime({ offset: true }).nullable(),
  /** The latest run recorded, with its execution's status. */
  lastRun: ScheduleRun.nullable(),
  /** Seeded with ClaudeOps (the health reporter's morning run); editable like any other. */
  builtin: z.boolean(),
  createdAt: z.iso.datetime({ offset: true }),
  updatedAt: z.iso.datetime({ offset: true }),
});
export type Schedule = z.infer<typeof Schedule>;

export const SchedulePage = page(Schedule);
export const ScheduleRunPage = page(ScheduleRun);

export const ListSchedulesQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(100),
  cursor: z.string().min(1).max(500).optional(),
});

export const ListScheduleRunsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(500).optional(),
});

/** POST /api/v1/schedules/:id/run answers 201 with the execution it started. */
export const RunScheduleResult = Execution;
