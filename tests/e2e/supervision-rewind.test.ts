// Checkpoints and rewind end to end, with the real Claude Code and runner and the scripted model: each turn whose
// Bash edits changed the worktree is a checkpoint on a hidden ref (the branch untouched), and a rewind puts a
// checkpoint's files back and resumes the conversation at its message, in a follow-up in the same workspace.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CheckpointList, ExecutionEvent, RewindResult } from '@claudeops/control-plane/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Script } from '../fixtures/anthropic-scripts';
import type { RunnerProcess } from '../fixtures/runner-process';
import { type Stack, startStack } from '../fixtures/stack';

const MODEL = 'claude-sonnet-4-5';

let releaseRewound: () => void = () => undefined;
const rewoundHeld = new Promise<void>((resolve) => (releaseRewound = resolve));
/**
 * Turn 0 writes a.txt, turn 1 rewrites it and adds b.txt (Bash both times), turn 2 answers. A call whose last user
 * message carries the rewind's prompt is the rewind's follow-up: held until the test has looked at the files.
 */
const edits: Script = ({ turn, lastUserText }) => {
  if (turn > 0 && lastUserText?.includes('rewound to checkpoint')) {
    return { blocks: [{ type: 'text', text: `Continuing after the rewind (turn ${turn}).` }], delay: rewoundHeld };
  }
  const bash = (command: string) => ({
    type: 'tool_use' as const,
    name: 'Bash',
    input: { command, description: 'Edit' },
  });
  if (turn === 0) return { blocks: [{ type: 'text', text: 'First edit.' }, bash('echo one > a.txt')] };
  if (turn === 1)
    return { blocks: [{ type: 'text', text: 'Second edit.' }, bash('echo two > a.txt && echo extra > b.txt')] };
  return { blocks: [{ type: 'text', text: 'Both edits are done.' }] };
};

let stack: Stack;
let runner: RunnerProcess;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'claudeops-rewind-'));
  stack = await startStack({ anthropic: { scripts: { edits } } });
  runner = await stack.startRunner();
});

afterAll(async () => {
  await stack?.dispose();
  await rm(dir, { recursive: true, force: true });
});

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-C', cwd, '-c', 'user.name=Test', '-c', 'user.email=test@localhost', ...args], {
    encoding: 'utf8',
  }).trim();

async function testRepo(): Promise<string> {
  const repo = path.join(dir, 'repo');
  await mkdir(repo, { recursive: true });
  git(repo, 'init', '-q', '-b', 'main');
  await writeFile(path.join(repo, 'README.md'), '# app\n');
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'initial');
  return repo;
}

/** The request's last user message carries the rewind's prompt. */
function afterRewind(body: unknown): boolean {
  const messages = (body as { messages?: { role: string; content: unknown }[] } | null)?.messages ?? [];
  return JSON.stringify(messages.at(-1) ?? null).includes('rewound to checkpoint');
}

const ofType = <T extends ExecutionEvent['type']>(events: ExecutionEvent[], type: T) =>
  events.filter((e): e is Extract<ExecutionEvent, { type: T }> => e.type === type);

describe('checkpoints and rewind', () => {
  it('checkpoints each Bash edit on a hidden ref; a rewind restores the files and the conversation', async () => {
    const repo = await testRepo();
    const created = await stack.api.createExecution({ prompt: 'Edit twice [script:edits]', model: MODEL, repo });
    const ended = await stack.waitForEnd(created.id);
    expect(ended.status).toBe('succeeded');
    const workspace = path.join(runner.workspacesDir, created.id);

    const response = await stack.api.request('GET', `/api/v1/executions/${created.id}/checkpoints`);
    const { items } = (await response.json()) as CheckpointList;
    expect(items.map((c) => [c.n, c.files.map((f) => f.path).sort()])).toEqual([
      [1, ['a.txt']],
      [2, ['a.txt', 'b.txt']],
    ]);
    expect(items[0]).toMatchObject({ ref: `refs/claudeops/checkpoints/${created.id}/1`, insertions: 1 });
    expect(items[1]!.patch).toContain('+two');
    expect(items.every((c) => c.messageId !== null)).toBe(true);
    // The branch has the run's own commit; the checkpoints are beside it, not on it.
    const branch = ofType(await stack.api.allEvents(created.id), 'git')[0]!.data;
    expect(branch.commit).not.toBe(items[1]!.commit);

    const rewind = await stack.api.request('POST', `/api/v1/executions/${created.id}/rewind`, {
      checkpoint: 1,
      conversation: true,
    });
    expect(rewind.status).toBe(201);
    const { followup } = (await rewind.json()) as RewindResult;
    expect(followup).toMatchObject({ followupOf: created.id, trigger: { kind: 'followup' } });

    // The follow-up's first model call: checkpoint 1's files are back, and the conversation ends at its message.
    const first = await stack.anthropic.waitForRequest((r) => r.script === 'edits' && afterRewind(r.body));
    expect(await readFile(path.join(workspace, 'a.txt'), 'utf8')).toBe('one\n');
    expect(existsSync(path.join(workspace, 'b.txt'))).toBe(false);
    // One assistant turn kept (the first edit), not the three of the whole run.
    expect(first.turn).toBe(1);
    expect(first.completed).toBe(false);
    releaseRewound();
    const done = await stack.waitForEnd(followup!.id);
    expect(done.status).toBe('succeeded');
    const logs = ofType(await stack.api.allEvents(followup!.id), 'log').map((e) => e.data.message);
    expect(logs.some((m) => m.includes(`rewound the files to checkpoint 1 of ${created.id}`))).toBe(true);
  });

  it('refuses a checkpoint the execution does not have, saying which it has', async () => {
    const created = await stack.api.createExecution({ prompt: 'Just talk [script:echo]', model: MODEL });
    await stack.waitForEnd(created.id);
    const response = await stack.api.request('POST', `/api/v1/executions/${created.id}/rewind`, { checkpoint: 3 });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain('it has none');
  });
});
