// A follow-up's workspace (Job.workspaceOf): the existing workspace of the conversation's first execution, found from
// the runner's own records (the cache's record of the worktree, never the workspace's `.git` file), on branch
// claudeops/<that execution id>. A workspace the cleanup removed is a clear failure, not a new workspace. Used by
// workspace.ts.
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Job } from '@claudeops/control-plane/protocol';
import { git, type GitRepo } from './git';
import { cacheDirFor, reclaimWorktree, WorkspaceError, worktreeAdminDir, type BaseCommit } from './repo-cache';

/** A worktree as the runner recorded it: its cache, git's admin dir and work tree, its branch and base. */
export interface WorktreeTarget {
  cache: string;
  worktree: GitRepo;
  branch: string;
  base: BaseCommit;
}

export interface ReusedWorkspace {
  /** The execution whose workspace it is (the conversation's first). */
  owner: string;
  cwd: string;
  /** The worktree, for a job naming a repository; null for a plain directory. */
  target: WorktreeTarget | null;
}

export const removedText = (owner: string): string => `the workspace of ${owner} was removed; start a new execution`;

/**
 * The workspace `job.workspaceOf` left on this runner. A worktree continues from its branch's head: the base of this
 * run's commit and patch is what the earlier runs committed, so each run's `git` event shows its own changes.
 */
export async function findReusable(
  options: { workspacesDir: string; reposDir: string },
  job: Pick<Job, 'workspaceOf' | 'repo'>,
): Promise<ReusedWorkspace> {
  const owner = job.workspaceOf;
  if (!owner) throw new WorkspaceError('the job continues no workspace');
  const cwd = join(options.workspacesDir, owner);
  // lstat: a symlink standing where the workspace was is not somebody's workspace.
  const info = await lstat(cwd).catch(() => null);
  if (!info?.isDirectory()) throw new WorkspaceError(removedText(owner));
  if (!job.repo) return { owner, cwd, target: null };
  const cache = cacheDirFor(options.reposDir, job.repo);
  const adminDir = await worktreeAdminDir(cache, cwd);
  if (!adminDir) throw new WorkspaceError(removedText(owner));
  const worktree: GitRepo = { gitDir: adminDir, workTree: cwd };
  await reclaimWorktree(cache, worktree);
  const branch = `claudeops/${owner}`;
  const head = await git(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`], {
    repo: { gitDir: cache },
  }).catch(() => null);
  const baseCommit = head?.stdout.trim();
  if (!baseCommit)
    throw new WorkspaceError(`the branch ${branch} of ${owner}'s workspace is gone; start a new execution`);
  return { owner, cwd, target: { cache, worktree, branch, base: { baseRef: branch, baseCommit } } };
}
