// Unit tests of the /schedules page logic: cron in words, run results, and the create form's body and faults.
import { describe, expect, it } from 'vitest';
import { cronInWords, emptyForm, nextRunText, runResult, scheduleBodyOf } from './schedules';

describe('cronInWords', () => {
  it('says the common shapes in words and leaves the rest as they are', () => {
    expect(cronInWords('0 7 * * *')).toBe('every day at 07:00');
    expect(cronInWords('*/15 * * * *')).toBe('every 15 minutes');
    expect(cronInWords('30 9 * * 1-5')).toBe('weekdays at 09:30');
    expect(cronInWords('0 8 * * 1')).toBe('every Monday at 08:00');
    expect(cronInWords('0 0 1 * *')).toBe('on day 1 of every month at 00:00');
    expect(cronInWords('5 * * * *')).toBe('every hour at :05');
    expect(cronInWords('* * * * *')).toBe('every minute');
    expect(cronInWords('@daily')).toBe('every day at 00:00');
    expect(cronInWords('0 9-17 * * *')).toBe('0 9-17 * * *');
  });
});

describe('runs', () => {
  it('show the execution’s status once one was created, else the outcome', () => {
    expect(runResult({ outcome: 'queued', status: 'succeeded' })).toBe('succeeded');
    expect(runResult({ outcome: 'skipped', status: null })).toBe('skipped');
    expect(nextRunText({ enabled: false, nextRunAt: null }, (s) => s)).toBe('disabled');
    expect(nextRunText({ enabled: true, nextRunAt: 'T' }, (s) => `at ${s}`)).toBe('at T');
  });
});

describe('scheduleBodyOf', () => {
  it('builds the body of a prompt schedule with quiet hours and a cap', () => {
    const form = {
      ...emptyForm(),
      name: ' nightly ',
      prompt: 'Run the tests',
      quietStart: '22:00',
      quietEnd: '07:00',
      maxRunsPerDay: '2',
    };
    expect(scheduleBodyOf(form)).toEqual({
      ok: true,
      body: {
        name: 'nightly',
        cron: '0 7 * * *',
        timezone: 'UTC',
        overlap: 'skip',
        missed: 'skip',
        enabled: true,
        prompt: 'Run the tests',
        quietHours: { start: '22:00', end: '07:00' },
        maxRunsPerDay: 2,
      },
    });
  });

  it('builds an agent schedule with its inputs', () => {
    const form = {
      ...emptyForm(),
      name: 'triage',
      kind: 'agent' as const,
      agent: 'bug-fixer',
      inputs: 'issue=#12\nrepo = https://x/y',
    };
    const result = scheduleBodyOf(form);
    expect(result.ok && result.body).toMatchObject({
      agent: 'bug-fixer',
      inputs: { issue: '#12', repo: 'https://x/y' },
    });
  });

  it('names what is missing', () => {
    expect(scheduleBodyOf(emptyForm())).toEqual({ ok: false, error: 'Give the schedule a name.' });
    expect(scheduleBodyOf({ ...emptyForm(), name: 'x' })).toMatchObject({ ok: false, error: /prompt/ });
    expect(scheduleBodyOf({ ...emptyForm(), name: 'x', kind: 'agent' })).toMatchObject({ ok: false, error: /agent/ });
    expect(scheduleBodyOf({ ...emptyForm(), name: 'x', prompt: 'p', quietStart: '22:00' })).toMatchObject({
      ok: false,
      error: /Quiet/,
    });
    expect(scheduleBodyOf({ ...emptyForm(), name: 'x', prompt: 'p', maxRunsPerDay: '0' })).toMatchObject({ ok: false });
  });
});
