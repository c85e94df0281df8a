// The runner's side of a rewind (Job.rewind, a rewind's follow-up): before Claude Code starts, the worktree is put
// back to a checkpoint's tree. Files changed since are reverted, files added since are removed, ignored files are
// left alone; the branch, HEAD and the worktree's own index are untouched (a separate temp index does the work).
// Used by workspace.ts when it prepares a follow-up's workspace.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobRewind } from '@claudeops/control-plane/protocol';
import { git, type GitRepo } from './git';
import { WorkspaceError } from './repo-cache';
import { snapshotTree } from './checkpoints';

/** Restores the worktree to the checkpoint; throws WorkspaceError when its ref is gone or names another commit. */
export async function restoreCheckpoint(cache: string, worktree: GitRepo, rewind: JobRewind): Promise<void> {
  const found = await git(['rev-parse', '--verify', '--quiet', `${rewind.ref}^{commit}`], {
    repo: { gitDir: cache },
    okCodes: [1],
  });
  const commit = found.stdout.trim();
  if (!commit) {
    throw new WorkspaceError(`checkpoint ${rewind.n} of ${rewind.executionId} is not on this runner any more`);
  }
  if (commit !== rewind.commit) {
    throw new WorkspaceError(`checkpoint ${rewind.n} of ${rewind.executionId} is ${commit}, not ${rewind.commit}`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'claudeops-rewind-'));
  const env = { GIT_INDEX_FILE: join(dir, 'index') };
  try {
    // The index starts as HEAD (fast), then takes the worktree as it is: what read-tree switches from.
    await git(['read-tree', 'HEAD'], { repo: worktree, env });
    const current = await snapshotTree(worktree, env.GIT_INDEX_FILE);
    // A two-tree merge from the current tree to the checkpoint's updates the files that differ and removes those the
    // checkpoint lacks; untracked files are only ignored ones, which stay.
    await git(['read-tree', '-m', '-u', '--exclude-per-directory=.gitignore', current, `${commit}^{tree}`], {
      repo: worktree,
      env,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
