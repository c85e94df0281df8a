// Helpers for the schedules-*.test.ts files: schedules created through the API, a due minute set in D1, the
// Scheduler's tick, the cron handler and a schedule's runs.
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { expect } from 'vitest';
import { type Execution, ExecutionPage, Schedule, ScheduleRunPage, type ScheduleRun } from '../src/protocol';
import worker from '../src/index';
import { api } from './api-support';
import { uniqueLabel } from './do-support';

export const SCHEDULES = '/api/v1/schedules';
/** Once a year: a schedule never comes due by itself during a test; tests set nextRunAt to the minute they want. */
export const YEARLY = '0 0 1 1 *';
export const MINUTE = 60_000;
export const floorMinute = (ms: number) => ms - (ms % MINUTE);

export const uniqueScheduleName = (stem = 'sched') => `${stem}-${crypto.randomUUID().slice(0, 8)}`;

export async function createSchedule(body: Record<string, unknown> = {}): Promise<Schedule> {
  const response = await api(SCHEDULES, {
    method: 'POST',
    body: {
      name: uniqueScheduleName(),
      cron: YEARLY,
      prompt: 'check the nightly build',
      labels: [uniqueLabel()],
      ...body,
    },
  });
  expect(response.status, await response.clone().text()).toBe(201);
  return Schedule.parse(await response.json());
}

/** Makes the schedule due at `dueAt` (as if that were its next cron minute). */
export async function dueAt(id: string, at: number): Promise<void> {
  await env.DB.prepare('UPDATE schedules SET next_run_at = ? WHERE id = ?').bind(at, id).run();
}

export const scheduler = () => env.SCHEDULER.get(env.SCHEDULER.idFromName('global'));

/** The Worker's own cron handler, as Cloudflare calls it every minute. */
export async function runCron(scheduledTime: number): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: '* * * * *', scheduledTime }), env, ctx);
  await waitOnExecutionContext(ctx);
}

export async function runsOf(id: string): Promise<ScheduleRun[]> {
  const response = await api(`${SCHEDULES}/${id}/runs`);
  expect(response.status).toBe(200);
  return ScheduleRunPage.parse(await response.json()).items;
}

export async function getSchedule(id: string): Promise<Schedule> {
  const response = await api(`${SCHEDULES}/${id}`);
  expect(response.status).toBe(200);
  return Schedule.parse(await response.json());
}

/** The executions the schedule started, newest first. */
export async function executionsOf(id: string): Promise<Execution[]> {
  const response = await api(`/api/v1/executions?trigger=schedule&triggerId=${id}&limit=200`);
  expect(response.status).toBe(200);
  return ExecutionPage.parse(await response.json()).items;
}
