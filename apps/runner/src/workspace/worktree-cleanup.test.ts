// Tests of the workspace retention policy: by age, by count, never a running one, worktrees pruned from their cache
// clone while their branches stay.
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSourceRepo, gitIn, recorder, repoJob, type SourceRepo } from '../testing/git-test-repo';
import { executionId } from '../testing/test-helpers';
import { checkpointsOf } from '../jobs/job-checkpoints';
import { Workspaces } from './workspace';
import { cleanupWorkspaces } from './worktree-cleanup';

const DAY = 24 * 3600_000;
const NOW = Date.UTC(2025, 0, 31);

let dir: string;
let workspacesDir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'claudeops-clean-'));
  workspacesDir = join(dir, 'workspaces');
  await mkdir(workspacesDir);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** A plain workspace last used `ageDays` before NOW. */
async function workspace(n: number, ageDays: number): Promise<string> {
  const id = executionId(n);
  const path = join(workspacesDir, id);
  await mkdir(path, { recursive: true });
  await writeFile(join(path, 'file.txt'), 'x');
  const when = new Date(NOW - ageDays * DAY);
  await utimes(path, when, when);
  return id;
}

const remaining = async () => (await readdir(workspacesDir)).sort();

describe('cleanupWorkspaces', () => {
  it('removes workspaces older than the maximum age', async () => {
    const fresh = await workspace(1, 1);
    const old = await workspace(2, 8);
    const result = await cleanupWorkspaces({
      workspacesDir,
      maxAgeMs: 7 * DAY,
      maxCount: 50,
      keep: new Set(),
      reposDir: join(dir, 'repos'),
      now: NOW,
    });
    expect(result.removed).toEqual([old]);
    expect(await remaining()).toEqual([fresh]);
  });

  it('keeps the newest up to the maximum count, running ones counted and never removed', async () => {
    const running = await workspace(1, 30);
    const ids = [];
    for (let n = 2; n <= 6; n++) ids.push(await workspace(n, n));
    await mkdir(join(workspacesDir, 'not-a-workspace'));
    const result = await cleanupWorkspaces({
      workspacesDir,
      maxAgeMs: 365 * DAY,
      maxCount: 3,
      keep: new Set([running]),
      reposDir: join(dir, 'repos'),
      now: NOW,
    });
    // Newest first: ids[0] (2 days), ids[1] (3 days) fit beside the running one; the rest go.
    expect(result.removed.sort()).toEqual(ids.slice(2).sort());
    expect(await remaining()).toEqual([running, ids[0], ids[1], 'not-a-workspace'].sort());
  });

  it('treats a missing workspaces directory as nothing to do', async () => {
    const result = await cleanupWorkspaces({
      workspacesDir: join(dir, 'none'),
      maxAgeMs: 0,
      maxCount: 0,
      keep: new Set(),
      reposDir: join(dir, 'repos'),
    });
    expect(result).toEqual({ removed: [], failed: [] });
  });
});

describe('Workspaces.cleanup with git worktrees', () => {
  let source: SourceRepo;
  beforeEach(async () => {
    source = await createSourceRepo();
  });
  afterEach(() => rm(source.dir, { recursive: true, force: true }));

  it('removes old worktrees and prunes them from the cache clone, keeping their branches', async () => {
    const ws = new Workspaces({ workspacesDir, reposDir: join(dir, 'repos'), maxAgeMs: 7 * DAY, maxCount: 50 });
    const old = repoJob(1, { repo: source.dir });
    const kept = repoJob(2, { repo: source.dir });
    const oldWs = await ws.prepare(old, recorder().emit);
    // Each run leaves a checkpoint of a turn on a hidden ref in the cache.
    await writeFile(join(oldWs.cwd, 'turn.txt'), 'old\n');
    expect(await checkpointsOf(old, oldWs.git!, {}).record(1)).not.toBeNull();
    await oldWs.finish({ status: 'succeeded', result: null, publish: true });
    const keptWs = await ws.prepare(kept, recorder().emit);
    await writeFile(join(keptWs.cwd, 'turn.txt'), 'kept\n');
    expect(await checkpointsOf(kept, keptWs.git!, {}).record(1)).not.toBeNull();
    await keptWs.finish({ status: 'succeeded', result: null, publish: true });
    const longAgo = new Date(Date.now() - 8 * DAY);
    await utimes(oldWs.cwd, longAgo, longAgo);

    // A cleanup after each job may already be under way; this one starts after the backdating either way.
    await ws.cleanup();
    expect(await remaining()).toEqual([kept.executionId]);
    const [cache] = await readdir(join(dir, 'repos'));
    const cacheDir = join(dir, 'repos', cache!);
    const worktrees = gitIn(cacheDir, 'worktree', 'list', '--porcelain');
    expect(worktrees).toContain(keptWs.cwd);
    expect(worktrees).not.toContain(oldWs.cwd);
    expect(gitIn(cacheDir, 'branch', '--list', `claudeops/${old.executionId}`)).toContain(old.executionId);
    // The removed workspace's checkpoints went with it; the kept one's stay.
    const refs = gitIn(cacheDir, 'for-each-ref', '--format=%(refname)', 'refs/claudeops/checkpoints/');
    expect(refs).toContain(`refs/claudeops/checkpoints/${kept.executionId}/1`);
    expect(refs).not.toContain(old.executionId);
  });

  it('never removes the workspace of a job still running', async () => {
    const ws = new Workspaces({ workspacesDir, reposDir: join(dir, 'repos'), maxAgeMs: 0, maxCount: 0 });
    const running = await ws.prepare(repoJob(3, { repo: source.dir }), recorder().emit);
    const done = await ws.prepare(repoJob(4), recorder().emit);
    await done.finish({ status: 'succeeded', result: null, publish: true });
    await ws.cleanup();
    expect(await remaining()).toEqual([executionId(3)]);
    await running.finish({ status: 'succeeded', result: null, publish: true });
    await ws.cleanup();
    expect(await remaining()).toEqual([]);
  });
});
