// Reporting back to GitHub end to end: an execution with `openPullRequest: true` on https://github.com/acme/widgets.git
// (a real runner and Claude Code on the scripted API writing a file) has its branch pushed by the runner with the
// host's git config (a URL rewrite to a bare repository on disk stands in for GitHub's remote) and its pull request
// opened by the control plane (wrangler dev) on the fake GitHub REST API on loopback.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGithub, type FakeGithub } from '../fixtures/fake-github';
import { type Stack, startStack } from '../fixtures/stack';
import { waitFor } from '../fixtures/wait';

const REPO = 'https://github.com/acme/widgets.git';
const TOKEN = 'ghp_e2e-fake-github-token';
const LABEL = 'github-e2e';
let stack: Stack;
let github: FakeGithub;
let dir: string;
let bare: string;

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-C', cwd, '-c', 'user.name=Test', '-c', 'user.email=test@localhost', ...args], {
    encoding: 'utf8',
  }).trim();

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'claudeops-github-e2e-'));
  // "GitHub's" acme/widgets: a bare repository with main, reached through url.<file>.insteadOf in the runner's config.
  const source = path.join(dir, 'source');
  await mkdir(source);
  git(source, 'init', '-q', '-b', 'main');
  await writeFile(path.join(source, 'README.md'), '# widgets\n');
  git(source, 'add', '.');
  git(source, 'commit', '-q', '-m', 'initial');
  bare = path.join(dir, 'remotes', 'acme', 'widgets.git');
  await mkdir(path.dirname(bare), { recursive: true });
  git(dir, 'clone', '-q', '--bare', source, bare);
  const gitconfig = path.join(dir, 'gitconfig');
  await writeFile(gitconfig, `[url "file://${path.join(dir, 'remotes')}/"]\n\tinsteadOf = https://github.com/\n`);

  github = await startFakeGithub({ token: TOKEN, bareRepos: { 'acme/widgets': bare } });
  stack = await startStack({
    controlPlane: {
      secrets: { CLAUDEOPS_GITHUB_TOKEN: TOKEN },
      vars: {
        CLAUDEOPS_GITHUB_API_URL: github.url,
        CLAUDEOPS_DASHBOARD_URL: 'https://dash.example.com',
      },
    },
  });
  await stack.startRunner({
    labels: [LABEL],
    env: { GIT_CONFIG_GLOBAL: gitconfig, CLAUDEOPS_RUNNER_SANDBOX: 'off' },
  });
});

afterAll(async () => {
  await stack?.dispose();
  await github?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('openPullRequest', () => {
  it('pushes the execution branch and opens its pull request on GitHub', async () => {
    const created = await stack.api.createExecution({
      prompt: 'Add a greeting file\n[script:write-file:greeting.txt]',
      repo: REPO,
      labels: [LABEL],
      openPullRequest: true,
    });
    const done = await stack.waitForEnd(created.id);
    expect(done.status).toBe('succeeded');

    // The runner pushed claudeops/<id> with the file Claude Code wrote.
    const branch = `claudeops/${created.id}`;
    const pushed = git(bare, 'rev-parse', `refs/heads/${branch}`);
    expect(git(bare, 'show', `${pushed}:greeting.txt`)).toBe('hello from claudeops');
    const pushEvent = (await stack.api.allEvents(created.id)).find((e) => e.type === 'git.push');
    expect(pushEvent?.data).toEqual({ repo: REPO, branch, commit: pushed, ok: true });

    // The control plane opened the PR on the fake GitHub and stored it on the execution.
    const withPull = await waitFor(
      async () => {
        const execution = await stack.api.getExecution(created.id);
        return execution.pullRequest !== null || execution.report !== null ? execution : undefined;
      },
      { timeoutMs: 30_000, what: 'the pull request to be opened' },
    );
    expect(withPull.report?.pullRequestError ?? null).toBeNull();
    expect(withPull.pullRequest).toEqual({
      repo: 'acme/widgets',
      number: 1,
      url: 'https://github.com/acme/widgets/pull/1',
      branch,
      base: 'main',
    });
    const pulls = github.api.callsTo('POST', /^\/repos\/acme\/widgets\/pulls$/);
    expect(pulls).toHaveLength(1);
    expect(pulls[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(pulls[0]!.body).toMatchObject({ head: branch, base: 'main', title: 'Add a greeting file' });
    expect((pulls[0]!.body as { body: string }).body).toContain(`https://dash.example.com/executions/${created.id}`);
    // No issue to comment on: nothing else was asked of GitHub but the default branch.
    expect(github.api.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'GET /repos/acme/widgets',
      'POST /repos/acme/widgets/pulls',
    ]);
  });

  it('a pull request GitHub refused with a 500 is opened by the cron sweep', async () => {
    github.api.failNext('POST', /^\/repos\/acme\/widgets\/pulls$/, 500);
    const created = await stack.api.createExecution({
      prompt: 'Add another file\n[script:write-file:second.txt]',
      repo: REPO,
      labels: [LABEL],
      openPullRequest: true,
    });
    expect((await stack.waitForEnd(created.id)).status).toBe('succeeded');
    const pending = await waitFor(
      async () => {
        const execution = await stack.api.getExecution(created.id);
        return execution.report?.pullRequestError ? execution : undefined;
      },
      { timeoutMs: 30_000, what: 'the failed first try to be recorded' },
    );
    expect(pending.report?.pullRequestError).toMatch(/\(500\).*; trying again$/);
    expect(pending.pullRequest).toBeNull();

    // The Worker's every-minute cron, run now (wrangler dev's trigger endpoint).
    const cron = await fetch(`${stack.controlPlane.url}/cdn-cgi/local/scheduled`);
    expect(cron.status).toBe(200);
    const opened = await waitFor(
      async () => {
        const execution = await stack.api.getExecution(created.id);
        return execution.pullRequest !== null ? execution : undefined;
      },
      { timeoutMs: 30_000, what: 'the sweep to open the pull request' },
    );
    expect(opened.pullRequest).toMatchObject({ number: 2, branch: `claudeops/${created.id}`, base: 'main' });
    expect(opened.report?.pullRequestError).toBeNull();
    const statuses = github.api.callsTo('POST', /^\/repos\/acme\/widgets\/pulls$/).map((c) => c.status);
    expect(statuses.slice(-2)).toEqual([500, 201]);
  });
});
