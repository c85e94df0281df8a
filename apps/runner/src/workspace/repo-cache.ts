// The runner's cached clones: one bare repository per repo under <stateDir>/repos, fetched before each job, and the
// worktree a job runs in (branch claudeops/<execution id>). Used by workspace.ts.
import { createHash } from 'node:crypto';
import { access, mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, isAbsolute, join } from 'node:path';
import { displayRepo, git, GitError, withRepoLock } from './git';

/** A job's repository could not be used (unreachable, not a repository, unknown ref); the job fails with `message`. */
export class WorkspaceError extends Error {
  override name = 'WorkspaceError';
  constructor(
    message: string,
    /** git's own words, for the job's log. */
    readonly detail: string = '',
  ) {
    super(message);
  }
}

export interface BaseCommit {
  /** The ref the job named, or the repository's default branch. */
  baseRef: string;
  baseCommit: string;
}

const ORIGIN_HEADS = '+refs/heads/*:refs/remotes/origin/*';

/** <reposDir>/<name>-<hash>.git: readable, and distinct for two repos with the same name. */
export function cacheDirFor(reposDir: string, repo: string): string {
  const name =
    basename(repo.replace(/[/\\]+$/, '').replace(/\.git$/, ''))
      .replace(/^.*:/, '')
      .replace(/[^A-Za-z0-9._-]/g, '_')
      .slice(0, 60) || 'repo';
  const hash = createHash('sha256').update(repo).digest('hex').slice(0, 12);
  return join(reposDir, `${name}-${hash}.git`);
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/**
 * The cache clone of `repo`, fetched now: created on first use (a bare repository whose origin is `repo`, branches
 * under refs/remotes/origin so a fetch never touches the claudeops/* branches kept in it).
 */
export async function fetchCache(reposDir: string, repo: string, signal?: AbortSignal): Promise<string> {
  const shown = displayRepo(repo);
  if (isAbsolute(repo) && !(await exists(repo))) {
    throw new WorkspaceError(`repository ${shown} does not exist on this runner`);
  }
  const cache = cacheDirFor(reposDir, repo);
  return withRepoLock(cache, async () => {
    const fresh = !(await exists(join(cache, 'HEAD')));
    // A new cache is built aside and renamed into place once its first fetch worked: a crash or a bad URL never
    // leaves a half-made cache that looks ready.
    const dir = fresh ? `${cache}.${process.pid}.tmp` : cache;
    try {
      if (fresh) {
        await mkdir(reposDir, { recursive: true });
        await rm(dir, { recursive: true, force: true });
        await git(['init', '--bare', '--quiet', dir], { signal });
        await git(['remote', 'add', 'origin', repo], { cwd: dir, signal });
        await git(['config', 'remote.origin.fetch', ORIGIN_HEADS], { cwd: dir, signal });
      }
      await git(['fetch', '--quiet', '--prune', '--force', '--tags', 'origin'], { cwd: dir, signal });
      if (fresh) await rename(dir, cache);
    } catch (error) {
      if (fresh) await rm(dir, { recursive: true, force: true });
      throw asWorkspaceError(error, `cannot fetch ${shown}`);
    }
    return cache;
  });
}

/** The commit a worktree starts from: `ref` as a branch, tag, claudeops branch or commit; else the default branch. */
export async function resolveBase(cache: string, repo: string, ref: string | null): Promise<BaseCommit> {
  const shown = displayRepo(repo);
  if (ref === null) {
    try {
      await git(['remote', 'set-head', 'origin', '--auto'], { cwd: cache });
      const head = (await git(['symbolic-ref', '--quiet', 'refs/remotes/origin/HEAD'], { cwd: cache })).stdout.trim();
      const branch = head.replace(/^refs\/remotes\/origin\//, '');
      return { baseRef: branch, baseCommit: await commitOf(cache, head) };
    } catch (error) {
      throw asWorkspaceError(error, `cannot find the default branch of ${shown} (an empty repository?); name a ref`);
    }
  }
  // The protocol refuses such refs already; an option-looking ref must never reach git's command line.
  if (ref.startsWith('-') || ref.includes('..')) throw new WorkspaceError(`"${ref}" is not a valid git ref`);
  for (const candidate of [`refs/remotes/origin/${ref}`, `refs/tags/${ref}`, `refs/heads/${ref}`, ref]) {
    const commit = await commitOf(cache, candidate).catch(() => null);
    if (commit) return { baseRef: ref, baseCommit: commit };
  }
  throw new WorkspaceError(`ref "${ref}" is not a branch, tag or commit of ${shown}`);
}

async function commitOf(cache: string, rev: string): Promise<string> {
  return (await git(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], { cwd: cache })).stdout.trim();
}

/**
 * Checks out `baseCommit` at `path` on branch `branch`. A directory left there by an earlier life of the same
 * execution is replaced, and the branch reset (-B): it is the same job starting again.
 */
export async function addWorktree(
  cache: string,
  path: string,
  branch: string,
  baseCommit: string,
  signal?: AbortSignal,
): Promise<void> {
  await withRepoLock(cache, async () => {
    if (await stat(path).catch(() => null)) {
      await rm(path, { recursive: true, force: true });
      await git(['worktree', 'prune'], { cwd: cache });
    }
    try {
      await git(['worktree', 'add', '--quiet', '--no-track', '-B', branch, path, baseCommit], { cwd: cache, signal });
    } catch (error) {
      throw asWorkspaceError(error, `cannot create a worktree on branch ${branch}`);
    }
  });
}

/** Forgets worktrees whose directories are gone (the cleanup removed them); their branches stay. */
export function pruneWorktrees(cache: string): Promise<void> {
  return withRepoLock(cache, async () => {
    await git(['worktree', 'prune'], { cwd: cache });
  });
}

function asWorkspaceError(error: unknown, message: string): WorkspaceError {
  if (error instanceof WorkspaceError) return error;
  if (error instanceof GitError) {
    // git's first fatal line names the problem; what follows is generic advice ("make sure you have access...").
    const lines = error.stderr.split('\n').filter((line) => line.trim() !== '');
    const cause = lines.find((line) => /^(fatal|error): /.test(line)) ?? lines[0] ?? error.message;
    return new WorkspaceError(`${message}: ${cause.replace(/^(fatal|error): /, '')}`, error.stderr || error.message);
  }
  return new WorkspaceError(`${message}: ${error instanceof Error ? error.message : String(error)}`);
}
