// Unit tests of the pure schedule logic: cron and timezone checks, next due minute in a timezone, quiet hours across
// midnight, the daily cap per local day, overlap and the missed-run policy.
import { describe, expect, it } from 'vitest';
import {
  checkCron,
  checkTimezone,
  decideFire,
  dueDetail,
  inQuietHours,
  localTime,
  nextDue,
  runsOnLocalDay,
  type ScheduleState,
} from './schedules';

const at = (iso: string) => Date.parse(iso);

describe('checkCron', () => {
  it('accepts five fields and nicknames', () => {
    expect(checkCron('0 7 * * *')).toEqual({ ok: true, value: '0 7 * * *' });
    expect(checkCron('  */5   9-17 * * MON-FRI ')).toEqual({ ok: true, value: '*/5 9-17 * * MON-FRI' });
    expect(checkCron('@daily').ok).toBe(true);
  });

  it('refuses a seconds field, saying why', () => {
    const result = checkCron('0 0 7 * * *');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(/minute precision/);
  });

  it('refuses nonsense with croner’s reason', () => {
    const bad = checkCron('61 * * * *');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.message).toMatch(/minute/);
    expect(checkCron('every day').ok).toBe(false);
    expect(checkCron('@sometimes').ok).toBe(false);
  });
});

describe('checkTimezone', () => {
  it('knows IANA zones and refuses others', () => {
    expect(checkTimezone('Europe/Berlin').ok).toBe(true);
    expect(checkTimezone('UTC').ok).toBe(true);
    const bad = checkTimezone('Mars/Olympus');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.message).toMatch(/IANA/);
  });
});

describe('nextDue', () => {
  it('reads the cron in the timezone', () => {
    // 07:00 in Berlin is 06:00 UTC in winter, 05:00 UTC in summer.
    expect(nextDue('0 7 * * *', 'Europe/Berlin', at('2026-12-03T16:00:00Z'))).toBe(at('2026-12-04T06:00:00Z'));
    expect(nextDue('0 7 * * *', 'Europe/Berlin', at('2026-07-03T16:00:00Z'))).toBe(at('2026-07-04T05:00:00Z'));
    expect(nextDue('0 7 * * *', 'UTC', at('2026-12-03T16:00:00Z'))).toBe(at('2026-12-04T07:00:00Z'));
  });

  it('is strictly after the time given', () => {
    expect(nextDue('* * * * *', 'UTC', at('2026-12-03T16:01:00Z'))).toBe(at('2026-12-03T16:02:00Z'));
    expect(nextDue('* * * * *', 'UTC', at('2026-12-03T16:01:00Z') - 1)).toBe(at('2026-12-03T16:01:00Z'));
  });
});

describe('quiet hours', () => {
  const night = { start: '22:00', end: '07:00' };

  it('span midnight in the schedule’s timezone', () => {
    expect(inQuietHours(night, at('2026-12-03T23:30:00Z'), 'UTC')).toBe(true);
    expect(inQuietHours(night, at('2026-12-03T06:59:00Z'), 'UTC')).toBe(true);
    expect(inQuietHours(night, at('2026-12-03T07:00:00Z'), 'UTC')).toBe(false);
    expect(inQuietHours(night, at('2026-12-03T21:59:00Z'), 'UTC')).toBe(false);
    // 21:30 UTC is 22:30 in Berlin (winter).
    expect(inQuietHours(night, at('2026-12-03T21:30:00Z'), 'Europe/Berlin')).toBe(true);
  });

  it('within one day, and none at all', () => {
    expect(inQuietHours({ start: '12:00', end: '13:00' }, at('2026-12-03T12:30:00Z'), 'UTC')).toBe(true);
    expect(inQuietHours({ start: '12:00', end: '13:00' }, at('2026-12-03T13:30:00Z'), 'UTC')).toBe(false);
    expect(inQuietHours(null, at('2026-12-03T12:30:00Z'), 'UTC')).toBe(false);
  });
});

describe('runs per local day', () => {
  it('counts by the local calendar day', () => {
    const times = [at('2026-12-03T22:30:00Z'), at('2026-12-03T23:30:00Z'), at('2026-12-03T10:00:00Z')];
    // In Berlin 23:30 UTC is already 4 December; 22:30 UTC is 23:30 on the 3rd.
    expect(runsOnLocalDay(times, at('2026-12-03T23:45:00Z'), 'Europe/Berlin')).toBe(1);
    expect(runsOnLocalDay(times, at('2026-12-03T23:45:00Z'), 'UTC')).toBe(3);
    expect(localTime(at('2026-12-03T23:30:00Z'), 'Europe/Berlin')).toEqual({ day: '2026-12-04', minuteOfDay: 30 });
  });
});

describe('decideFire', () => {
  const base: ScheduleState = {
    cron: '*/10 * * * *',
    timezone: 'UTC',
    nextRunAt: at('2026-12-03T16:00:00Z'),
    overlap: 'skip',
    quietHours: null,
    maxRunsPerDay: null,
    missed: 'skip',
  };
  const facts = { now: at('2026-12-03T16:00:02Z'), recentRunTimes: [], liveExecutionIds: [] };

  it('creates on time and moves to the next due minute', () => {
    expect(decideFire(base, facts)).toEqual({
      action: 'create',
      dueAt: at('2026-12-03T16:00:00Z'),
      nextRunAt: at('2026-12-03T16:10:00Z'),
      cancel: [],
      reason: null,
    });
  });

  it('skips, queues or cancels while the previous run is live', () => {
    const live = { ...facts, liveExecutionIds: ['ex_1'] };
    expect(decideFire(base, live)).toMatchObject({
      action: 'skip',
      reason: expect.stringMatching(/ex_1.*overlap: skip/),
    });
    expect(decideFire({ ...base, overlap: 'queue' }, live)).toMatchObject({ action: 'create', cancel: [] });
    expect(decideFire({ ...base, overlap: 'cancel-previous' }, live)).toMatchObject({
      action: 'create',
      cancel: ['ex_1'],
    });
  });

  it('skips in quiet hours and over the daily cap', () => {
    expect(decideFire({ ...base, quietHours: { start: '15:00', end: '17:00' } }, facts)).toMatchObject({
      action: 'skip',
      reason: expect.stringMatching(/quiet hours/),
    });
    const twice = { ...facts, recentRunTimes: [at('2026-12-03T15:00:00Z'), at('2026-12-03T15:10:00Z')] };
    expect(decideFire({ ...base, maxRunsPerDay: 2 }, twice)).toMatchObject({ action: 'skip', reason: /2 times today/ });
    expect(decideFire({ ...base, maxRunsPerDay: 3 }, twice)).toMatchObject({ action: 'create' });
  });

  it('after downtime: one run or one skip, then the next due minute from now (no burst)', () => {
    const late = { ...facts, now: at('2026-12-05T09:03:00Z') };
    const skipped = decideFire(base, late);
    expect(skipped).toMatchObject({ action: 'skip', reason: /missed/, dueAt: base.nextRunAt });
    expect(skipped.nextRunAt).toBe(at('2026-12-05T09:10:00Z'));
    const once = decideFire({ ...base, missed: 'run-once' }, late);
    expect(once).toMatchObject({ action: 'create', reason: /run once/ });
    expect(once.nextRunAt).toBe(at('2026-12-05T09:10:00Z'));
  });

  it('a tick a little late is not downtime, and keeps the current minute', () => {
    const everyMinute = { ...base, cron: '* * * * *' };
    const decision = decideFire(everyMinute, { ...facts, now: at('2026-12-03T16:01:10Z') });
    expect(decision).toMatchObject({ action: 'create', reason: null });
    expect(decision.nextRunAt).toBe(at('2026-12-03T16:01:00Z'));
  });

  it('names the due minute in the detail', () => {
    expect(dueDetail('nightly', at('2026-12-03T07:00:00Z'))).toBe('nightly due 2026-12-03T07:00Z');
  });
});
