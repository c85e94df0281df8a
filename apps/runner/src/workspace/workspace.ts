// Per-execution workspaces for the job runner: a plain directory, or, when the job names a repository, a worktree of
// the runner's cached clone on branch claudeops/<execution id>. After Claude Code ran, the worktree's changes are
// committed, reported in a `git` event and uploaded as a patch; old workspaces are cleaned up by policy. A follow-up
// (Job.workspaceOf) runs in its conversation's existing workspace (workspace-reuse.ts).
import { mkdir, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { EventData, EventDraft, Job } from '@claudeops/control-plane/protocol';
import { ApiError, type PatchUpload } from '../stream/api-client';
import { sleep } from '../support/backoff';
import { commitAll, commitMessage, readPatch, summarizeChanges } from './git-commit';
import { displayRepo, scrubCredentials, type GitRepo } from './git';
import { pushBranch } from './git-push';
import { createLogger, errorMessage, type Logger } from '../support/logger';
import { addWorktree, fetchCache, reclaimWorktree, resolveBase, WorkspaceError, type BaseCommit } from './repo-cache';
import { sessionDirFor } from './session-dir';
import { findReusable, removedText, type ReusedWorkspace, type WorktreeTarget } from './workspace-reuse';
import {
  cleanupWorkspaces,
  DEFAULT_WORKTREE_MAX_AGE_MS,
  DEFAULT_WORKTREE_MAX_COUNT,
  type CleanupResult,
} from './worktree-cleanup';

export { WorkspaceError } from './repo-cache';

export type UploadPatch = (executionId: string, patch: PatchUpload) => Promise<void>;
type Emit = (draft: EventDraft) => unknown;

export interface WorkspacesOptions {
  /** Each execution's workspace is <workspacesDir>/<execution id>. */
  workspacesDir: string;
  /** Cached clones, one per repository (<stateDir>/repos). */
  reposDir: string;
  maxAgeMs?: number;
  maxCount?: number;
  /** Applied to the commit message and the patch before either leaves this module (the runner's redactor). */
  redact?: (text: string) => string;
  uploadPatch?: UploadPatch;
  /** Delays between patch upload attempts (default 1 s, 3 s). */
  uploadRetryDelaysMs?: number[];
  log?: Logger;
}

/** How the run ended, for the commit message; `publish` false when nobody wants its events any more. */
export interface FinishedRun {
  status: 'succeeded' | 'failed' | 'cancelled';
  result: EventData<'result'> | null;
  publish: boolean;
  /** The run waits for a person's review: its branch is committed but not pushed. */
  held?: boolean;
}

export interface Workspace {
  readonly cwd: string;
  /** A worktree's records (never what its `.git` file says) and the commit the run started from; absent for a plain
   * directory. Checkpoints and rewinds use them. */
  readonly git?: { repo: GitRepo; base: string };
  /** Claude Code's config dir for the run (its sessions), shared by every run in this workspace (session-dir.ts). */
  readonly sessionDir: string;
  /** Commits and reports what changed (a worktree), marks the workspace unused, schedules cleanup; never throws. */
  finish(run: FinishedRun): Promise<void>;
}

const FILES_IN_EVENT = 1000;

export class Workspaces {
  private readonly active = new Set<string>();
  private readonly log: Logger;
  private cleaning: Promise<CleanupResult> | null = null;
  private queued: Promise<CleanupResult> | null = null;

  constructor(private readonly options: WorkspacesOptions) {
    this.log = options.log ?? createLogger('workspaces');
  }

  /** Creates the job's workspace; a repository that cannot be used emits an error `log` and throws WorkspaceError. */
  async prepare(job: Job, emit: Emit, signal?: AbortSignal): Promise<Workspace> {
    const id = job.executionId;
    if (job.workspaceOf && job.workspaceOf !== id) return this.reuse(job, emit);
    const cwd = join(this.options.workspacesDir, id);
    const sessionDir = sessionDirFor(this.options.workspacesDir, id);
    this.active.add(id);
    if (!job.repo) {
      try {
        await mkdir(cwd, { recursive: true });
      } catch (error) {
        this.active.delete(id);
        throw error;
      }
      return { cwd, sessionDir, finish: () => this.release(id) };
    }
    const repo = job.repo;
    const branch = `claudeops/${id}`;
    let base: BaseCommit;
    let cache: string;
    let worktree: GitRepo;
    try {
      await mkdir(this.options.workspacesDir, { recursive: true });
      cache = await fetchCache(this.options.reposDir, repo, signal);
      base = await resolveBase(cache, repo, job.ref);
      worktree = await addWorktree(cache, cwd, branch, base.baseCommit, signal);
    } catch (error) {
      this.active.delete(id);
      const failure =
        error instanceof WorkspaceError
          ? error
          : new WorkspaceError(`cannot prepare the worktree: ${scrubCredentials(errorMessage(error))}`);
      const detail = failure.detail && failure.detail !== failure.message ? `\n${failure.detail}` : '';
      emit(logDraft('error', `${failure.message}${detail}`));
      throw failure;
    }
    const shown = displayRepo(repo);
    emit(logDraft('info', `worktree of ${shown} on branch ${branch} from ${base.baseRef} (${base.baseCommit})`));
    // From here on git works on the records addWorktree returned, never on what the workspace's `.git` says.
    const target = { cache, worktree, branch, base };
    const git = { repo: worktree, base: base.baseCommit };
    return { cwd, sessionDir, git, finish: (run) => this.finishWorktree(job, target, run, emit) };
  }

  /** A follow-up's workspace: its conversation's, in use (and its age restarting) from now until the run ends. */
  private async reuse(job: Job, emit: Emit): Promise<Workspace> {
    const owner = job.workspaceOf!;
    this.active.add(owner);
    let found: ReusedWorkspace;
    try {
      found = await findReusable(this.options, job);
      const now = new Date();
      await utimes(found.cwd, now, now);
    } catch (error) {
      this.active.delete(owner);
      const failure =
        error instanceof WorkspaceError ? error : new WorkspaceError(`${removedText(owner)} (${errorMessage(error)})`);
      emit(logDraft('error', scrubCredentials(failure.message)));
      throw failure;
    }
    const { cwd, target } = found;
    const sessionDir = sessionDirFor(this.options.workspacesDir, owner);
    const where = target ? ` on branch ${target.branch} at ${target.base.baseCommit}` : '';
    emit(logDraft('info', `continuing in the workspace of ${owner}${where}`));
    if (!target) return { cwd, sessionDir, finish: () => this.release(owner) };
    const git = { repo: target.worktree, base: target.base.baseCommit };
    return { cwd, sessionDir, git, finish: (run) => this.finishWorktree(job, target, run, emit) };
  }

  /** Applies the retention policy: one run at a time; a call during a run gets a fresh run after it. */
  cleanup(): Promise<CleanupResult> {
    this.queued ??= (this.cleaning ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => {
        this.queued = null;
        this.cleaning = this.runCleanup().finally(() => (this.cleaning = null));
        return this.cleaning;
      });
    return this.queued;
  }

  private async runCleanup(): Promise<CleanupResult> {
    const result = await cleanupWorkspaces({
      workspacesDir: this.options.workspacesDir,
      maxAgeMs: this.options.maxAgeMs ?? DEFAULT_WORKTREE_MAX_AGE_MS,
      maxCount: this.options.maxCount ?? DEFAULT_WORKTREE_MAX_COUNT,
      keep: this.active,
      reposDir: this.options.reposDir,
    });
    if (result.removed.length > 0) this.log.info('removed old workspaces', { count: result.removed.length });
    for (const { executionId, error } of result.failed) {
      this.log.warn('could not remove a workspace', { executionId, error });
    }
    return result;
  }

  private async finishWorktree(job: Job, target: WorktreeTarget, run: FinishedRun, emit: Emit): Promise<void> {
    const id = job.executionId;
    const { cache, worktree, branch, base } = target;
    const cwd = worktree.workTree ?? '';
    try {
      await reclaimWorktree(cache, worktree);
      const message = this.redact(
        commitMessage({
          prompt: job.prompt,
          executionId: id,
          attempt: job.attempt,
          status: run.status,
          resultText: run.result?.text,
          costUsd: run.result?.totalCostUsd,
        }),
      );
      await commitAll(worktree, message);
      const changes = await summarizeChanges(worktree, base.baseCommit);
      const patch = changes.commit
        ? await readPatch(worktree, base.baseCommit, changes.commit, (text) => this.redact(text))
        : { text: '', bytes: 0, truncated: false };
      emit({
        type: 'git',
        ts: new Date().toISOString(),
        data: {
          repo: displayRepo(job.repo ?? ''),
          baseRef: base.baseRef,
          baseCommit: base.baseCommit,
          branch,
          commit: changes.commit,
          message: changes.message === null ? null : this.redact(changes.message),
          files: changes.files.slice(0, FILES_IN_EVENT),
          insertions: changes.insertions,
          deletions: changes.deletions,
          patchBytes: patch.bytes,
          patchTruncated: patch.truncated,
        },
      });
      if (changes.commit && run.publish && this.options.uploadPatch) await this.upload(id, patch, emit);
      // openPullRequest: the branch goes to the remote with the host's credentials; the control plane opens the PR.
      if (job.openPullRequest && run.status === 'succeeded' && run.publish && !run.held) {
        const data = await pushBranch(cache, job.repo ?? '', branch, changes.commit);
        emit({ type: 'git.push', ts: new Date().toISOString(), data });
      }
    } catch (error) {
      const text = `could not commit the worktree's changes (they stay in ${cwd}): ${errorMessage(error)}`;
      emit(logDraft('error', scrubCredentials(text)));
    }
    // A follow-up's workspace is its conversation's: that one is released (and its age counted from now).
    await this.release(job.workspaceOf ?? id);
  }

  private async upload(executionId: string, patch: PatchUpload, emit: Emit): Promise<void> {
    const delays = this.options.uploadRetryDelaysMs ?? [1000, 3000];
    for (let attempt = 0; ; attempt++) {
      try {
        await this.options.uploadPatch!(executionId, patch);
        return;
      } catch (error) {
        // Only an unreachable or failing control plane is worth another try; a refusal will be refused again.
        const retriable =
          !(error instanceof ApiError) ||
          error.code === 'NETWORK' ||
          (error.status !== undefined && error.status >= 500);
        const delay = delays[attempt];
        if (!retriable || delay === undefined) {
          emit(
            logDraft(
              'warn',
              `could not upload the patch (the commit is on the runner's branch): ${scrubCredentials(errorMessage(error))}`,
            ),
          );
          return;
        }
        await sleep(delay);
      }
    }
  }

  /** The workspace's mtime becomes its last use (the cleanup's age), and the policy runs in the background. */
  private async release(executionId: string): Promise<void> {
    const now = new Date();
    await utimes(join(this.options.workspacesDir, executionId), now, now).catch(() => undefined);
    this.active.delete(executionId);
    void this.cleanup().catch((error: unknown) =>
      this.log.warn('workspace cleanup failed', { error: errorMessage(error) }),
    );
  }

  // The one place the runner's redactor reaches the commit message, git messages and the patch.
  private redact(text: string): string {
    return this.options.redact ? this.options.redact(text) : text;
  }
}

function logDraft(level: 'info' | 'warn' | 'error', message: string): EventDraft {
  return { type: 'log', ts: new Date().toISOString(), data: { level, message } };
}
