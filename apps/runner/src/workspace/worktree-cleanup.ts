// The workspace retention policy: execution workspaces (git worktrees and plain directories) older than a maximum
// age, or beyond a maximum count, are removed; running executions' never (nor one a running follow-up reuses: its
// owner is in `keep`, and its age counts from its latest use). Each goes with its Claude Code sessions (session-dir.ts).
// Branches stay in the cache clone; checkpoint refs go with their workspaces. Run by workspace.ts on start and after each job.
import { lstat, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { dropCheckpoints, pruneWorktrees, worktreeAdminDir } from './repo-cache';
import { conversationDirFor, sessionsDir } from './session-dir';

export const DEFAULT_WORKTREE_MAX_AGE_MS = 7 * 24 * 3600_000;
export const DEFAULT_WORKTREE_MAX_COUNT = 50;

/** Workspaces are named after their execution; nothing else in the directory is touched. */
const WORKSPACE_NAME = /^ex_[0-9a-z]{26}$/;

export interface CleanupPolicy {
  workspacesDir: string;
  maxAgeMs: number;
  maxCount: number;
  /** Executions whose workspaces are in use. */
  keep: ReadonlySet<string>;
  /** The runner's cached clones: the worktrees of removed workspaces are pruned from those that recorded them. */
  reposDir: string;
  now?: number;
}

export interface CleanupResult {
  removed: string[];
  /** Workspaces that could not be removed, with why. */
  failed: Array<{ executionId: string; error: string }>;
}

/**
 * Applies the policy. Age is the time since a workspace was last used: the job runner touches the directory when a
 * job ends, so its mtime is the job's end. The newest are kept first; running ones count toward maxCount.
 */
export async function cleanupWorkspaces(policy: CleanupPolicy): Promise<CleanupResult> {
  const now = policy.now ?? Date.now();
  const entries = await readdir(policy.workspacesDir, { withFileTypes: true }).catch(() => []);
  const candidates: Array<{ id: string; mtimeMs: number }> = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || !WORKSPACE_NAME.test(entry.name) || policy.keep.has(entry.name)) continue;
    // lstat: a workspace replaced by a symlink is not followed (its target is nobody's workspace).
    const info = await lstat(join(policy.workspacesDir, entry.name)).catch(() => null);
    if (info?.isDirectory()) candidates.push({ id: entry.name, mtimeMs: info.mtimeMs });
  }
  candidates.sort((a, b) => b.mtimeMs - a.mtimeMs || (a.id < b.id ? 1 : -1));
  const room = Math.max(0, policy.maxCount - policy.keep.size);
  const doomed = candidates.filter((c, index) => index >= room || now - c.mtimeMs > policy.maxAgeMs);

  const result: CleanupResult = { removed: [], failed: [] };
  const removedPaths: string[] = [];
  for (const { id } of doomed) {
    const path = join(policy.workspacesDir, id);
    try {
      // rm never follows a symlink: a link the agent left in its workspace is removed, not what it points at.
      await rm(path, { recursive: true, force: true });
      removedPaths.push(path);
      result.removed.push(id);
      await rm(conversationDirFor(policy.workspacesDir, id), { recursive: true, force: true });
    } catch (error) {
      result.failed.push({ executionId: id, error: error instanceof Error ? error.message : String(error) });
    }
  }
  for (const cache of await cachesRecording(policy.reposDir, removedPaths)) {
    // A cache removed by hand has nothing left to prune.
    await pruneWorktrees(cache).catch(() => undefined);
    // The removed workspaces' checkpoints go with them (and any older than the retention).
    await dropCheckpoints(cache, result.removed, policy.maxAgeMs, now).catch(() => undefined);
  }
  await removeOrphanSessions(policy);
  return result;
}

/** Sessions whose workspace is gone (removed by hand, or before sessions went with it) can never be resumed. */
async function removeOrphanSessions(policy: CleanupPolicy): Promise<void> {
  const dir = sessionsDir(policy.workspacesDir);
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (!WORKSPACE_NAME.test(name) || policy.keep.has(name)) continue;
    const workspace = await lstat(join(policy.workspacesDir, name)).catch(() => null);
    if (!workspace?.isDirectory()) await rm(join(dir, name), { recursive: true, force: true }).catch(() => undefined);
  }
}

/**
 * The caches whose own records (worktrees/<name>/gitdir) name one of `paths`: the runner's records decide which
 * repository to prune, never a workspace's `.git` file, which the agent could have pointed anywhere.
 */
async function cachesRecording(reposDir: string, paths: string[]): Promise<string[]> {
  if (paths.length === 0) return [];
  const names = await readdir(reposDir).catch(() => [] as string[]);
  const found: string[] = [];
  for (const name of names) {
    if (!name.endsWith('.git')) continue;
    const cache = join(reposDir, name);
    for (const path of paths) {
      if (await worktreeAdminDir(cache, path)) {
        found.push(cache);
        break;
      }
    }
  }
  return found;
}
