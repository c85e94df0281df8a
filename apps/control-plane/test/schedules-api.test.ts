// /api/v1/schedules through the Worker: create, read, list, change, delete; every bad cron, timezone or target a 400
// that names it (a seconds field, an unknown zone, a missing template input); names unique (409); nextRunAt read in
// the schedule's timezone; run-now and the runs list; the built-in health reporter schedule, disabled.
import { describe, expect, it } from 'vitest';
import { Execution, Schedule, SchedulePage } from '../src/protocol';
import { api, expectError } from './api-support';
import { createAgent } from './agents-support';
import { uniqueLabel } from './do-support';
import { createSchedule, executionsOf, getSchedule, runsOf, SCHEDULES, uniqueScheduleName } from './schedules-support';

const post = (body: Record<string, unknown>) =>
  api(SCHEDULES, { method: 'POST', body: { name: uniqueScheduleName(), cron: '0 7 * * *', prompt: 'hi', ...body } });
const patch = (id: string, body: Record<string, unknown>) => api(`${SCHEDULES}/${id}`, { method: 'PATCH', body });

describe('schedules API', () => {
  it('creates a schedule with its nextRunAt in its timezone and defaults', async () => {
    const created = await createSchedule({ cron: '30 7 * * *', timezone: 'Europe/Berlin' });
    expect(created).toMatchObject({
      id: expect.stringMatching(/^sch_[0-9a-z]{26}$/),
      cron: '30 7 * * *',
      timezone: 'Europe/Berlin',
      prompt: 'check the nightly build',
      overlap: 'skip',
      missed: 'skip',
      enabled: true,
      quietHours: null,
      maxRunsPerDay: null,
      builtin: false,
      lastRunAt: null,
      lastRun: null,
    });
    const next = new Date(created.nextRunAt!);
    expect(next.getTime()).toBeGreaterThan(Date.now());
    const local = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Berlin',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).format(next);
    expect(local).toBe('07:30');
    expect(next.getTime() - Date.now()).toBeLessThanOrEqual(25 * 3600_000);
  });

  it('reads by id or name, lists by name, and 404s an unknown one', async () => {
    const created = await createSchedule();
    expect((await getSchedule(created.id)).name).toBe(created.name);
    expect((await getSchedule(created.name)).id).toBe(created.id);
    const listed = SchedulePage.parse(await (await api(`${SCHEDULES}?limit=200`)).json());
    expect(listed.items.map((s) => s.id)).toContain(created.id);
    const names = listed.items.map((s) => s.name);
    expect(names).toEqual([...names].sort());
    await expectError(await api(`${SCHEDULES}/nope-nothing`), 404, 'NOT_FOUND', /nope-nothing/);
  });

  it('refuses a seconds field, nonsense cron and an unknown timezone with a 400 saying why', async () => {
    await expectError(await post({ cron: '0 0 7 * * *' }), 400, 'BAD_REQUEST', /minute precision/);
    await expectError(await post({ cron: '61 * * * *' }), 400, 'BAD_REQUEST', /not valid/);
    await expectError(await post({ cron: 'every morning' }), 400, 'BAD_REQUEST', /five fields/);
    await expectError(await post({ timezone: 'Mars/Olympus' }), 400, 'BAD_REQUEST', /IANA/);
    await expectError(await post({ overlap: 'sometimes' }), 400, 'BAD_REQUEST', /body\.overlap/);
    await expectError(await post({ quietHours: { start: '25:00', end: '07:00' } }), 400, 'BAD_REQUEST', /HH:MM/);
    await expectError(await post({ prompt: undefined }), 400, 'BAD_REQUEST', /prompt/);
  });

  it('checks the target against its template at create time', async () => {
    await expectError(await post({ prompt: undefined, agent: 'no-such-agent' }), 400, 'BAD_REQUEST', /no-such-agent/);
    const agent = await createAgent();
    await expectError(
      await post({ prompt: undefined, agent: agent.name, inputs: { issue: 'x' } }),
      400,
      'BAD_REQUEST',
      /repo/,
    );
    const ok = await post({
      prompt: undefined,
      agent: agent.name,
      inputs: { issue: '#12', repo: 'https://github.com/acme/widgets.git' },
    });
    expect(ok.status).toBe(201);
    expect(Schedule.parse(await ok.json())).toMatchObject({ agent: agent.name, inputs: { issue: '#12' } });
  });

  it('keeps names unique (409)', async () => {
    const first = await createSchedule();
    await expectError(await post({ name: first.name }), 409, 'CONFLICT', first.name);
    const other = await createSchedule();
    await expectError(await patch(other.id, { name: first.name }), 409, 'CONFLICT');
  });

  it('changes only what a PATCH gives; disabling clears nextRunAt, enabling sets it again', async () => {
    const created = await createSchedule({ maxRunsPerDay: 3 });
    const disabled = Schedule.parse(await (await patch(created.id, { enabled: false })).json());
    expect(disabled).toMatchObject({ enabled: false, nextRunAt: null, maxRunsPerDay: 3 });
    const enabled = Schedule.parse(
      await (await patch(created.id, { enabled: true, cron: '*/15 * * * *', maxRunsPerDay: null })).json(),
    );
    expect(enabled).toMatchObject({ enabled: true, cron: '*/15 * * * *', maxRunsPerDay: null });
    expect(new Date(enabled.nextRunAt!).getUTCMinutes() % 15).toBe(0);
    expect(new Date(enabled.nextRunAt!).getTime() - Date.now()).toBeLessThanOrEqual(15 * 60_000);
    await expectError(await patch(created.id, { cron: '* * * * * *' }), 400, 'BAD_REQUEST', /minute precision/);
    await expectError(await patch(created.id, { agent: 'no-such-agent' }), 400, 'BAD_REQUEST', /no-such-agent/);
    expect((await getSchedule(created.id)).prompt).toBe('check the nightly build');
  });

  it('a prompt replaces an agent and its inputs in a PATCH', async () => {
    const agent = await createAgent();
    const created = await createSchedule({
      prompt: undefined,
      agent: agent.name,
      inputs: { issue: '#1', repo: 'https://github.com/acme/widgets.git' },
    });
    const changed = Schedule.parse(await (await patch(created.id, { prompt: 'just look around' })).json());
    expect(changed.prompt).toBe('just look around');
    expect(changed.agent).toBeUndefined();
    expect(changed.inputs).toBeUndefined();
  });

  it('runs one now: 201 with the execution, trigger schedule, recorded among its runs', async () => {
    const label = uniqueLabel();
    const created = await createSchedule({ labels: [label], enabled: false });
    const response = await api(`${SCHEDULES}/${created.name}/run`, { method: 'POST' });
    expect(response.status).toBe(201);
    const execution = Execution.parse(await response.json());
    expect(execution.trigger).toEqual({ kind: 'schedule', id: created.id, detail: `${created.name}, run now` });
    expect(execution.labels).toEqual([label]);
    const runs = await runsOf(created.id);
    expect(runs).toMatchObject([{ outcome: 'queued', executionId: execution.id, status: 'queued', reason: 'run now' }]);
    expect((await executionsOf(created.id)).map((e) => e.id)).toEqual([execution.id]);
    const after = await getSchedule(created.id);
    expect(after.lastRunAt).not.toBeNull();
    expect(after.lastRun).toMatchObject({ executionId: execution.id, status: 'queued' });
  });

  it('pages its runs newest first', async () => {
    const created = await createSchedule();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(Execution.parse(await (await api(`${SCHEDULES}/${created.id}/run`, { method: 'POST' })).json()).id);
    }
    const first = await api(`${SCHEDULES}/${created.id}/runs?limit=2`);
    const page1 = (await first.json()) as { items: { executionId: string }[]; nextCursor: string };
    expect(page1.items.map((r) => r.executionId)).toEqual([ids[2], ids[1]]);
    const page2 = (await (await api(`${SCHEDULES}/${created.id}/runs?limit=2&cursor=${page1.nextCursor}`)).json()) as {
      items: { executionId: string }[];
      nextCursor: string | null;
    };
    expect(page2.items.map((r) => r.executionId)).toEqual([ids[0]]);
    expect(page2.nextCursor).toBeNull();
    await expectError(await api(`${SCHEDULES}/${created.id}/runs?cursor=garbage`), 400, 'BAD_REQUEST', /cursor/);
  });

  it('deletes a schedule (204, then 404); its executions stay', async () => {
    const created = await createSchedule();
    const run = Execution.parse(await (await api(`${SCHEDULES}/${created.id}/run`, { method: 'POST' })).json());
    expect((await api(`${SCHEDULES}/${created.id}`, { method: 'DELETE' })).status).toBe(204);
    await expectError(await api(`${SCHEDULES}/${created.id}`), 404, 'NOT_FOUND');
    await expectError(await api(`${SCHEDULES}/${created.id}`, { method: 'DELETE' }), 404, 'NOT_FOUND');
    expect((await api(`/api/v1/executions/${run.id}`)).status).toBe(200);
  });

  it('comes with the health reporter’s morning schedule, built in and disabled', async () => {
    const builtin = await getSchedule('system-health-reporter');
    expect(builtin).toMatchObject({
      builtin: true,
      enabled: false,
      nextRunAt: null,
      cron: '0 7 * * *',
      timezone: 'UTC',
      agent: 'system-health-reporter',
    });
  });
});
