// Pushing an execution's branch (claudeops/<execution id>) to its repository's remote for `openPullRequest: true`,
// with the host's git credentials (its credential helpers, SSH keys and URL rewrites: `network` git), from the
// runner's cache clone, never from the workspace. The outcome becomes the `git.push` event the control plane opens
// the pull request from. Used by workspace.ts.
import type { EventData } from '@claudeops/control-plane/protocol';
import { displayRepo, git, GitError } from './git';

export type PushOutcome = EventData<'git.push'>;

/** A push that takes longer than this fails (the job is over; nobody can wait for it forever). */
const PUSH_TIMEOUT_MS = 5 * 60_000;
const ERROR_MAX = 900;

/**
 * Pushes `branch` of the cache clone at `cache` to its `origin` (the job's repository) as the same branch name.
 * `commit` null: the run changed nothing, so there is nothing to push. Never throws: a failure is the outcome.
 */
export async function pushBranch(
  cache: string,
  repo: string,
  branch: string,
  commit: string | null,
  signal?: AbortSignal,
): Promise<PushOutcome> {
  const outcome = { repo: displayRepo(repo), branch, commit };
  if (commit === null) return { ...outcome, ok: false, error: 'the run changed no files, so there is nothing to push' };
  // The ref is named in full on both sides: a branch called like an option or a tag can never be meant.
  const refspec = `${commit}:refs/heads/${branch}`;
  try {
    await git(['push', '--quiet', '--no-verify', '--porcelain', 'origin', refspec], {
      repo: { gitDir: cache },
      network: true,
      timeoutMs: PUSH_TIMEOUT_MS,
      ...(signal ? { signal } : {}),
    });
    return { ...outcome, ok: true };
  } catch (error) {
    const message = error instanceof GitError ? error.message : `git push failed: ${String(error)}`;
    return { ...outcome, ok: false, error: message.slice(0, ERROR_MAX) };
  }
}
