// Pure schedule logic: cron and timezone checks (croner, Intl), the next due minute, quiet hours and the daily cap in
// the schedule's timezone, the overlap decision and the missed-run policy. Used by routes/schedules.ts (validation,
// nextRunAt) and durable-objects/scheduler-tick.ts (firing); tested in Node beside it.
import { Cron } from 'croner';

export const MINUTE_MS = 60_000;

/** A due minute more than this far in the past when a tick looks at it was missed (the control plane was down):
 * over the cron trigger's own minute, so a tick that is merely late never counts as downtime. */
export const MISSED_AFTER_MS = 90_000;

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

/** Whether the runtime knows `timezone` as an IANA zone. */
export function checkTimezone(timezone: string): Checked<string> {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return { ok: true, value: timezone };
  } catch {
    return { ok: false, message: `timezone "${timezone}" is not an IANA timezone (such as UTC or Europe/Berlin)` };
  }
}

const NICKNAMES = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

/** A cron of five fields (or a nickname such as @daily), parsed by croner; a seconds field is refused. */
export function checkCron(cron: string): Checked<string> {
  const text = cron.trim().replace(/\s+/g, ' ');
  const fields = text.split(' ');
  if (text.startsWith('@')) {
    if (!NICKNAMES.has(text.toLowerCase())) {
      return {
        ok: false,
        message: `cron "${cron}": unknown nickname (use @hourly, @daily, @weekly, @monthly, @yearly)`,
      };
    }
  } else if (fields.length === 6 || fields.length === 7) {
    return {
      ok: false,
      message: `cron "${cron}" has ${fields.length} fields: schedules have minute precision, give five (minute hour day month weekday) without seconds`,
    };
  } else if (fields.length !== 5) {
    return { ok: false, message: `cron "${cron}" must have five fields: minute hour day-of-month month day-of-week` };
  }
  try {
    new Cron(text, { paused: true, mode: '5-part' });
  } catch (error) {
    const detail = error instanceof Error ? error.message.replace(/^CronPattern: /, '') : String(error);
    return { ok: false, message: `cron "${cron}" is not valid: ${detail}` };
  }
  return { ok: true, value: text };
}

/** The first due minute strictly after `after` (epoch ms), in `timezone`; null when the cron never fires again. */
export function nextDue(cron: string, timezone: string, after: number): number | null {
  const job = new Cron(cron, { paused: true, mode: '5-part', timezone });
  const next = job.nextRun(new Date(after));
  return next === null ? null : next.getTime();
}

export const floorMinute = (ms: number): number => ms - (((ms % MINUTE_MS) + MINUTE_MS) % MINUTE_MS);

/** The local calendar day (YYYY-MM-DD) and minute of the day of `ms` in `timezone`. */
export function localTime(ms: number, timezone: string): { day: string; minuteOfDay: number } {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(ms));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '00';
  return {
    day: `${part('year')}-${part('month')}-${part('day')}`,
    minuteOfDay: Number(part('hour')) * 60 + Number(part('minute')),
  };
}

const clockMinutes = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Whether `ms` falls in the quiet hours (from start up to, not including, end), read in `timezone`. */
export function inQuietHours(quiet: { start: string; end: string } | null, ms: number, timezone: string): boolean {
  if (quiet === null) return false;
  const start = clockMinutes(quiet.start);
  const end = clockMinutes(quiet.end);
  if (start === end) return false;
  const m = localTime(ms, timezone).minuteOfDay;
  return start < end ? m >= start && m < end : m >= start || m < end;
}

/** How many of `times` fall on the same local day as `ms`. */
export function runsOnLocalDay(times: readonly number[], ms: number, timezone: string): number {
  const day = localTime(ms, timezone).day;
  return times.filter((t) => localTime(t, timezone).day === day).length;
}

/** How far back the runs counted for a local day can lie (a day is at most 25 hours; a margin for the offsets). */
export const LOCAL_DAY_WINDOW_MS = 27 * 60 * MINUTE_MS;

export interface ScheduleState {
  cron: string;
  timezone: string;
  nextRunAt: number;
  overlap: 'skip' | 'queue' | 'cancel-previous';
  quietHours: { start: string; end: string } | null;
  maxRunsPerDay: number | null;
  missed: 'run-once' | 'skip';
}

export interface FireFacts {
  now: number;
  /** Times of the runs that started an execution in the last LOCAL_DAY_WINDOW_MS. */
  recentRunTimes: readonly number[];
  /** The schedule's executions that have not ended yet. */
  liveExecutionIds: readonly string[];
}

export type FireDecision =
  | { action: 'create'; dueAt: number; nextRunAt: number | null; cancel: string[]; reason: string | null }
  | { action: 'skip'; dueAt: number; nextRunAt: number | null; reason: string };

/**
 * What a tick does with a schedule whose nextRunAt has come: the due minute it records, whether it starts an
 * execution (and which live ones it cancels first) or records a skip and why, and the next due minute. After a miss
 * (downtime), the next due minute is counted from now: one run or one skip, never a burst of catch-up runs.
 */
export function decideFire(s: ScheduleState, facts: FireFacts): FireDecision {
  const dueAt = s.nextRunAt;
  const missed = facts.now - dueAt > MISSED_AFTER_MS;
  // From the current minute on (the current one itself included when it is due): a late tick loses no minute.
  const nextRunAt = nextDue(s.cron, s.timezone, Math.max(dueAt, floorMinute(facts.now) - 1));
  const skip = (reason: string): FireDecision => ({ action: 'skip', dueAt, nextRunAt, reason });
  if (missed && s.missed === 'skip') return skip('missed while the control plane was down (missed: skip)');
  const when = missed ? facts.now : dueAt;
  if (inQuietHours(s.quietHours, when, s.timezone)) {
    return skip(`due in quiet hours (${s.quietHours!.start}-${s.quietHours!.end} ${s.timezone})`);
  }
  if (s.maxRunsPerDay !== null && runsOnLocalDay(facts.recentRunTimes, when, s.timezone) >= s.maxRunsPerDay) {
    return skip(`already ran ${s.maxRunsPerDay} time${s.maxRunsPerDay === 1 ? '' : 's'} today (maxRunsPerDay)`);
  }
  const reason = missed ? 'missed while the control plane was down: run once now (missed: run-once)' : null;
  const live = facts.liveExecutionIds;
  if (live.length === 0 || s.overlap === 'queue') return { action: 'create', dueAt, nextRunAt, cancel: [], reason };
  if (s.overlap === 'skip') return skip(`the previous run ${live[0]} is still live (overlap: skip)`);
  return {
    action: 'create',
    dueAt,
    nextRunAt,
    cancel: [...live],
    reason: `cancelled ${live.join(', ')} (overlap: cancel-previous)`,
  };
}

/** The trigger detail of a due run: `<name> due <ISO minute>`. */
export const dueDetail = (name: string, dueAt: number): string =>
  `${name} due ${new Date(dueAt).toISOString().slice(0, 16)}Z`;
