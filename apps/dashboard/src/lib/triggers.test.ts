// The trigger badge's label, title and link for each kind, and the trigger filter in the executions list's URL.
import { describe, expect, it } from 'vitest';
import { filtersFromQuery, filtersToQuery } from './execution-list';
import { parseTriggerKind, triggerDescription, triggerHref, triggerLabel } from './triggers';

describe('trigger badge', () => {
  it('links a schedule to /schedules, a webhook to its page, a follow-up and a retry to the execution they continue', () => {
    expect(triggerHref({ kind: 'schedule', id: 'sch_1', detail: 'due 2026-12-03T07:00Z' })).toBe('/schedules');
    expect(triggerHref({ kind: 'webhook', id: 'wh_1' })).toBe('/webhooks/wh_1');
    expect(triggerHref({ kind: 'followup', id: 'ex_1' })).toBe('/executions/ex_1');
    expect(triggerHref({ kind: 'retry', id: 'ex_2' })).toBe('/executions/ex_2');
    expect(triggerHref({ kind: 'api' })).toBeNull();
    expect(triggerHref({ kind: 'mcp' })).toBeNull();
    expect(triggerHref({ kind: 'webhook' })).toBeNull();
  });

  it('names the kind and says the detail', () => {
    expect(triggerLabel('followup')).toBe('Follow-up');
    expect(triggerDescription({ kind: 'webhook', id: 'wh_1', detail: 'github issues.labeled #12 by octocat' })).toBe(
      'Started by webhook: github issues.labeled #12 by octocat',
    );
    expect(triggerDescription({ kind: 'followup', id: 'ex_1' })).toBe('Started by follow-up of ex_1');
    expect(triggerDescription({ kind: 'mcp' })).toBe('Started by MCP');
  });

  it('reads only known kinds from a query', () => {
    expect(parseTriggerKind('schedule')).toBe('schedule');
    expect(parseTriggerKind('cron')).toBeUndefined();
    expect(parseTriggerKind(null)).toBeUndefined();
  });
});

describe('trigger filter in the URL', () => {
  it('round-trips trigger and triggerId, and ignores an unknown kind', () => {
    const query = filtersToQuery({ status: 'failed', trigger: 'webhook', triggerId: 'wh_1' });
    expect(query).toBe('?status=failed&trigger=webhook&triggerId=wh_1');
    expect(filtersFromQuery(new URLSearchParams(query))).toEqual({
      status: 'failed',
      trigger: 'webhook',
      triggerId: 'wh_1',
    });
    expect(filtersFromQuery(new URLSearchParams('trigger=nope'))).toEqual({});
  });

  it('keeps other parameters but replaces an old trigger', () => {
    expect(filtersToQuery({ trigger: 'schedule' }, new URLSearchParams('trigger=api&new=bug-fixer'))).toBe(
      '?trigger=schedule&new=bug-fixer',
    );
  });
});
