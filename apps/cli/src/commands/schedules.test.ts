// Unit tests for `claudeops schedules`: the bodies and paths it sends (add with its flags, enable, run, runs, rm),
// usage errors as one sentence with exit 64 before any request, and the list's cells.
import { describe, expect, it } from 'vitest';
import { main } from '../main';
import { nextCell, parseQuiet, scheduleBody } from './schedules';

function harness(answer: (request: Request) => Response | Promise<Response>) {
  let stdout = '';
  let stderr = '';
  const requests: Request[] = [];
  const io = {
    env: { CLAUDEOPS_URL: 'http://cp.test', CLAUDEOPS_TOKEN: 'coa_test', NO_COLOR: '' },
    cwd: '/',
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    fetch: async (request: Request) => {
      requests.push(request.clone());
      return answer(request);
    },
  };
  return { io, requests, out: () => stdout, err: () => stderr };
}

const schedule = {
  id: 'sch_01jc0000000000000000000000',
  name: 'nightly',
  cron: '0 2 * * *',
  timezone: 'Europe/Berlin',
  prompt: 'Run the tests',
  overlap: 'skip',
  enabled: true,
  nextRunAt: new Date(Date.now() + 3 * 3600_000).toISOString(),
  lastRun: null,
};

describe('claudeops schedules add', () => {
  it('posts the schedule with every flag mapped to the API field', async () => {
    const h = harness(() => Response.json(schedule, { status: 201 }));
    const argv = [
      'schedules',
      'add',
      'triage',
      '--cron',
      '*/30 9-17 * * MON-FRI',
      '--tz',
      'Europe/Berlin',
      '--agent',
      'bug-fixer',
      '--input',
      'issue=#12',
      '--overlap',
      'cancel-previous',
      '--quiet',
      '22:00-7:00',
      '--max-per-day',
      '4',
      '--missed',
      'run-once',
      '--disabled',
      '--label',
      'ops',
      '--budget',
      '0.5',
    ];
    expect(await main(argv, h.io)).toBe(0);
    const request = h.requests[0]!;
    expect(request.method).toBe('POST');
    expect(new URL(request.url).pathname).toBe('/api/v1/schedules');
    expect(await request.json()).toEqual({
      name: 'triage',
      cron: '*/30 9-17 * * MON-FRI',
      timezone: 'Europe/Berlin',
      agent: 'bug-fixer',
      inputs: { issue: '#12' },
      overlap: 'cancel-previous',
      quietHours: { start: '22:00', end: '07:00' },
      maxRunsPerDay: 4,
      missed: 'run-once',
      enabled: false,
      labels: ['ops'],
      maxBudgetUsd: 0.5,
    });
    expect(h.out()).toContain(schedule.id);
  });

  it('refuses a missing cron, both or neither of agent and prompt, and a bad policy, before any request', async () => {
    for (const argv of [
      ['schedules', 'add', 'x', '--prompt', 'hi'],
      ['schedules', 'add', 'x', '--cron', '* * * * *'],
      ['schedules', 'add', 'x', '--cron', '* * * * *', '--prompt', 'hi', '--agent', 'a'],
      ['schedules', 'add', 'x', '--cron', '* * * * *', '--prompt', 'hi', '--overlap', 'maybe'],
      ['schedules', 'add', 'x', '--cron', '* * * * *', '--prompt', 'hi', '--quiet', 'nights'],
    ]) {
      const h = harness(() => new Response('{}'));
      expect(await main(argv, h.io)).toBe(64);
      expect(h.err().trim().split('\n')).toHaveLength(1);
      expect(h.requests).toHaveLength(0);
    }
  });

  it('shows the API’s message for a cron it refuses (exit 5)', async () => {
    const h = harness(() =>
      Response.json({ error: { code: 'BAD_REQUEST', message: 'cron "0 0 7 * * *" has 6 fields' } }, { status: 400 }),
    );
    expect(await main(['schedules', 'add', 'x', '--cron', '0 0 7 * * *', '--prompt', 'hi'], h.io)).toBe(5);
    expect(h.err()).toBe('claudeops: cron "0 0 7 * * *" has 6 fields\n');
  });
});

describe('claudeops schedules subcommands', () => {
  it('enable/disable PATCH enabled; run prints the execution id; rm deletes; runs reads the runs', async () => {
    const h = harness((request) => {
      const path = new URL(request.url).pathname;
      if (request.method === 'DELETE') return new Response(null, { status: 204 });
      if (path.endsWith('/run')) return Response.json({ id: 'ex_01jc0000000000000000000001' }, { status: 201 });
      if (path.endsWith('/runs')) return Response.json({ items: [], nextCursor: null });
      return Response.json(schedule);
    });
    expect(await main(['schedules', 'disable', 'nightly'], h.io)).toBe(0);
    expect(h.requests[0]!.method).toBe('PATCH');
    expect(new URL(h.requests[0]!.url).pathname).toBe('/api/v1/schedules/nightly');
    expect(await h.requests[0]!.json()).toEqual({ enabled: false });

    expect(await main(['schedules', 'run', 'nightly'], h.io)).toBe(0);
    expect(new URL(h.requests[1]!.url).pathname).toBe('/api/v1/schedules/nightly/run');
    expect(h.out()).toContain('ex_01jc0000000000000000000001\n');

    expect(await main(['schedules', 'runs', 'nightly', '--limit', '5', '--json'], h.io)).toBe(0);
    const runs = new URL(h.requests[2]!.url);
    expect(runs.pathname).toBe('/api/v1/schedules/nightly/runs');
    expect(runs.searchParams.get('limit')).toBe('5');

    expect(await main(['schedules', 'rm', 'nightly'], h.io)).toBe(0);
    expect(h.requests[3]!.method).toBe('DELETE');
  });

  it('lists schedules as a table, and --json as the API gave it', async () => {
    const page = { items: [schedule], nextCursor: null };
    const h = harness(() => Response.json(page));
    expect(await main(['schedules'], h.io)).toBe(0);
    expect(h.out()).toMatch(/nightly\s+0 2 \* \* \* Europe\/Berlin\s+Run the tests\s+in 3h/);
    const j = harness(() => Response.json(page));
    expect(await main(['schedules', '--json'], j.io)).toBe(0);
    expect(JSON.parse(j.out())).toEqual(page);
  });
});

describe('schedule request helpers', () => {
  it('parses quiet hours and says when it cannot', () => {
    expect(parseQuiet('22:00-07:00')).toEqual({ start: '22:00', end: '07:00' });
    expect(() => parseQuiet('10pm-7am')).toThrow(/HH:MM-HH:MM/);
  });

  it('needs --agent for --input', () => {
    expect(() => scheduleBody('x', { cron: '* * * * *', prompt: 'p', input: ['a=b'], label: [] })).toThrow(/--agent/);
  });

  it('says when the next run is', () => {
    const now = Date.parse('2026-12-03T10:00:00Z');
    expect(nextCell({ enabled: false, nextRunAt: null }, now)).toBe('disabled');
    expect(nextCell({ enabled: true, nextRunAt: '2026-12-03T10:05:00Z' }, now)).toBe('in 5m');
    expect(nextCell({ enabled: true, nextRunAt: '2026-12-05T10:00:00Z' }, now)).toBe('in 2d');
  });
});
