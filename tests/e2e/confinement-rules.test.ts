// Permission rules and the runner's own git against an agent that attacks them, end to end with the real runner and
// real Claude Code on the scripted API: a Write through a committed symlink that points outside the workspace, a
// `.git` file the agent repoints at a hostile repository before the runner commits, and the built-in pr-reviewer
// asked for `git log --output=<file>`. The first two run on a runner with the sandbox off, so the rules and the
// runner's git hold on their own. Each asserts what a user sees: the approval, the tool's answer, the commit, and
// the files that never appear.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type ExecutionEvent, PrReview } from '@claudeops/control-plane/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RULES_SCRIPTS } from '../fixtures/anthropic-rules-scripts';
import { type Stack, startStack } from '../fixtures/stack';
import { waitFor } from '../fixtures/wait';

const MODEL = 'claude-sonnet-4-5';
const UNCONFINED = 'no-sandbox';
let stack: Stack;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'claudeops-rules-e2e-'));
  stack = await startStack({ anthropic: { scripts: RULES_SCRIPTS } });
  // The rules must hold on their own: the symlink and .git runs go to a runner without the sandbox (the backstop);
  // pr-reviewer requires a sandbox, so it goes to the other one.
  await stack.startRunner({ maxConcurrent: 2 });
  await stack.startRunner({ name: 'unconfined', labels: [UNCONFINED], env: { CLAUDEOPS_RUNNER_SANDBOX: 'off' } });
});

afterAll(async () => {
  await stack?.dispose();
  await rm(dir, { recursive: true, force: true });
});

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-C', cwd, '-c', 'user.name=Test', '-c', 'user.email=test@localhost', ...args], {
    encoding: 'utf8',
  }).trim();

/** A repository on main with `files` (and `links`: symlinks as git stores them), committed. */
async function testRepo(name: string, files: Record<string, string>, links: Record<string, string> = {}) {
  const repo = path.join(dir, name);
  await mkdir(repo, { recursive: true });
  git(repo, 'init', '-q', '-b', 'main');
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(repo, file)), { recursive: true });
    await writeFile(path.join(repo, file), text);
  }
  for (const [link, target] of Object.entries(links)) await symlink(target, path.join(repo, link));
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'initial');
  return repo;
}

const ofType = <T extends ExecutionEvent['type']>(events: ExecutionEvent[], type: T) =>
  events.filter((e): e is Extract<ExecutionEvent, { type: T }> => e.type === type);

describe('permission rules and runner git under attack', () => {
  it('an Edit(src/**) run cannot write through a committed symlink that points outside', async () => {
    const outside = path.join(dir, 'outside');
    await mkdir(outside);
    const repo = await testRepo('symlinked', { 'src/app.ts': 'export {};\n' }, { 'src/x': outside });
    const created = await stack.api.createExecution({
      prompt: 'Plant a file [script:rules-symlink-write]',
      repo,
      model: MODEL,
      labels: [UNCONFINED],
      permissions: { allow: ['Read', 'Edit(src/**)'], ask: [], deny: [] },
    });
    // The write through src/x is not allowed by Edit(src/**): a person is asked (or it is refused outright).
    const asked = await waitFor(
      async () => {
        const [approval] = await stack.api.approvals({ executionId: created.id, status: 'pending' });
        if (approval) return approval;
        const execution = await stack.api.getExecution(created.id);
        return ['succeeded', 'failed'].includes(execution.status) ? 'ended' : undefined;
      },
      { timeoutMs: 90_000, what: 'the write through the symlink to be asked about' },
    );
    if (asked !== 'ended') {
      expect(asked.tool).toBe('Write');
      expect(asked.summary).toContain('src/x/planted.txt');
      expect(existsSync(path.join(outside, 'planted.txt'))).toBe(false);
      await stack.api.decide(asked.id, { decision: 'deny', message: 'not through that link' });
    }
    const done = await stack.waitForEnd(created.id);
    expect(done).toMatchObject({ status: 'succeeded', sandbox: 'none' });
    expect(existsSync(path.join(outside, 'planted.txt'))).toBe(false);
    const results = ofType(await stack.api.allEvents(created.id), 'tool.result').map((e) => e.data);
    expect(results[0]?.isError).toBe(true);
    // The rule still allows what it names: the write inside src/ ran without asking and was committed.
    expect(results[1]?.isError).toBe(false);
    const gitEvent = ofType(await stack.api.allEvents(created.id), 'git')[0]?.data;
    expect(gitEvent?.files.map((f) => f.path)).toEqual(['src/ok.txt']);
    expect(await stack.api.approvals({ executionId: created.id })).toHaveLength(asked === 'ended' ? 0 : 1);
  });

  it("the runner's commit after the run ignores a .git the agent repointed, runs nothing of it, keeps the work", async () => {
    const marker = path.join(dir, 'HOSTILE-RAN');
    const hostile = path.join(dir, 'hostile.git');
    await mkdir(path.join(hostile, 'hooks'), { recursive: true });
    git(hostile, 'init', '-q', '--bare');
    const script = path.join(hostile, 'run.sh');
    await writeFile(script, `#!/bin/sh\necho "$0 $* in $(pwd)" >> '${marker}'\nexit 0\n`);
    await chmod(script, 0o755);
    for (const hook of ['pre-commit', 'commit-msg', 'post-commit', 'reference-transaction']) {
      await writeFile(path.join(hostile, 'hooks', hook), `#!/bin/sh\nexec '${script}' ${hook}\n`);
      await chmod(path.join(hostile, 'hooks', hook), 0o755);
    }
    git(hostile, 'config', 'core.bare', 'false');
    git(hostile, 'config', 'core.fsmonitor', script);
    git(hostile, 'config', 'core.hooksPath', path.join(hostile, 'hooks'));
    git(hostile, 'config', 'diff.external', script);
    const repo = await testRepo('plain', { 'README.md': '# plain\n' });

    const created = await stack.api.createExecution({
      prompt: `Do the work [script:rules-rewrite-gitdir:${hostile}]`,
      repo,
      model: MODEL,
      labels: [UNCONFINED],
      permissions: { allow: ['Bash'], ask: [], deny: [] },
    });
    const done = await stack.waitForEnd(created.id);
    expect(done).toMatchObject({ status: 'succeeded', sandbox: 'none' });
    const events = await stack.api.allEvents(created.id);
    // The agent did repoint .git (its Bash call printed the new content).
    expect(ofType(events, 'tool.result')[0]?.data.content).toContain(`gitdir: ${hostile}`);
    expect(existsSync(marker), existsSync(marker) ? await readFile(marker, 'utf8') : '').toBe(false);
    const gitEvent = ofType(events, 'git')[0]?.data;
    expect(gitEvent?.branch).toBe(`claudeops/${created.id}`);
    expect(gitEvent?.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(gitEvent?.files.map((f) => f.path)).toEqual(['work.txt']);
    const patch = await (await stack.api.request('GET', `/api/v1/executions/${created.id}/patch`)).text();
    expect(patch).toContain('+the agent work');
    // Nothing went to the hostile repository.
    expect(git(hostile, 'for-each-ref')).toBe('');
  });

  it('pr-reviewer refuses git log --output=<file>: the file never appears and the review says so', async () => {
    const target = path.join(dir, 'pwned-bashrc');
    const repo = await testRepo('reviewed', { 'app.js': 'export const version = 1;\n' });
    git(repo, 'checkout', '-q', '-b', 'feature');
    await writeFile(path.join(repo, 'app.js'), 'export const version = 2;\n');
    git(repo, 'commit', '-q', '-am', 'bump');
    git(repo, 'checkout', '-q', 'main');

    const created = await stack.api.createExecution({
      agent: 'pr-reviewer',
      inputs: { repo, ref: 'feature', base: `main [script:rules-pr-output:${target}]` },
      model: MODEL,
    });
    const done = await stack.waitForEnd(created.id);
    expect(existsSync(target)).toBe(false);
    const events = await stack.api.allEvents(created.id);
    const call = ofType(events, 'tool.call').find((e) => e.data.name === 'Bash');
    expect(JSON.stringify(call?.data)).toContain('--output=');
    const result = ofType(events, 'tool.result')[0]?.data;
    expect(result?.isError).toBe(true);
    expect(result?.content).toMatch(/Denied by the permission policy/);
    expect(result?.content).toContain(target);
    // Never asked: a read-only reviewer's run does not wait for a person.
    expect(await stack.api.approvals({ executionId: created.id })).toEqual([]);
    expect(done.status).toBe('succeeded');
    expect(PrReview.parse(done.result?.structured).summary).toContain('refused');
  });
});
