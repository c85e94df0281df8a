// Reporting back to GitHub when an execution ends: the comment's text, exactly once (a 500 retried, never twice, not
// for a lost attempt that is retried), the pull request's request shapes, and every failure recorded on the
// execution. Against the fake GitHub REST API in-process (tests/fixtures/fake-github-api.ts).
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createDb } from '../src/db/client';
import { owedReportIds } from '../src/db/queries/reports';
import { Execution } from '../src/protocol';
import { api, expectError } from './api-support';
import { EXECUTIONS } from './attempts-support';
import { endedExecution, fakeGithub, ISSUE, reload, report, TOKEN } from './github-report-support';

const COMMENTS = /^\/repos\/acme\/widgets\/issues\/12\/comments$/;
const PULLS = /^\/repos\/acme\/widgets\/pulls$/;
const push = (id: string, ok = true) => ({
  repo: 'https://ghe.example.com/acme/widgets.git',
  branch: `claudeops/${id}`,
  commit: ok ? 'a'.repeat(40) : null,
  ok,
  ...(ok ? {} : { error: 'git push failed: remote: Permission to acme/widgets.git denied' }),
});
const owed = async () => owedReportIds(createDb(env.DB), Date.now() - 3_600_000, 500);

describe('the comment when a webhook-started execution ends', () => {
  it('says the result, reason, cost, turns, the result text and links to the execution, once', async () => {
    const github = fakeGithub();
    const row = await endedExecution('failed', { reason: 'Claude Code hit maxTurns (7)', text: 'Half done: ```x```' });
    expect(await owed()).toContain(row.id);

    expect(await report(row.id, github)).toBe('reported');
    const [call] = github.callsTo('POST', COMMENTS);
    expect(call!.headers).toMatchObject({
      authorization: `Bearer ${TOKEN}`,
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
    });
    expect(call!.headers['user-agent']).toMatch(/ClaudeOps/);
    const body = (call!.body as { body: string }).body;
    expect(body).toContain('ClaudeOps execution failed');
    expect(body).toContain('**Reason:** Claude Code hit maxTurns (7)');
    expect(body).toContain('**Cost:** $0.1234');
    expect(body).toContain('**Turns:** 7');
    expect(body).toContain('Half done: ```x```');
    expect(body).not.toMatch(/^```text$/m); // a fence longer than the text's own backticks
    expect(body).toContain(`(https://dash.example.com/executions/${row.id})`);

    const after = await reload(row.id);
    expect(after!.report).toEqual({
      commentUrl: expect.stringMatching(/^https:\/\/ghe\.example\.com\/acme\/widgets\/issues\/12#issuecomment-\d+$/),
      commentError: null,
      pullRequestError: null,
    });
    expect(after!.reportedAt).not.toBeNull();
    expect(await owed()).not.toContain(row.id);

    // Asked again (the cron sweep, a second end hook): nothing more is posted.
    expect(await report(row.id, github)).toBe('none-owed');
    expect(github.callsTo('POST', COMMENTS)).toHaveLength(1);

    // The API shows how it went.
    const shown = Execution.parse(await (await api(`${EXECUTIONS}/${row.id}`)).json());
    expect(shown.report?.commentUrl).toBe(after!.report!.commentUrl);
    expect(shown.reportTo).toEqual(ISSUE);
  });

  it('is retried after a 500 and after a rate limit once its Retry-After has passed, and posted once', async () => {
    const github = fakeGithub();
    const row = await endedExecution('succeeded');
    github.failNext('POST', COMMENTS, 500);
    expect(await report(row.id, github)).toBe('retry-later');
    let now = await reload(row.id);
    expect(now!.reportedAt).toBeNull();
    expect(now!.report?.commentError).toMatch(/500.*trying again$/);
    expect(await owed()).toContain(row.id);

    github.failNext('POST', COMMENTS, 403, 1, { 'x-ratelimit-remaining': '0', 'retry-after': '30' });
    expect(await report(row.id, github)).toBe('retry-later');
    expect((await reload(row.id))!.report?.commentError).toMatch(/rate limited.*trying again after \S+Z$/);
    // Nothing is sent before the Retry-After has passed.
    expect(await report(row.id, github)).toBe('retry-later');
    expect(github.callsTo('POST', COMMENTS)).toHaveLength(2);

    expect(await report(row.id, github, null, {}, Date.now() + 31_000)).toBe('reported');
    now = await reload(row.id);
    expect(now!.report).toMatchObject({ commentUrl: expect.any(String), commentError: null });
    expect(github.callsTo('POST', COMMENTS).filter((c) => c.status === 201)).toHaveLength(1);
    expect((github.callsTo('POST', COMMENTS)[2]!.body as { body: string }).body).toContain('succeeded');
  });

  it('is not posted for a lost attempt that is retried; the last attempt reports, even lost', async () => {
    const github = fakeGithub();
    const retried = await endedExecution('lost', { reason: 'runner went quiet; retried as ex_next (attempt 2 of 2)' });
    expect(await report(retried.id, github)).toBe('none-owed');
    expect(await owed()).not.toContain(retried.id);
    expect((await reload(retried.id))!.reportedAt).toBeNull();

    const last = await endedExecution('lost', { attempt: 2, reason: 'runner went quiet; not retried' });
    expect(await report(last.id, github)).toBe('reported');
    const body = (github.callsTo('POST', COMMENTS)[0]!.body as { body: string }).body;
    expect(body).toContain('was lost');
    expect(body).toContain('**Attempt:** 2');
    expect(body).toContain('**Turns:** unknown');
    expect(github.calls).toHaveLength(1);
  });

  it('gives up on a refusal (bad token) and records why; without a token nothing is sent', async () => {
    const github = fakeGithub();
    const row = await endedExecution('cancelled');
    expect(await report(row.id, github, null, { CLAUDEOPS_GITHUB_TOKEN: 'ghp_wrong' })).toBe('reported');
    const after = await reload(row.id);
    expect(after!.report?.commentError).toMatch(/failed \(401\): Bad credentials$/);
    expect(after!.reportedAt).not.toBeNull();

    const quiet = await endedExecution('succeeded');
    const none = fakeGithub();
    expect(await report(quiet.id, none, null, { CLAUDEOPS_GITHUB_TOKEN: '' })).toBe('reported');
    expect(none.calls).toEqual([]);
    expect((await reload(quiet.id))!.report?.commentError).toMatch(/no GitHub token is configured/);
  });
});

describe('the pull request of an execution with openPullRequest: true', () => {
  const body = { repo: 'https://ghe.example.com/acme/widgets.git', openPullRequest: true };

  it('is opened from the pushed branch onto the default branch, and the comment links it', async () => {
    const row = await endedExecution('succeeded', { body });
    const github = fakeGithub(['main', `claudeops/${row.id}`]);
    expect(await report(row.id, github, push(row.id))).toBe('reported');

    expect(github.callsTo('GET', /^\/repos\/acme\/widgets$/)).toHaveLength(1);
    const [pull] = github.callsTo('POST', PULLS);
    expect(pull!.body).toEqual({
      title: 'Fix the flaky test',
      head: `claudeops/${row.id}`,
      base: 'main',
      body: expect.stringContaining('Fixed the race in widget_test.ts'),
    });
    expect((pull!.body as { body: string }).body).toContain(`https://dash.example.com/executions/${row.id}`);
    const after = await reload(row.id);
    expect(after!.pullRequest).toEqual({
      repo: 'acme/widgets',
      number: 1,
      url: 'https://ghe.example.com/acme/widgets/pull/1',
      branch: `claudeops/${row.id}`,
      base: 'main',
    });
    const comment = (github.callsTo('POST', COMMENTS)[0]!.body as { body: string }).body;
    expect(comment).toContain('**Pull request:** https://ghe.example.com/acme/widgets/pull/1');
  });

  it('uses the execution ref as base, and is opened without any issue to comment on', async () => {
    const row = await endedExecution('succeeded', { body: { ...body, ref: 'release' }, reportTo: null });
    const github = fakeGithub(['release', `claudeops/${row.id}`]);
    expect(await report(row.id, github, push(row.id))).toBe('reported');
    expect(github.callsTo('GET', /./)).toEqual([]);
    expect(github.callsTo('POST', PULLS)[0]!.body).toMatchObject({ base: 'release' });
    expect(github.callsTo('POST', COMMENTS)).toEqual([]);
    expect((await reload(row.id))!.pullRequest?.base).toBe('release');
  });

  it('records why it was not opened: GitHub 422, a failed push, an unknown repository; the comment says so', async () => {
    const refused = await endedExecution('succeeded', { body });
    let github = fakeGithub(['main']); // the branch never reached the remote
    expect(await report(refused.id, github, push(refused.id))).toBe('reported');
    let after = await reload(refused.id);
    expect(after!.pullRequest).toBeNull();
    expect(after!.report?.pullRequestError).toMatch(/failed \(422\): Validation Failed: head invalid$/);
    const comment = (github.callsTo('POST', COMMENTS)[0]!.body as { body: string }).body;
    expect(comment).toContain('**Pull request not opened:**');

    const unpushed = await endedExecution('succeeded', { body });
    github = fakeGithub();
    await report(unpushed.id, github, push(unpushed.id, false));
    after = await reload(unpushed.id);
    expect(after!.report?.pullRequestError).toMatch(/could not push claudeops\/.*Permission .* denied/);
    expect(github.callsTo('POST', PULLS)).toEqual([]);

    const elsewhere = await endedExecution('succeeded', {
      body: { ...body, repo: 'https://gitlab.com/acme/widgets.git' },
      reportTo: null,
    });
    await report(elsewhere.id, fakeGithub(), push(elsewhere.id));
    expect((await reload(elsewhere.id))!.report?.pullRequestError).toMatch(
      /cannot tell which GitHub repository https:\/\/gitlab\.com\/acme\/widgets\.git is/,
    );
  });

  it('waits for GitHub after a 500 (the comment waits too), then opens one pull request', async () => {
    const row = await endedExecution('succeeded', { body });
    const github = fakeGithub(['main', `claudeops/${row.id}`]);
    github.failNext('POST', PULLS, 502);
    expect(await report(row.id, github, push(row.id))).toBe('retry-later');
    expect((await reload(row.id))!.report?.pullRequestError).toMatch(/502.*trying again$/);
    expect(github.callsTo('POST', COMMENTS)).toEqual([]);

    expect(await report(row.id, github, push(row.id))).toBe('reported');
    expect(github.callsTo('POST', PULLS).filter((c) => c.status === 201)).toHaveLength(1);
    const after = await reload(row.id);
    expect(after!.report).toMatchObject({ pullRequestError: null, commentUrl: expect.any(String) });
    expect(after!.pullRequest?.number).toBe(1);
  });

  it('is refused at creation without a repo', async () => {
    const response = await api(EXECUTIONS, { method: 'POST', body: { prompt: 'p', openPullRequest: true } });
    await expectError(response, 400, 'BAD_REQUEST', /openPullRequest: true` needs a `repo`/);
  });
});
