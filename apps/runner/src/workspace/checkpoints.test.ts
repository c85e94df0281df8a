// Tests of checkpoints and rewind with real git on temp repositories: a change makes a `checkpoint` event and a ref,
// no change makes none, an edit made without any tool counts, the worktree's own index and `git status` stay as they
// were, ignored files stay out, a rewind's follow-up gets the checkpoint's files back, and the cleanup removes the
// refs with the workspace.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkpointRef, EVENT_DATA, type CheckpointData, type EventDraft } from '@claudeops/control-plane/protocol';
import { createSourceRepo, gitIn, recorder, repoJob, type SourceRepo } from '../testing/git-test-repo';
import { Workspaces, type Workspace } from './workspace';
import { cacheDirFor } from './repo-cache';

let dir: string;
let workspacesDir: string;
let reposDir: string;
let source: SourceRepo;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'claudeops-checkpoints-'));
  workspacesDir = join(dir, 'workspaces');
  reposDir = join(dir, 'state', 'repos');
  source = await createSourceRepo();
  await source.commit('.gitignore', 'build/\n*.log\n');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(source.dir, { recursive: true, force: true });
});

const workspaces = (maxCount = 50) =>
  new Workspaces({ workspacesDir, reposDir, maxCount, redact: (text) => text.replaceAll('hunter2', '[REDACTED]') });
const checkpointsOf = (events: EventDraft[]): CheckpointData[] =>
  events.filter((e) => e.type === 'checkpoint').map((e) => EVENT_DATA.checkpoint.parse(e.data));
const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/** What Claude Code would have said before the turn boundary: an assistant entry and its tool's result. */
function said(workspace: Workspace, n: number): void {
  const trail = workspace.checkpoints!.trail;
  trail.note({ uuid: `a-${n}`, sessionId: 'sess-1', messageId: `msg_${n}`, toolUses: [`tu_${n}`], toolResults: [] });
  trail.note({ uuid: `u-${n}`, sessionId: 'sess-1', toolUses: [], toolResults: [`tu_${n}`] });
}

describe('checkpoints', () => {
  it('turns a change into a checkpoint event and a ref, and no change into nothing', async () => {
    const ws = workspaces();
    const job = repoJob(1, { repo: source.dir });
    const { events, emit } = recorder();
    const workspace = await ws.prepare(job, emit);
    const cache = cacheDirFor(reposDir, source.dir);
    expect(await workspace.checkpoints!.take()).toBeNull();

    said(workspace, 1);
    // Written straight to disk, as Bash's `echo … > notes.txt` does: no tool of Claude Code's is involved.
    await writeFile(join(workspace.cwd, 'notes.txt'), 'one\nthe password is hunter2\n');
    const first = await workspace.checkpoints!.take();
    expect(first).toMatchObject({
      n: 1,
      messageId: 'msg_1',
      sessionMessageId: 'u-1',
      sessionId: 'sess-1',
      files: [{ path: 'notes.txt', insertions: 2, deletions: 0 }],
      insertions: 2,
      deletions: 0,
      diffTruncated: false,
    });
    expect(first!.diff).toContain('+one');
    expect(first!.diff).toContain('[REDACTED]');
    expect(first!.diff).not.toContain('hunter2');
    expect(gitIn(cache, 'rev-parse', checkpointRef(job.executionId, 1))).toBe(first!.commit);
    expect(gitIn(cache, 'show', `${first!.commit}:notes.txt`)).toContain('one');

    expect(await workspace.checkpoints!.take()).toBeNull();

    said(workspace, 2);
    await writeFile(join(workspace.cwd, 'notes.txt'), 'two\n');
    const second = await workspace.checkpoints!.take();
    expect(second).toMatchObject({
      n: 2,
      messageId: 'msg_2',
      files: [{ path: 'notes.txt', insertions: 1, deletions: 2 }],
    });
    expect(gitIn(cache, 'rev-parse', `${second!.commit}^`)).toBe(first!.commit);
    expect(checkpointsOf(events).map((c) => c.n)).toEqual([1, 2]);
    await workspace.finish({ status: 'succeeded', result: null, publish: false });
  });

  it('leaves the branch, HEAD, the worktree’s index and `git status` as they were; ignored files stay out', async () => {
    const ws = workspaces();
    const job = repoJob(1, { repo: source.dir });
    const workspace = await ws.prepare(job, recorder().emit);
    const cwd = workspace.cwd;
    const head = gitIn(cwd, 'rev-parse', 'HEAD');
    await writeFile(join(cwd, 'staged.txt'), 'staged\n');
    gitIn(cwd, 'add', 'staged.txt');
    await writeFile(join(cwd, 'untracked.txt'), 'untracked\n');
    await writeFile(join(cwd, 'debug.log'), 'ignored\n');
    const status = gitIn(cwd, 'status', '--porcelain');

    said(workspace, 1);
    const taken = await workspace.checkpoints!.take();
    expect(taken!.files.map((f) => f.path).sort()).toEqual(['staged.txt', 'untracked.txt']);
    expect(gitIn(cwd, 'status', '--porcelain')).toBe(status);
    expect(gitIn(cwd, 'rev-parse', 'HEAD')).toBe(head);
    expect(gitIn(cwd, 'diff', '--cached', '--name-only')).toBe('staged.txt');

    // A change to an ignored file alone is no checkpoint.
    await writeFile(join(cwd, 'debug.log'), 'more\n');
    expect(await workspace.checkpoints!.take()).toBeNull();
    await workspace.finish({ status: 'succeeded', result: null, publish: false });
  });

  it('has none for a plain directory', async () => {
    const workspace = await workspaces().prepare(repoJob(1), recorder().emit);
    expect(workspace.checkpoints ?? null).toBeNull();
    await workspace.finish({ status: 'succeeded', result: null, publish: false });
  });
});

describe('a rewind’s follow-up', () => {
  it('gets the checkpoint’s files back: changed ones reverted, added ones removed, ignored ones kept', async () => {
    const ws = workspaces();
    const first = repoJob(1, { repo: source.dir });
    const workspace = await ws.prepare(first, recorder().emit);
    const cwd = workspace.cwd;
    said(workspace, 1);
    await writeFile(join(cwd, 'notes.txt'), 'one\n');
    const one = (await workspace.checkpoints!.take())!;
    said(workspace, 2);
    await writeFile(join(cwd, 'notes.txt'), 'two\n');
    await writeFile(join(cwd, 'later.txt'), 'added after checkpoint 1\n');
    await writeFile(join(cwd, 'README.md'), 'changed\n');
    await workspace.checkpoints!.take();
    await writeFile(join(cwd, 'debug.log'), 'ignored\n');
    await workspace.finish({ status: 'cancelled', result: null, publish: false });
    const branchHead = gitIn(cwd, 'rev-parse', 'HEAD');

    const rewind = {
      executionId: first.executionId,
      n: 1,
      ref: checkpointRef(first.executionId, 1),
      commit: one.commit,
      resumeSessionAt: 'u-1',
    };
    const followup = repoJob(2, { repo: source.dir, workspaceOf: first.executionId, rewind });
    const { events, emit } = recorder();
    const again = await ws.prepare(followup, emit);
    expect(await readFile(join(cwd, 'notes.txt'), 'utf8')).toBe('one\n');
    expect(await readFile(join(cwd, 'README.md'), 'utf8')).toBe('# test repo\n');
    expect(await exists(join(cwd, 'later.txt'))).toBe(false);
    expect(await readFile(join(cwd, 'debug.log'), 'utf8')).toBe('ignored\n');
    expect(gitIn(cwd, 'rev-parse', 'HEAD')).toBe(branchHead);
    const logs = events.filter((e) => e.type === 'log').map((e) => (e.data as { message: string }).message);
    expect(logs.some((m) => m.includes(`restored the files of checkpoint 1 of ${first.executionId}`))).toBe(true);

    // Its own checkpoints start from the restored files.
    said(again, 3);
    expect(await again.checkpoints!.take()).toBeNull();
    await writeFile(join(cwd, 'notes.txt'), 'three\n');
    const own = (await again.checkpoints!.take())!;
    expect(own.files).toEqual([{ path: 'notes.txt', insertions: 1, deletions: 1 }]);
    await again.finish({ status: 'succeeded', result: null, publish: false });
  });

  it('fails clearly when the checkpoint is gone', async () => {
    const ws = workspaces();
    const first = repoJob(1, { repo: source.dir });
    const workspace = await ws.prepare(first, recorder().emit);
    await workspace.finish({ status: 'succeeded', result: null, publish: false });
    const rewind = {
      executionId: first.executionId,
      n: 3,
      ref: checkpointRef(first.executionId, 3),
      commit: 'f'.repeat(40),
      resumeSessionAt: null,
    };
    const followup = repoJob(2, { repo: source.dir, workspaceOf: first.executionId, rewind });
    await expect(ws.prepare(followup, recorder().emit)).rejects.toThrow(/checkpoint 3 of .* is not on this runner/);
  });

  it('waits for the run still in the workspace to leave it', async () => {
    const ws = workspaces();
    const first = repoJob(1, { repo: source.dir });
    const workspace = await ws.prepare(first, recorder().emit);
    const followup = repoJob(2, { repo: source.dir, workspaceOf: first.executionId });
    let ready = false;
    const next = ws.prepare(followup, recorder().emit).then((w) => ((ready = true), w));
    await writeFile(join(workspace.cwd, 'last.txt'), 'written before the first run let go\n');
    expect(ready).toBe(false);
    await workspace.finish({ status: 'cancelled', result: null, publish: false });
    const reused = await next;
    expect(reused.cwd).toBe(workspace.cwd);
    await reused.finish({ status: 'succeeded', result: null, publish: false });
  });
});

describe('the cleanup', () => {
  it('removes a workspace’s checkpoint refs with it', async () => {
    const ws = workspaces(0);
    const job = repoJob(1, { repo: source.dir });
    const workspace = await ws.prepare(job, recorder().emit);
    said(workspace, 1);
    await writeFile(join(workspace.cwd, 'notes.txt'), 'one\n');
    await workspace.checkpoints!.take();
    const cache = cacheDirFor(reposDir, source.dir);
    expect(gitIn(cache, 'for-each-ref', 'refs/claudeops/checkpoints/')).toContain(checkpointRef(job.executionId, 1));
    await workspace.finish({ status: 'succeeded', result: null, publish: false });
    await ws.cleanup();
    expect(await exists(workspace.cwd)).toBe(false);
    expect(gitIn(cache, 'for-each-ref', 'refs/claudeops/checkpoints/')).toBe('');
  });
});
