// The workspace retention policy: execution workspaces (git worktrees and plain directories) older than a maximum
// age, or beyond a maximum count, are removed; running executions' never. Branches stay in the cache clone. Run by
// workspace.ts on start and after each job.
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pruneWorktrees } from './repo-cache';

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
    const info = await stat(join(policy.workspacesDir, entry.name)).catch(() => null);
    if (info) candidates.push({ id: entry.name, mtimeMs: info.mtimeMs });
  }
  candidates.sort((a, b) => b.mtimeMs - a.mtimeMs || (a.id < b.id ? 1 : -1));
  const room = Math.max(0, policy.maxCount - policy.keep.size);
  const doomed = candidates.filter((c, index) => index >= room || now - c.mtimeMs > policy.maxAgeMs);

  const result: CleanupResult = { removed: [], failed: [] };
  const caches = new Set<string>();
  for (const { id } of doomed) {
    const path = join(policy.workspacesDir, id);
    try {
      const cache = await worktreeCache(path);
      await rm(path, { recursive: true, force: true });
      if (cache) caches.add(cache);
      result.removed.push(id);
    } catch (error) {
      result.failed.push({ executionId: id, error: error instanceof Error ? error.message : String(error) });
    }
  }
  for (const cache of caches) {
    // A cache removed by hand has nothing left to prune.
    await pruneWorktrees(cache).catch(() => undefined);
  }
  return result;
}

/** The repository a worktree belongs to, from its `.git` file ("gitdir: <repo>/worktrees/<name>"); null if none. */
async function worktreeCache(path: string): Promise<string | null> {
  const text = await readFile(join(path, '.git'), 'utf8').catch(() => null);
  const gitdir = text ? /^gitdir: (.+)$/m.exec(text)?.[1]?.trim() : undefined;
  if (!gitdir) return null;
  const absolute = isAbsolute(gitdir) ? gitdir : resolve(path, gitdir);
  return dirname(dirname(absolute));
}
