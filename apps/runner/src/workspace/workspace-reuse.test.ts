// Tests of a follow-up's workspace with real git on temp repositories: the conversation's worktree and branch reused
// (its commit on the same branch, its git event showing its own changes), a removed workspace as a clear failure,
// and the retention policy keeping a reused workspace while it runs and removing its sessions with it.
import { mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EVENT_DATA, type EventDraft } from '@claudeops/control-plane/protocol';
import { createSourceRepo, gitIn, recorder, repoJob, type SourceRepo } from '../testing/git-test-repo';
import { executionId, testJob } from '../testing/test-helpers';
import { WorkspaceError, Workspaces } from './workspace';
import { hasClaudeSession, sessionDirFor } from './session-dir';

const DAY = 24 * 3600_000;

let dir: string;
let workspacesDir: string;
let source: SourceRepo;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'claudeops-reuse-'));
  workspacesDir = join(dir, 'workspaces');
  source = await createSourceRepo();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(source.dir, { recursive: true, force: true });
});

const workspaces = (maxAgeMs = 7 * DAY) =>
  new Workspaces({ workspacesDir, reposDir: join(dir, 'state', 'repos'), maxAgeMs });

const gitEvent = (events: EventDraft[]) => EVENT_DATA.git.parse(events.find((e) => e.type === 'git')!.data);
const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );
const backdate = async (path: string, days: number) => {
  const when = new Date(Date.now() - days * DAY);
  await utimes(path, when, when);
};

describe('a follow-up’s workspace', () => {
  it('runs in the first execution’s worktree and commits on its branch, showing only its own changes', async () => {
    const ws = workspaces();
    const first = repoJob(1, { repo: source.dir });
    const one = recorder();
    const a = await ws.prepare(first, one.emit);
    await writeFile(join(a.cwd, 'first.txt'), 'one\n');
    await a.finish({ status: 'succeeded', result: null, publish: true });
    const firstCommit = gitEvent(one.events).commit!;

    const followup = repoJob(2, { repo: source.dir, workspaceOf: first.executionId, prompt: 'And a second file' });
    const two = recorder();
    const b = await ws.prepare(followup, two.emit);
    expect(b.cwd).toBe(a.cwd);
    expect(b.sessionDir).toBe(a.sessionDir);
    expect(b.sessionDir).toBe(sessionDirFor(workspacesDir, first.executionId));
    expect(gitIn(b.cwd, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe(`claudeops/${first.executionId}`);
    expect(two.events[0]).toMatchObject({
      type: 'log',
      data: { level: 'info', message: expect.stringContaining(`continuing in the workspace of ${first.executionId}`) },
    });
    await writeFile(join(b.cwd, 'second.txt'), 'two\n');
    await b.finish({ status: 'succeeded', result: null, publish: true });

    const git = gitEvent(two.events);
    expect(git).toMatchObject({
      branch: `claudeops/${first.executionId}`,
      baseRef: `claudeops/${first.executionId}`,
      baseCommit: firstCommit,
      files: [expect.objectContaining({ path: 'second.txt' })],
    });
    expect(gitIn(b.cwd, 'rev-parse', `claudeops/${first.executionId}`)).toBe(git.commit);
    expect(gitIn(b.cwd, 'rev-parse', `${git.commit}^`)).toBe(firstCommit);
    // No second worktree or branch was made for the follow-up.
    expect((await readdir(workspacesDir)).filter((name) => name.startsWith('ex_'))).toEqual([first.executionId]);
    expect(gitIn(b.cwd, 'branch', '--list', `claudeops/${followup.executionId}`)).toBe('');
  });

  it('fails clearly when the workspace was removed, and when it never was on this runner', async () => {
    const ws = workspaces();
    const first = repoJob(1, { repo: source.dir });
    const a = await ws.prepare(first, recorder().emit);
    await a.finish({ status: 'succeeded', result: null, publish: false });
    await rm(a.cwd, { recursive: true, force: true });

    const { events, emit } = recorder();
    const followup = repoJob(2, { repo: source.dir, workspaceOf: first.executionId });
    const failure = await ws.prepare(followup, emit).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(WorkspaceError);
    const message = `the workspace of ${first.executionId} was removed; start a new execution`;
    expect((failure as Error).message).toBe(message);
    expect(events).toEqual([expect.objectContaining({ type: 'log', data: { level: 'error', message } })]);

    const plain = testJob(3, { workspaceOf: executionId(9) });
    await expect(ws.prepare(plain, recorder().emit)).rejects.toThrow(
      `the workspace of ${executionId(9)} was removed; start a new execution`,
    );
  });

  it('reuses a plain workspace (no repository) with what the first run left in it', async () => {
    const ws = workspaces();
    const a = await ws.prepare(testJob(1), recorder().emit);
    await writeFile(join(a.cwd, 'notes.txt'), 'kept\n');
    await a.finish({ status: 'succeeded', result: null, publish: true });
    const b = await ws.prepare(testJob(2, { workspaceOf: executionId(1) }), recorder().emit);
    expect(b.cwd).toBe(a.cwd);
    expect(await exists(join(b.cwd, 'notes.txt'))).toBe(true);
    await b.finish({ status: 'succeeded', result: null, publish: true });
  });
});

describe('cleanup and a reused workspace', () => {
  it('keeps a workspace a follow-up is using, and counts its age from that use', async () => {
    const ws = workspaces(DAY);
    const a = await ws.prepare(testJob(1), recorder().emit);
    await a.finish({ status: 'succeeded', result: null, publish: true });
    await ws.cleanup();
    const b = await ws.prepare(testJob(2, { workspaceOf: executionId(1) }), recorder().emit);
    // Old by its mtime, but in use by the follow-up.
    await backdate(b.cwd, 3);
    expect((await ws.cleanup()).removed).toEqual([]);
    await b.finish({ status: 'succeeded', result: null, publish: true });
    // The follow-up's end is the workspace's latest use.
    expect((await ws.cleanup()).removed).toEqual([]);
    expect(await exists(b.cwd)).toBe(true);
    await backdate(b.cwd, 3);
    expect((await ws.cleanup()).removed).toEqual([executionId(1)]);
  });

  it('removes a workspace’s Claude Code sessions with it, and sessions whose workspace is gone', async () => {
    const ws = workspaces(DAY);
    const a = await ws.prepare(testJob(1), recorder().emit);
    const session = join(a.sessionDir, 'projects', 'some-cwd', '6f1c0d0e-1111-4222-8333-944445555666.jsonl');
    await mkdir(join(session, '..'), { recursive: true });
    await writeFile(session, '{}\n');
    expect(await hasClaudeSession(a.sessionDir, '6f1c0d0e-1111-4222-8333-944445555666')).toBe(true);
    expect(await hasClaudeSession(a.sessionDir, '../../etc/passwd')).toBe(false);
    await a.finish({ status: 'succeeded', result: null, publish: true });
    const orphan = sessionDirFor(workspacesDir, executionId(7));
    await mkdir(orphan, { recursive: true });

    await ws.cleanup();
    expect(await exists(a.sessionDir)).toBe(true);
    expect(await exists(orphan)).toBe(false);
    await backdate(a.cwd, 3);
    expect((await ws.cleanup()).removed).toEqual([executionId(1)]);
    expect(await exists(a.sessionDir)).toBe(false);
  });
});
