// Runner faults and fleet rules, end to end: a runner SIGKILLed mid-run (lost, retried elsewhere, its orphan reaped
// when it comes back), a job waiting for a label, a git worktree run, and secrets redacted before they leave.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ExecutionDetail, type ExecutionEvent } from '@claudeops/control-plane/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, processesIn } from '../fixtures/processes';
import { type Stack, startStack } from '../fixtures/stack';
import { assertContiguous, Viewer } from '../fixtures/viewer';
import { waitFor } from '../fixtures/wait';

const MODEL = 'claude-sonnet-4-5';
const HEARTBEAT_MS = 2_000;
const LEASE_MS = 3 * HEARTBEAT_MS;

// Canaries: none of them may ever reach the control plane's storage or a viewer.
const CONFIGURED = `cnry${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
const GITHUB = `ghp_${'A1b2C3d4E5'.repeat(3)}f6G7h8`;
const ANTHROPIC = `sk-ant-api03-${'Zx9_Yw8-Vu7'.repeat(5)}AA`;
const SPLIT_AT = 20;

let heldOnce = false;
let stack: Stack;
const dirs: string[] = [];

beforeAll(async () => {
  stack = await startStack({
    controlPlane: { heartbeatIntervalMs: HEARTBEAT_MS },
    anthropic: {
      scripts: {
        // The first run to reach its second turn is held open (it will lose its runner); any later one finishes.
        'hold-once': ({ turn }) => {
          if (turn === 0) {
            return {
              blocks: [{ type: 'tool_use', name: 'Bash', input: { command: 'echo started', description: 'x' } }],
            };
          }
          if (!heldOnce) {
            heldOnce = true;
            return { blocks: [{ type: 'text', text: 'never sent' }], delay: 'until-closed' };
          }
          return { blocks: [{ type: 'text', text: 'Finished on a healthy runner.' }] };
        },
        canaries: ({ turn }) =>
          turn === 0
            ? {
                blocks: [
                  { type: 'text', text: `The configured secret is ${CONFIGURED} and a token ${GITHUB}.` },
                  { type: 'text', text: `Here comes a key split in two: ${ANTHROPIC.slice(0, SPLIT_AT)}` },
                  { type: 'text', text: `${ANTHROPIC.slice(SPLIT_AT)} was the rest of it.` },
                  {
                    type: 'tool_use',
                    name: 'Bash',
                    input: { command: `echo ${CONFIGURED}; echo ${GITHUB}`, description: 'Print secrets' },
                  },
                ],
              }
            : { blocks: [{ type: 'text', text: `Done; the key was ${ANTHROPIC}.` }] },
      },
    },
  });
});

afterAll(async () => {
  await stack?.dispose();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function detail(id: string) {
  return ExecutionDetail.parse(await stack.api.json('GET', `/api/v1/executions/${id}`));
}

async function runnerId(name: string): Promise<string> {
  const { items } = await stack.api.json<{ items: Array<{ id: string; name: string }> }>('GET', '/api/v1/runners');
  const found = items.find((runner) => runner.name === name);
  if (!found) throw new Error(`no runner ${name}`);
  return found.id;
}

describe('runner faults and fleet rules', () => {
  it('marks a SIGKILLed runner’s execution lost within the lease, retries it elsewhere, and reaps the orphan', async () => {
    const first = await stack.startRunner({ name: 'first' });
    const created = await stack.api.createExecution({ prompt: 'Work [script:hold-once]', model: MODEL });
    await stack.anthropic.waitForRequest((r) => r.script === 'hold-once' && r.turn === 1, 120_000);
    const workspace = path.join(first.workspacesDir, created.id);
    const orphans = await processesIn(workspace);
    expect(orphans.length).toBeGreaterThan(0);
    const second = await stack.startRunner({ name: 'second' });

    // The runner dies at once; Claude Code, in its own process group, is left behind as an orphan.
    process.kill(first.pid, 'SIGKILL');
    const killedAt = Date.now();
    const lost = await stack.waitForStatus(created.id, (e) => e.status === 'lost', 60_000);
    expect(lost.statusReason).toMatch(/lease/);
    expect(Date.parse(lost.finishedAt!) - killedAt).toBeLessThanOrEqual(LEASE_MS + 2 * HEARTBEAT_MS);

    const chain = await waitFor(async () => {
      const d = await detail(created.id);
      return d.attempts.length === 2 ? d.attempts : undefined;
    });
    const retry = await stack.waitForEnd(chain[1]!.id);
    expect(retry.status).toBe('succeeded');
    expect(retry.attempt).toBe(2);
    expect(retry.retryOf).toBe(created.id);
    expect(retry.runnerId).toBe(await runnerId(second.name));
    const lostEvents = await stack.api.allEvents(created.id);
    expect(lostEvents.at(-1)).toMatchObject({ type: 'status', data: { status: 'lost' } });

    // The first runner comes back on the same state: it reaps its orphan and does not stream into anything.
    await first.exited;
    await stack.startRunner({ name: 'first', stateDir: first.stateDir });
    await waitFor(() => orphans.every((pid) => !isAlive(pid)), { what: 'the orphan to be reaped' });
    expect(await processesIn(workspace)).toEqual([]);
    expect(await stack.api.allEvents(created.id)).toEqual(lostEvents);
    expect((await stack.api.getExecution(chain[1]!.id)).status).toBe('succeeded');
  });

  it('keeps a job that needs label gpu waiting until a runner with that label connects', async () => {
    const gpuJob = await stack.api.createExecution({ prompt: 'Use the GPU [script:echo]', labels: ['gpu'] });
    // Dispatch has run meanwhile (another job went through), and the gpu job is still waiting.
    const other = await stack.api.createExecution({ prompt: 'Anything [script:echo]' });
    expect((await stack.waitForEnd(other.id)).status).toBe('succeeded');
    const waiting = await stack.api.getExecution(gpuJob.id);
    expect(waiting.status).toBe('queued');
    expect(waiting.runnerId).toBeNull();

    const gpu = await stack.startRunner({ name: 'gpu-box', labels: ['gpu', 'linux'] });
    const done = await stack.waitForEnd(gpuJob.id);
    expect(done.status).toBe('succeeded');
    expect(done.runnerId).toBe(await runnerId(gpu.name));
  });

  it('runs in a git worktree on its own branch and commits the file Claude Code wrote', async () => {
    const repo = await mkdtemp(path.join(os.tmpdir(), 'claudeops-repo-'));
    dirs.push(repo);
    const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8' }).trim();
    git('init', '-q', '-b', 'main');
    await writeFile(path.join(repo, 'README.md'), '# test repo\n');
    git('add', '.');
    git('-c', 'user.name=Test', '-c', 'user.email=test@localhost', 'commit', '-q', '-m', 'initial');
    const base = git('rev-parse', 'HEAD');

    const created = await stack.api.createExecution({
      prompt: 'Add a greeting [script:write-file:greeting.txt]',
      model: MODEL,
      repo,
      ref: 'main',
    });
    const done = await stack.waitForEnd(created.id);
    expect(done.status).toBe('succeeded');
    const events = await stack.api.allEvents(created.id);
    const gitEvent = events.find((e): e is Extract<ExecutionEvent, { type: 'git' }> => e.type === 'git');
    expect(gitEvent?.data).toMatchObject({
      branch: `claudeops/${created.id}`,
      baseCommit: base,
      files: [expect.objectContaining({ path: 'greeting.txt', insertions: 1 })],
      patchTruncated: false,
    });
    expect(gitEvent?.data.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(gitEvent?.data.message).toContain('Add a greeting');

    const patch = await stack.api.request('GET', `/api/v1/executions/${created.id}/patch`);
    expect(patch.status).toBe(200);
    const text = await patch.text();
    expect(text).toContain('greeting.txt');
    expect(text).toContain('+hello from claudeops');
    // The user's repository is untouched: the work is on the runner's branch, not on main.
    expect(git('rev-parse', 'main')).toBe(base);
  });

  it('redacts configured secrets and credential shapes, even split across events, before they leave the runner', async () => {
    const runner = await stack.startRunner({
      name: 'redacting',
      labels: ['redact'],
      env: { MY_CANARY: CONFIGURED, CLAUDEOPS_REDACT_ENV: 'MY_CANARY' },
    });
    const created = await stack.api.createExecution({
      prompt: 'Leak [script:canaries]',
      model: MODEL,
      labels: ['redact'],
    });
    const viewer = new Viewer(stack.controlPlane.url, stack.controlPlane.adminToken, created.id);
    await viewer.connect(0);
    const done = await stack.waitForEnd(created.id);
    expect(done.status).toBe('succeeded');
    expect(done.runnerId).toBe(await runnerId(runner.name));
    const stored = await stack.api.allEvents(created.id);
    assertContiguous(stored);
    await waitFor(() => viewer.lastSeq === stored.length, { what: 'the viewer to catch up' });
    viewer.disconnect();

    const everything = JSON.stringify([stored, viewer.frames, await detail(created.id)]);
    expect(everything).toContain('[REDACTED]');
    for (const canary of [CONFIGURED, GITHUB, ANTHROPIC, ANTHROPIC.slice(0, SPLIT_AT), ANTHROPIC.slice(SPLIT_AT)]) {
      expect(everything).not.toContain(canary);
    }
  });
});
