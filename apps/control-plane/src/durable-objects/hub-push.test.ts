import { describe, expect, it } from 'vitest';
import type { ExecutionEvent } from '../protocol/events';
import type { HubMeta } from './hub-log';
import { pushesOf } from './hub-push';

const meta: HubMeta = {
  executionId: 'ex_01m8zzzzzzzzzzzzzzzzzzzzzz',
  status: 'running',
  statusReason: null,
  startedAt: 1,
  finishedAt: null,
  result: null,
  cancel: null,
  synced: 0,
};
const status = (seq: number, data: Extract<ExecutionEvent, { type: 'status' }>['data']): ExecutionEvent => ({
  seq,
  ts: '2026-12-04T00:00:00.000Z',
  type: 'status',
  data,
});

describe('pushesOf', () => {
  it('notifies (topic attention) when a run stops for a person: a breakpoint, a budget pause, a review to give', () => {
    const pushes = pushesOf(
      meta,
      [
        status(1, {
          status: 'paused',
          pausedReason: 'breakpoint',
          reason: 'breakpoint onTool Bash(git push:*): Bash git push',
        }),
        status(2, { status: 'paused', pausedReason: 'budget', reason: 'budget global: hard limit $5.00 reached' }),
        status(3, { status: 'needs_review', reason: 'check `npm test` exited 1' }),
      ],
      false,
    );
    expect(pushes.map((p) => [p.topic, p.title, p.body])).toEqual([
      ['attention', 'Paused at a breakpoint', 'breakpoint onTool Bash(git push:*): Bash git push'],
      ['attention', 'Paused: budget limit reached', 'budget global: hard limit $5.00 reached'],
      ['attention', 'Review needed', 'check `npm test` exited 1'],
    ]);
    expect(pushes[0]!.url).toBe(`/executions/${meta.executionId}`);
  });

  it('does not notify a person of their own pause, nor of a rate limit that resumes by itself', () => {
    const events = [
      status(1, { status: 'paused', pausedReason: 'user', reason: 'paused by admin' }),
      status(2, { status: 'paused', pausedReason: 'rate_limited', resumeAt: '2026-12-04T00:01:00.000Z' }),
      status(3, { status: 'running' }),
    ];
    expect(pushesOf(meta, events, false)).toEqual([]);
  });
});
