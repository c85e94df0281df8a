// Firing schedules in the Workers runtime: the Worker's cron handler and the Scheduler's alarm fire a due minute
// once (both at once: one run); overlap skip / queue / cancel-previous; quiet hours; maxRunsPerDay; a missed run
// after downtime run once or skipped, then the next due minute from now; a deleted template recorded as failed.
import { runDurableObjectAlarm } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { api } from './api-support';
import { createAgent } from './agents-support';
import { setStatus } from './attempts-support';
import {
  createSchedule,
  dueAt,
  executionsOf,
  floorMinute,
  getSchedule,
  MINUTE,
  runCron,
  runsOf,
  scheduler,
} from './schedules-support';

/** A due minute ahead of the clock, so the tick's `now` (passed in) decides, not the wall clock. */
const futureMinute = (minutesAhead: number) => floorMinute(Date.now()) + minutesAhead * MINUTE;
const NEXT_YEARLY = (after: number) => {
  const d = new Date(after);
  return Date.UTC(d.getUTCFullYear() + 1, 0, 1);
};

describe('schedule firing', () => {
  it('the cron handler fires a due schedule: one execution with trigger schedule, nextRunAt moves on', async () => {
    const schedule = await createSchedule();
    const due = futureMinute(10);
    await dueAt(schedule.id, due);
    await runCron(due + 3_000);

    const [execution, ...more] = await executionsOf(schedule.id);
    expect(more).toEqual([]);
    expect(execution!.trigger).toEqual({
      kind: 'schedule',
      id: schedule.id,
      detail: `${schedule.name} due ${new Date(due).toISOString().slice(0, 16)}Z`,
    });
    expect(execution!.prompt).toBe('check the nightly build');
    expect(await runsOf(schedule.id)).toMatchObject([
      { dueAt: new Date(due).toISOString(), outcome: 'queued', executionId: execution!.id, status: 'queued' },
    ]);
    const after = await getSchedule(schedule.id);
    expect(after.nextRunAt).toBe(new Date(NEXT_YEARLY(due)).toISOString());
    expect(after.lastRun).toMatchObject({ executionId: execution!.id });

    // The same minute again (a second cron delivery) creates nothing more.
    await dueAt(schedule.id, due);
    await runCron(due + 4_000);
    expect(await executionsOf(schedule.id)).toHaveLength(1);
    expect(await runsOf(schedule.id)).toHaveLength(1);
  });

  it('the alarm and the cron firing the same minute create one run', async () => {
    const schedule = await createSchedule();
    const due = floorMinute(Date.now());
    await dueAt(schedule.id, due);
    expect(await scheduler().arm()).toBeLessThanOrEqual(due);
    await Promise.all([runDurableObjectAlarm(scheduler()), runCron(Date.now())]);
    await runCron(Date.now());
    expect(await executionsOf(schedule.id)).toHaveLength(1);
    expect(await runsOf(schedule.id)).toMatchObject([{ outcome: 'queued' }]);
  });

  it('creating a schedule arms the alarm for its nextRunAt', async () => {
    const schedule = await createSchedule({ cron: '* * * * *' });
    const at = await scheduler().arm();
    expect(at).not.toBeNull();
    expect(at!).toBeLessThanOrEqual(new Date(schedule.nextRunAt!).getTime());
    await api(`/api/v1/schedules/${schedule.id}`, { method: 'DELETE' });
  });

  it('overlap skip: while the previous run is live, a skipped run and no second execution', async () => {
    const schedule = await createSchedule({ overlap: 'skip' });
    const first = futureMinute(20);
    await dueAt(schedule.id, first);
    await scheduler().tick(first + 1_000);
    const [previous] = await executionsOf(schedule.id);
    await setStatus(previous!.id, 'running');

    const second = first + MINUTE;
    await dueAt(schedule.id, second);
    await scheduler().tick(second + 1_000);
    expect((await executionsOf(schedule.id)).map((e) => e.id)).toEqual([previous!.id]);
    const [skipped] = await runsOf(schedule.id);
    expect(skipped).toMatchObject({ outcome: 'skipped', executionId: null, dueAt: new Date(second).toISOString() });
    expect(skipped!.reason).toMatch(new RegExp(`${previous!.id}.*still live.*overlap: skip`));

    // Once it has ended, the next due minute runs.
    await setStatus(previous!.id, 'succeeded');
    await dueAt(schedule.id, second + MINUTE);
    await scheduler().tick(second + MINUTE + 1_000);
    expect(await executionsOf(schedule.id)).toHaveLength(2);
  });

  it('overlap queue starts another; cancel-previous cancels the live one first', async () => {
    const queue = await createSchedule({ overlap: 'queue' });
    const at = futureMinute(30);
    await dueAt(queue.id, at);
    await scheduler().tick(at + 1_000);
    await dueAt(queue.id, at + MINUTE);
    await scheduler().tick(at + MINUTE + 1_000);
    expect((await executionsOf(queue.id)).map((e) => e.status)).toEqual(['queued', 'queued']);

    const cancel = await createSchedule({ overlap: 'cancel-previous' });
    await dueAt(cancel.id, at);
    await scheduler().tick(at + 1_000);
    const [previous] = await executionsOf(cancel.id);
    await dueAt(cancel.id, at + MINUTE);
    await scheduler().tick(at + MINUTE + 1_000);
    const [newer, older] = await executionsOf(cancel.id);
    expect(older!.id).toBe(previous!.id);
    expect(older).toMatchObject({ status: 'cancelled', statusReason: 'cancelled by a newer run of its schedule' });
    expect(newer).toMatchObject({ status: 'queued' });
    expect((await runsOf(cancel.id))[0]).toMatchObject({
      outcome: 'queued',
      reason: expect.stringMatching(previous!.id),
    });
  });

  it('quiet hours skip a due minute inside them, in the schedule’s timezone', async () => {
    const at = futureMinute(40);
    // The due minute's local time in Tokyo (UTC+9, no DST), and quiet hours from it for one hour.
    const local = new Date(at + 9 * 3600_000);
    const hhmm = (d: Date) =>
      `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
    const quietHours = { start: hhmm(local), end: hhmm(new Date(local.getTime() + 3600_000)) };
    const schedule = await createSchedule({ timezone: 'Asia/Tokyo', quietHours });
    await dueAt(schedule.id, at);
    await runCron(at + 1_000);
    expect(await executionsOf(schedule.id)).toEqual([]);
    expect((await runsOf(schedule.id))[0]).toMatchObject({
      outcome: 'skipped',
      reason: `due in quiet hours (${quietHours.start}-${quietHours.end} Asia/Tokyo)`,
    });
    expect((await getSchedule(schedule.id)).nextRunAt).not.toBeNull();
  });

  it('maxRunsPerDay: over the cap a due minute is skipped', async () => {
    const schedule = await createSchedule({ maxRunsPerDay: 1 });
    const at = futureMinute(50);
    await dueAt(schedule.id, at);
    await scheduler().tick(at + 1_000);
    await dueAt(schedule.id, at + MINUTE);
    await scheduler().tick(at + MINUTE + 1_000);
    expect(await executionsOf(schedule.id)).toHaveLength(1);
    expect((await runsOf(schedule.id))[0]).toMatchObject({ outcome: 'skipped', reason: /1 time today/ });
  });

  it('missed during downtime: run-once runs one now, skip records a skip; never a burst', async () => {
    const now = futureMinute(60) + 5_000;
    const longAgo = now - 3 * 3600_000; // three hours of due minutes missed
    const hourly = { cron: '0 * * * *' };
    const once = await createSchedule({ ...hourly, missed: 'run-once' });
    const skip = await createSchedule({ ...hourly, missed: 'skip' });
    await dueAt(once.id, floorMinute(longAgo));
    await dueAt(skip.id, floorMinute(longAgo));
    await scheduler().tick(now);

    expect(await executionsOf(once.id)).toHaveLength(1);
    expect((await runsOf(once.id))[0]).toMatchObject({ outcome: 'queued', reason: /run once/ });
    expect(await executionsOf(skip.id)).toEqual([]);
    expect(await runsOf(skip.id)).toMatchObject([{ outcome: 'skipped', reason: /missed/ }]);
    for (const s of [once, skip]) {
      const next = new Date((await getSchedule(s.id)).nextRunAt!).getTime();
      expect(next).toBeGreaterThan(now);
      expect(next).toBeLessThanOrEqual(now + 3600_000);
    }
  });

  it('a template deleted since records a failed run, and the schedule goes on', async () => {
    const agent = await createAgent({ prompt: 'Look at {{thing}}.' });
    const schedule = await createSchedule({ prompt: undefined, agent: agent.name, inputs: { thing: 'the logs' } });
    expect((await api(`/api/v1/agents/${agent.name}`, { method: 'DELETE' })).status).toBe(204);
    const at = futureMinute(70);
    await dueAt(schedule.id, at);
    await scheduler().tick(at + 1_000);
    expect(await executionsOf(schedule.id)).toEqual([]);
    expect((await runsOf(schedule.id))[0]).toMatchObject({ outcome: 'failed', reason: new RegExp(agent.name) });
    expect((await getSchedule(schedule.id)).nextRunAt).toBe(new Date(NEXT_YEARLY(at)).toISOString());
  });

  it('a disabled schedule never fires', async () => {
    const schedule = await createSchedule({ enabled: false });
    const at = futureMinute(80);
    await dueAt(schedule.id, at);
    await scheduler().tick(at + 1_000);
    expect(await executionsOf(schedule.id)).toEqual([]);
  });
});
