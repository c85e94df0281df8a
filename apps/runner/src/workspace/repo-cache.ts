// The runner's cached clones: one bare repository per repo under <stateDir>/repos, fetched before each job, and the
// worktree a job runs in (branch claudeops/<execution id>). Used by workspace.ts.
import { createHash } from 'node:crypto';
import { access, lstat, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { displayRepo, git, GitError, withRepoLock, type GitRepo } from './git';

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
        await git(['remote', 'add', 'origin', repo], { repo: { gitDir: dir }, signal });
        await git(['config', 'remote.origin.fetch', ORIGIN_HEADS], { repo: { gitDir: dir }, signal });
      } else {
        await verifyCacheConfig(dir);
      }
      await git(['fetch', '--quiet', '--prune', '--force', '--tags', 'origin'], {
        repo: { gitDir: dir },
        network: true,
        signal,
      });
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
      await git(['remote', 'set-head', 'origin', '--auto'], { repo: { gitDir: cache }, network: true });
      const head = (
        await git(['symbolic-ref', '--quiet', 'refs/remotes/origin/HEAD'], { repo: { gitDir: cache } })
      ).stdout.trim();
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
  return (
    await git(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], { repo: { gitDir: cache } })
  ).stdout.trim();
}

/**
 * Checks out `baseCommit` at `path` on branch `branch` and returns the worktree as the runner's records know it. A
 * directory left there by an earlier life of the same execution is replaced, and the branch reset (-B): it is the
 * same job starting again.
 */
export async function addWorktree(
  cache: string,
  path: string,
  branch: string,
  baseCommit: string,
  signal?: AbortSignal,
): Promise<GitRepo> {
  return withRepoLock(cache, async () => {
    if (await stat(path).catch(() => null)) {
      await rm(path, { recursive: true, force: true });
      await git(['worktree', 'prune'], { repo: { gitDir: cache } });
    }
    try {
      await git(['worktree', 'add', '--quiet', '--no-track', '-B', branch, path, baseCommit], {
        repo: { gitDir: cache },
        signal,
      });
    } catch (error) {
      throw asWorkspaceError(error, `cannot create a worktree on branch ${branch}`);
    }
    const adminDir = await worktreeAdminDir(cache, path);
    if (!adminDir) throw new WorkspaceError(`git made no record of the worktree at ${path}`);
    return { gitDir: adminDir, workTree: path };
  });
}

/**
 * The admin dir (<cache>/worktrees/<name>) of the worktree at `path`, found from the cache's own records (each
 * admin dir's `gitdir` file names its worktree's `.git`); null if the cache has none for it.
 */
export async function worktreeAdminDir(cache: string, path: string): Promise<string | null> {
  const root = join(cache, 'worktrees');
  const names = await readdir(root).catch(() => [] as string[]);
  for (const name of names) {
    const gitdir = await readFile(join(root, name, 'gitdir'), 'utf8').catch(() => null);
    if (gitdir !== null && resolve(root, name, gitdir.trim()) === join(resolve(path), '.git')) return join(root, name);
  }
  return null;
}

/**
 * Checks a worktree against the runner's records before the runner's own git commands touch it, and puts its `.git`
 * file back as git wrote it (so git in the workspace, a person's included, finds the runner's repository again). A
 * work tree that is no longer a plain directory, or a cache or admin dir that is not what the runner made, is refused.
 */
export async function reclaimWorktree(cache: string, worktree: GitRepo): Promise<void> {
  const { gitDir, workTree } = worktree;
  if (!workTree) throw new WorkspaceError('the workspace has no work tree');
  const dir = await lstat(workTree).catch(() => null);
  if (!dir?.isDirectory()) throw new WorkspaceError(`the workspace ${workTree} is no longer a directory`);
  await verifyCacheConfig(cache);
  const commondir = await readFile(join(gitDir, 'commondir'), 'utf8').catch(() => null);
  if (commondir === null || resolve(gitDir, commondir.trim()) !== resolve(cache)) {
    throw new WorkspaceError(`the runner's record of the worktree ${workTree} (${gitDir}) is missing or altered`);
  }
  const dotGit = join(workTree, '.git');
  const text = `gitdir: ${gitDir}\n`;
  if ((await readFile(dotGit, 'utf8').catch(() => null)) !== text) {
    // Whatever stands there (a rewritten file, a directory, a symlink) goes; rm never follows a link.
    await rm(dotGit, { recursive: true, force: true });
    await writeFile(dotGit, text, { flag: 'wx' });
  }
}

/** Forgets worktrees whose directories are gone (the cleanup removed them); their branches stay. */
export function pruneWorktrees(cache: string): Promise<void> {
  return withRepoLock(cache, async () => {
    await git(['worktree', 'prune'], { repo: { gitDir: cache } });
  });
}

/**
 * Deletes the checkpoint refs (refs/claudeops/checkpoints/<execution>/<n>) of the executions whose workspaces were
 * removed, and any older than `maxAgeMs` (a follow-up's, whose ids name no workspace of their own).
 */
export function dropCheckpoints(cache: string, removed: readonly string[], maxAgeMs: number, now: number) {
  return withRepoLock(cache, async () => {
    const repo = { gitDir: cache };
    const { stdout } = await git(
      ['for-each-ref', '--format=%(refname) %(committerdate:unix)', 'refs/claudeops/checkpoints/'],
      { repo },
    );
    const doomed = stdout
      .split('\n')
      .map((line) => line.trim().split(' '))
      .filter(([ref, at]) => {
        const id = ref?.split('/')[3] ?? '';
        return ref !== undefined && ref !== '' && (removed.includes(id) || now - Number(at) * 1000 > maxAgeMs);
      })
      .map(([ref]) => `delete ${ref}\n`);
    if (doomed.length > 0) await git(['update-ref', '--stdin'], { repo, input: doomed.join('') });
  });
}

/**
 * The settings a cache's config may hold: the ones `git init --bare` and `git remote add` write. Anything else (a
 * fsmonitor, an include, a filter or diff driver, `extensions.worktreeConfig`, which would make git read a
 * config.worktree from the worktree's admin dir) was not written by the runner, and the cache is not used.
 */
const CACHE_CONFIG_KEYS = new Set([
  'core.repositoryformatversion',
  'core.filemode',
  'core.bare',
  'core.ignorecase',
  'core.precomposeunicode',
  'core.symlinks',
  'core.logallrefupdates',
  'remote.origin.url',
  'remote.origin.fetch',
  'extensions.objectformat',
  'extensions.refstorage',
  'extensions.relativeworktrees',
]);

/** Refuses a cache whose config holds a setting the runner did not write (see CACHE_CONFIG_KEYS). */
export async function verifyCacheConfig(cache: string): Promise<void> {
  // --file reads that one file (includes are not followed with --file); nothing in it is run.
  const listed = await git(['config', '--file', join(cache, 'config'), '--null', '--list']).catch((error: unknown) => {
    throw asWorkspaceError(error, `cannot read the config of the runner's cache ${cache}`);
  });
  const foreign = listed.stdout
    .split('\0')
    .filter((entry) => entry !== '')
    .map((entry) => entry.split('\n')[0]!.toLowerCase())
    .filter((key) => !CACHE_CONFIG_KEYS.has(key));
  if (foreign.length > 0) {
    throw new WorkspaceError(
      `the runner's cache ${cache} has settings the runner did not write (${[...new Set(foreign)].join(', ')}); ` +
        'it is not used: remove that directory and the next job rebuilds it',
    );
  }
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
