// A webhook-started run end to end: a signed GitHub `issues` labeled delivery to POST /hooks/:id (wrangler dev) makes
// the built-in rule start bug-fixer on https://github.com/acme/widgets.git (a URL rewrite to a bare repository on
// disk), a real runner runs the real Claude Code on the scripted API confined in bubblewrap, and the control plane
// comments the result back on the issue on the fake GitHub REST API. A replay of the same delivery starts nothing.
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findExecutable, probeBubblewrap } from '../../apps/runner/src/sandbox/probe';
import { startFakeGithub, type FakeGithub } from '../fixtures/fake-github';
import { type Stack, startStack } from '../fixtures/stack';
import { waitFor } from '../fixtures/wait';

const TOKEN = 'ghp_e2e-webhook-fake-github-token';
const DASHBOARD = 'https://dash.example.com';

const bwrap = await findExecutable('bwrap', process.env.PATH);
const probe = bwrap ? await probeBubblewrap(bwrap) : { ok: false, reason: 'bwrap is not on PATH' };
if (!probe.ok)
  console.warn(`webhook-sandbox: skipped, bubblewrap is unusable here (${'reason' in probe ? probe.reason : '?'})`);

let stack: Stack;
let github: FakeGithub;
let dir: string;

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-C', cwd, '-c', 'user.name=Test', '-c', 'user.email=test@localhost', ...args], {
    encoding: 'utf8',
  }).trim();

/** GitHub's `issues` labeled payload (the documented shape, trimmed) for acme/widgets#7. */
const labeled = {
  action: 'labeled',
  issue: {
    url: 'https://api.github.com/repos/acme/widgets/issues/7',
    html_url: 'https://github.com/acme/widgets/issues/7',
    number: 7,
    title: 'sum(2, 3) returns -1, not 5',
    body: 'The sum helper subtracts. [script:bug-fix]',
    user: { login: 'octo', id: 1, type: 'User' },
    labels: [{ id: 1, name: 'claudeops', color: 'd73a4a', default: false }],
    state: 'open',
    author_association: 'OWNER',
  },
  label: { id: 1, name: 'claudeops', color: 'd73a4a', default: false },
  repository: {
    id: 42,
    name: 'widgets',
    full_name: 'acme/widgets',
    private: false,
    owner: { login: 'acme', id: 2, type: 'Organization' },
    html_url: 'https://github.com/acme/widgets',
    clone_url: 'https://github.com/acme/widgets.git',
    default_branch: 'main',
  },
  sender: { login: 'octo', id: 1, type: 'User' },
};

describe.skipIf(!probe.ok)('a webhook-started execution', () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'claudeops-webhook-e2e-'));
    const source = path.join(dir, 'source');
    await mkdir(source);
    git(source, 'init', '-q', '-b', 'main');
    await writeFile(path.join(source, 'sum.js'), 'module.exports = (a, b) => a - b;\n');
    await writeFile(
      path.join(source, 'test.js'),
      "const sum = require('./sum');\nif (sum(2, 3) !== 5) { console.error('FAIL'); process.exit(1); }\nconsole.log('PASS');\n",
    );
    await writeFile(
      path.join(source, 'package.json'),
      JSON.stringify({ name: 'widgets', version: '1.0.0', scripts: { test: 'node test.js' } }),
    );
    git(source, 'add', '.');
    git(source, 'commit', '-q', '-m', 'initial');
    const bare = path.join(dir, 'remotes', 'acme', 'widgets.git');
    await mkdir(path.dirname(bare), { recursive: true });
    git(dir, 'clone', '-q', '--bare', source, bare);
    const gitconfig = path.join(dir, 'gitconfig');
    await writeFile(gitconfig, `[url "file://${path.join(dir, 'remotes')}/"]\n\tinsteadOf = https://github.com/\n`);

    github = await startFakeGithub({ token: TOKEN, bareRepos: { 'acme/widgets': bare } });
    stack = await startStack({
      controlPlane: {
        secrets: { CLAUDEOPS_GITHUB_TOKEN: TOKEN },
        vars: { CLAUDEOPS_GITHUB_API_URL: github.url, CLAUDEOPS_DASHBOARD_URL: DASHBOARD },
      },
    });
    // The default sandbox: bubblewrap, where the probe says it works.
    await stack.startRunner({ env: { GIT_CONFIG_GLOBAL: gitconfig } });
  });

  afterAll(async () => {
    await stack?.dispose();
    await github?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs bug-fixer confined from a signed issues.labeled delivery and comments the result on the issue', async () => {
    const hook = await stack.api.json<{ id: string; secret: string; endpoint?: string }>('POST', '/api/v1/webhooks', {
      name: 'acme-widgets',
      kind: 'github',
    });
    const body = JSON.stringify(labeled);
    const send = async () =>
      fetch(`${stack.controlPlane.url}/hooks/${hook.id}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'issues',
          'x-github-delivery': 'e2e-delivery-1',
          'x-hub-signature-256': `sha256=${createHmac('sha256', hook.secret).update(body).digest('hex')}`,
        },
        body,
      });

    const first = await send();
    expect(first.status).toBe(201);
    const answer = (await first.json()) as { outcome: string; executionId: string };
    expect(answer.outcome).toBe('created');

    const started = await stack.api.getExecution(answer.executionId);
    expect(started.trigger).toMatchObject({ kind: 'webhook', id: hook.id });
    expect(started.trigger.detail).toContain('acme/widgets#7');
    expect(started.reportTo).toEqual({ repo: 'acme/widgets', number: 7, kind: 'issue' });

    // The same delivery again: a duplicate, and no second execution.
    const replay = await send();
    expect(replay.status).toBe(200);
    expect(await replay.json()).toMatchObject({ outcome: 'duplicate', duplicate: true });

    const done = await stack.waitForEnd(answer.executionId);
    expect(done.status).toBe('succeeded');
    expect(done.sandbox).toBe('bubblewrap');
    // bug-fixer really fixed the bug in the clone of acme/widgets (and its tests ran inside the sandbox).
    const patch = await (await stack.api.request('GET', `/api/v1/executions/${answer.executionId}/patch`)).text();
    expect(patch).toContain('+module.exports = (a, b) => a + b;');

    const reported = await waitFor(
      async () => {
        const execution = await stack.api.getExecution(answer.executionId);
        return execution.report?.commentUrl ? execution : undefined;
      },
      { timeoutMs: 30_000, what: 'the comment on the issue' },
    );
    expect(reported.report?.commentUrl).toMatch(/^https:\/\/github\.com\/acme\/widgets\/issues\/7#issuecomment-\d+$/);
    const comments = github.api.callsTo('POST', /^\/repos\/acme\/widgets\/issues\/7\/comments$/);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    const text = (comments[0]!.body as { body: string }).body;
    expect(text).toMatch(/succeeded/i);
    expect(text).toContain(done.result?.text?.trim().slice(0, 40) ?? '');
    expect(text).toContain(`${DASHBOARD}/executions/${answer.executionId}`);

    const { items } = await stack.api.json<{ items: Array<{ id: string }> }>(
      'GET',
      `/api/v1/executions?trigger=webhook&triggerId=${hook.id}`,
    );
    expect(items.map((e) => e.id)).toEqual([answer.executionId]);
  });
});
