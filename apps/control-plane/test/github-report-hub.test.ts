// The ExecutionHub's part in reporting back: once an execution's end is in D1 the hub runs its report in the
// background (here with no GitHub token configured, so the report records why nothing was sent), a later ask (the
// cron sweep) changes nothing, and a lost attempt that will be retried owes nothing.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { sweepOwedReports } from '../src/github/report';
import type { ExecutionEvent } from '../src/protocol';
import {
  connectHubRunner,
  eventually,
  executionRow,
  hubOf,
  resultEvent,
  seedExecution,
  sendBatch,
  statusEvent,
} from './do-support';
import { ISSUE } from './github-report-support';

const pushEvent = (seq: number, branch: string): ExecutionEvent => ({
  seq,
  ts: new Date().toISOString(),
  type: 'git.push',
  data: { repo: 'https://github.com/acme/widgets.git', branch, commit: 'b'.repeat(40), ok: true },
});

describe('the hub and the report', () => {
  it('reports once the end is in D1, and only once', async () => {
    expect(env.CLAUDEOPS_GITHUB_TOKEN).toBeUndefined();
    const id = await seedExecution({
      status: 'assigned',
      reportTo: ISSUE,
      openPullRequest: true,
      repo: 'https://github.com/acme/widgets.git',
    });
    const runner = await connectHubRunner(id);
    await sendBatch(runner, [
      statusEvent(1, 'running'),
      pushEvent(2, `claudeops/${id}`),
      resultEvent(3, 0.01),
      statusEvent(4, 'succeeded'),
    ]);
    const row = await eventually(async () => {
      const current = await executionRow(id);
      expect(current?.reportedAt).toEqual(expect.any(Number));
      return current!;
    });
    expect(row.report).toEqual({
      commentUrl: null,
      commentError: expect.stringMatching(/no GitHub token is configured \(CLAUDEOPS_GITHUB_TOKEN\)/),
      pullRequestError: expect.stringMatching(/no GitHub token is configured/),
    });
    expect(await hubOf(id).report(id)).toBe('none-owed');
    expect((await executionRow(id))?.reportedAt).toBe(row.reportedAt);
  });

  it('owes nothing for a lost attempt with attempts left; the sweep is off without a token', async () => {
    const id = await seedExecution({ status: 'running', startedAt: Date.now(), reportTo: ISSUE, maxAttempts: 2 });
    await hubOf(id).close(id, 'lost', 'runner went quiet; retried as ex_x (attempt 2 of 2)');
    expect(await hubOf(id).report(id)).toBe('none-owed');
    expect((await executionRow(id))?.reportedAt).toBeNull();
    await sweepOwedReports(env);
    expect((await executionRow(id))?.report).toBeNull();
  });
});
