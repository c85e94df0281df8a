// The built-in agent templates end to end, each with the real runner and real Claude Code on the scripted API:
// code-task (an approval on the way), bug-fixer (fix, tests, commit), pr-reviewer (a schema-valid review of a real
// diff), system-health-reporter (a report with this machine's numbers, and without model credentials); plus input
// validation and a standing grant remembered on a template.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type ExecutionEvent, HealthReport, PrReview } from '@claudeops/control-plane/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../fixtures/api-client';
import { type Stack, startStack } from '../fixtures/stack';
import { waitFor } from '../fixtures/wait';

const MODEL = 'claude-sonnet-4-5';
let stack: Stack;
const dirs: string[] = [];

beforeAll(async () => {
  stack = await startStack();
  await stack.startRunner({ maxConcurrent: 2 });
});

afterAll(async () => {
  await stack?.dispose();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** A git repository on main with `files`, committed; returns its path and a git helper. */
async function testRepo(files: Record<string, string>) {
  const repo = await mkdtemp(path.join(os.tmpdir(), 'claudeops-template-repo-'));
  dirs.push(repo);
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', repo, '-c', 'user.name=Test', '-c', 'user.email=test@localhost', ...args], {
      encoding: 'utf8',
    }).trim();
  git('init', '-q', '-b', 'main');
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(repo, name), text);
  git('add', '.');
  git('commit', '-q', '-m', 'initial');
  return { repo, git };
}

const ofType = <T extends ExecutionEvent['type']>(events: ExecutionEvent[], type: T) =>
  events.filter((e): e is Extract<ExecutionEvent, { type: T }> => e.type === type);

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe('built-in agent templates', () => {
  it('lists the four built-ins with their inputs', async () => {
    const { items } = await stack.api.json<{ items: Array<{ name: string; inputs: string[]; builtin: boolean }> }>(
      'GET',
      '/api/v1/agents',
    );
    const byName = Object.fromEntries(items.map((a) => [a.name, a]));
    expect(byName['code-task']).toMatchObject({ builtin: true, inputs: expect.arrayContaining(['task']) });
    expect(byName['bug-fixer']).toMatchObject({ builtin: true, inputs: expect.arrayContaining(['issue', 'repo']) });
    expect(byName['pr-reviewer']).toMatchObject({ builtin: true, inputs: expect.arrayContaining(['repo', 'ref']) });
    expect(byName['system-health-reporter']).toMatchObject({ builtin: true, inputs: [] });
  });

  it('names the missing input, and refuses an unknown template', async () => {
    const missing = await rejection(stack.api.createExecution({ agent: 'bug-fixer', inputs: { issue: 'it breaks' } }));
    expect(missing.status).toBe(400);
    expect(JSON.stringify(missing.body)).toContain('repo');
    const unknown = await rejection(stack.api.createExecution({ agent: 'no-such-agent', inputs: {} }));
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body)).toContain('no-such-agent');
  });

  it('code-task: runs the task in a worktree, asking before a shell command its policy does not allow', async () => {
    const { repo } = await testRepo({ 'README.md': '# code task\n' });
    const created = await stack.api.createExecution({
      agent: 'code-task',
      inputs: { task: 'Add a greeting file [script:write-file:greeting.txt]', repo },
      model: MODEL,
    });
    expect(created).toMatchObject({ agent: 'code-task', repo });
    const approval = await waitFor(
      async () => (await stack.api.approvals({ executionId: created.id, status: 'pending' }))[0],
      { timeoutMs: 60_000, what: 'the Bash approval' },
    );
    expect(approval.tool).toBe('Bash');
    expect(approval.summary).toContain("echo 'hello from claudeops' > greeting.txt");
    await stack.api.decide(approval.id, { decision: 'allow' });
    const done = await stack.waitForEnd(created.id);
    expect(done.status).toBe('succeeded');
    const git = ofType(await stack.api.allEvents(created.id), 'git')[0]?.data;
    expect(git?.files.map((f) => f.path)).toEqual(['greeting.txt']);
    expect(git?.commit).toMatch(/^[0-9a-f]{40}$/);
  });

  it('bug-fixer: fixes the bug, runs the tests without asking, and commits the fix', async () => {
    const { repo } = await testRepo({
      'sum.js': 'module.exports = (a, b) => a - b;\n',
      'test.js':
        "const sum = require('./sum');\nif (sum(2, 3) !== 5) { console.error('FAIL'); process.exit(1); }\nconsole.log('PASS');\n",
      'package.json': JSON.stringify({ name: 'buggy', version: '1.0.0', scripts: { test: 'node test.js' } }),
    });
    const created = await stack.api.createExecution({
      agent: 'bug-fixer',
      inputs: { issue: 'sum(2, 3) returns -1, not 5 [script:bug-fix]', repo },
      model: MODEL,
    });
    const done = await stack.waitForEnd(created.id);
    expect(done.status).toBe('succeeded');
    expect(await stack.api.approvals({ executionId: created.id })).toEqual([]);
    const events = await stack.api.allEvents(created.id);
    const testRun = ofType(events, 'tool.result').at(-1)?.data;
    expect(testRun?.isError).toBe(false);
    expect(testRun?.content).toContain('PASS');
    const git = ofType(events, 'git')[0]?.data;
    expect(git?.files).toEqual([expect.objectContaining({ path: 'sum.js', insertions: 1, deletions: 1 })]);
    const patch = await (await stack.api.request('GET', `/api/v1/executions/${created.id}/patch`)).text();
    expect(patch).toContain('+module.exports = (a, b) => a + b;');
  });

  it('pr-reviewer: returns a schema-valid review of the real diff, read-only', async () => {
    const { repo, git } = await testRepo({ 'app.js': 'export const version = 1;\n' });
    git('checkout', '-q', '-b', 'feature');
    await writeFile(path.join(repo, 'app.js'), 'export const version = 2;\nexport const name = "app";\n');
    await writeFile(path.join(repo, 'util.js'), 'export const twice = (x) => x * 2;\n');
    git('add', '.');
    git('commit', '-q', '-m', 'feature work');
    git('checkout', '-q', 'main');

    const created = await stack.api.createExecution({
      agent: 'pr-reviewer',
      inputs: { repo, ref: 'feature', base: 'main' },
      model: MODEL,
    });
    const done = await stack.waitForEnd(created.id);
    expect(done.status).toBe('succeeded');
    const review = PrReview.parse(done.result?.structured);
    const changed = git('diff', '--name-only', 'main...feature').split('\n').sort();
    expect(review.findings.map((f) => f.file).sort()).toEqual(changed);
    expect(review.findings.every((f) => f.line === 1)).toBe(true);
    expect(await stack.api.approvals({ executionId: created.id })).toEqual([]);
    // Read-only: nothing to commit.
    expect(ofType(await stack.api.allEvents(created.id), 'git')[0]?.data.commit).toBeNull();
  });

  it('system-health-reporter: a schema-valid report with this machine’s numbers, rendered as Markdown', async () => {
    const created = await stack.api.createExecution({ agent: 'system-health-reporter', inputs: {}, model: MODEL });
    const done = await stack.waitForEnd(created.id);
    expect(done.status).toBe('succeeded');
    const report = HealthReport.parse(done.result?.structured);
    expect(report.analysis).toBe('claude');
    expect(report.status).toMatch(/^(ok|warn|critical)$/);
    expect(report.snapshot.memory.totalBytes).toBe(os.totalmem());
    expect(report.snapshot.cpu.cores).toBe(os.cpus().length);
    expect(report.snapshot.hostname).toBe(os.hostname());
    expect(report.snapshot.disks.length).toBeGreaterThan(0);
    expect(done.result?.text).toContain(report.summary ?? '');
    expect(done.result?.text).toMatch(/^#/m);
    const events = await stack.api.allEvents(created.id);
    expect(ofType(events, 'host.snapshot')).toHaveLength(1);
    // No tools: Claude only reads the snapshot.
    expect(ofType(events, 'tool.call').filter((e) => e.data.name !== 'StructuredOutput')).toEqual([]);
  });

  it('system-health-reporter without model credentials: the data part, and says the analysis was skipped', async () => {
    await stack.startRunner({ name: 'no-credentials', labels: ['nocreds'], env: { ANTHROPIC_API_KEY: '' } });
    const created = await stack.api.createExecution({
      agent: 'system-health-reporter',
      inputs: {},
      labels: ['nocreds'],
    });
    const done = await stack.waitForEnd(created.id);
    expect(done.status).toBe('succeeded');
    const report = HealthReport.parse(done.result?.structured);
    expect(report).toMatchObject({ analysis: 'skipped' });
    expect(report.snapshot.memory.totalBytes).toBe(os.totalmem());
    expect(done.result?.text).toMatch(/analysis skipped/i);
  });

  it('remember: "agent" grants the pattern on the template, so its next execution does not ask', async () => {
    await stack.api.json('POST', '/api/v1/agents', {
      name: 'note-writer',
      description: 'Writes a note',
      prompt: 'Write the note {{file}} [script:write-tool:note.txt]',
      // No ask rule: a call no rule allows is asked anyway, and the grant is this file, which a broader ask would outrank.
      permissions: { allow: ['Read'], ask: [], deny: [] },
    });
    const first = await stack.api.createExecution({ agent: 'note-writer', inputs: { file: 'note.txt' }, model: MODEL });
    const approval = await waitFor(
      async () => (await stack.api.approvals({ executionId: first.id, status: 'pending' }))[0],
      { timeoutMs: 60_000, what: 'the first approval' },
    );
    await stack.api.decide(approval.id, { decision: 'allow', remember: 'agent' });
    expect((await stack.waitForEnd(first.id)).status).toBe('succeeded');
    expect((await stack.api.agent('note-writer')).permissions?.allow).toContain('Edit(./note.txt)');

    const second = await stack.api.createExecution({
      agent: 'note-writer',
      inputs: { file: 'note.txt' },
      model: MODEL,
    });
    expect((await stack.waitForEnd(second.id)).status).toBe('succeeded');
    expect(await stack.api.approvals({ executionId: second.id })).toEqual([]);
    const audit = await stack.api.audit({ subject: 'note-writer' });
    expect(audit.map((entry) => entry.action)).toContain('agent.updated');
  });
});
