// Checkpoints of a job's worktree: after each turn of Claude Code that changed files, a commit of the work tree's
// whole content on a hidden ref (refs/claudeops/checkpoints/<execution id>/<n>), and a rewind that puts one back. Made
// with a separate index file kept in the worktree's admin dir, so the branch, HEAD and the real index never move, and
// each record only rehashes what changed since the last. For the job runner, between turns.
import { copyFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CLAUDEOPS_AUTHOR, parseNumstat, readPatch } from './git-commit';
import { checkpointRef as protocolCheckpointRef } from '@claudeops/control-plane/protocol';
import { git, withRepoLock, type GitOptions, type GitRepo } from './git';

/** One file a checkpoint changed, against the checkpoint before it (renames under their new path). */
export interface CheckpointFile {
  path: string;
  insertions: number;
  deletions: number;
}

/** What one turn changed, as recorded. */
export interface Checkpoint {
  n: number;
  ref: string;
  commit: string;
  /** At most CHECKPOINT_MAX_FILES; the totals below count every file. */
  files: CheckpointFile[];
  insertions: number;
  deletions: number;
  /** Unified diff against the previous checkpoint (or the base), cut at a line end at CHECKPOINT_PATCH_CAP_BYTES. */
  patch: string;
  patchTruncated: boolean;
}

/** A checkpoint as the refs list it. */
export interface CheckpointRef {
  n: number;
  ref: string;
  commit: string;
}

export interface CheckpointsOptions {
  /** The worktree as the runner's records know it: its admin dir and work tree (never its `.git` file). */
  repo: GitRepo;
  executionId: string;
  /** The commit the run started from (HEAD at start): the first checkpoint's parent. */
  base: string;
  /** Applied to each patch before it leaves this module (the runner's redactor); none by default. */
  redact?: (text: string) => string;
}

export const CHECKPOINT_MAX_FILES = 1000;
export const CHECKPOINT_PATCH_CAP_BYTES = 32 * 1024;
const REF_ROOT = 'refs/claudeops/checkpoints';
const INDEX_NAME = 'claudeops-checkpoint-index';
/** Execution ids become ref path components: nothing that git's ref rules or a shell-like reader would trip on. */
const SAFE_ID = /^[A-Za-z0-9_-]{1,100}$/;
const COMMIT_ID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/** The hidden ref of checkpoint `n` of an execution (the protocol's name), after checking both parts are safe. */
export function checkpointRef(executionId: string, n: number): string {
  if (!SAFE_ID.test(executionId))
    throw new Error(`"${executionId}" cannot name checkpoints (letters, digits, _ and -)`);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`checkpoint number ${n} is not a whole number of 0 or more`);
  return protocolCheckpointRef(executionId, n);
}

/** Records, lists, restores and removes one execution's checkpoints; calls on one worktree run one at a time. */
export class Checkpoints {
  private readonly repo: GitRepo;
  private readonly executionId: string;
  private readonly base: string;
  private readonly redact: (text: string) => string;
  private readonly indexFile: string;
  private readonly prefix: string;
  /** The latest checkpoint (or the base) as known after the first record: saves a for-each-ref per turn. */
  private latest: { n: number; commit: string; tree: string } | null = null;

  constructor(options: CheckpointsOptions) {
    if (!options.repo.workTree) throw new Error('checkpoints need a worktree, and this repository has no work tree');
    if (!COMMIT_ID.test(options.base)) throw new Error(`the base "${options.base}" is not a full commit id`);
    checkpointRef(options.executionId, 0);
    this.repo = options.repo;
    this.executionId = options.executionId;
    this.base = options.base;
    this.redact = options.redact ?? ((text) => text);
    this.indexFile = join(options.repo.gitDir, INDEX_NAME);
    this.prefix = `${REF_ROOT}/${options.executionId}/`;
  }

  /**
   * Snapshots the work tree (untracked files included, ignored ones not) as checkpoint `n`, whose parent is the
   * latest checkpoint or the base; null, and no ref, when nothing changed since that one. `n` must be after it.
   */
  async record(n: number, signal?: AbortSignal): Promise<Checkpoint | null> {
    const ref = checkpointRef(this.executionId, n);
    return this.serial(async () => {
      const previous = await this.latestCheckpoint(signal);
      if (n <= previous.n) {
        throw new Error(`checkpoint ${n} of ${this.executionId} cannot follow checkpoint ${previous.n}`);
      }
      const tree = await this.snapshotTree(previous.tree, signal);
      if (tree === previous.tree) return null;
      // The diffs need only the two trees: they run beside the commit and its ref (a turn waits on two processes fewer).
      const [commit, numstat, patch] = await Promise.all([
        this.commitCheckpoint(n, ref, tree, previous.commit, signal),
        this.git(['diff', '--numstat', '-z', '-M', '--no-ext-diff', '--no-textconv', previous.tree, tree], { signal }),
        readPatch(this.repo, previous.tree, tree, this.redact, CHECKPOINT_PATCH_CAP_BYTES),
      ]);
      this.latest = { n, commit, tree };
      const files = parseNumstat(numstat.stdout);
      return {
        n,
        ref,
        commit,
        files: files.slice(0, CHECKPOINT_MAX_FILES),
        insertions: files.reduce((sum, f) => sum + f.insertions, 0),
        deletions: files.reduce((sum, f) => sum + f.deletions, 0),
        patch: patch.text,
        patchTruncated: patch.truncated,
      };
    });
  }

  /**
   * Makes the work tree equal checkpoint `ref`'s tree: files changed since are put back, files created since removed,
   * files deleted since restored; ignored files stay as they are, and so do HEAD, the branch and the real index.
   * Returns the paths it changed. `ref` must be one of this execution's checkpoints.
   */
  async restore(ref: string): Promise<{ changed: string[] }> {
    const n = this.numberOf(ref);
    if (n === null) throw new Error(`"${ref}" is not a checkpoint of execution ${this.executionId}`);
    return this.serial(async () => {
      const target = await this.git(['rev-parse', '--verify', '--quiet', `${ref}^{tree}`], { okCodes: [1] });
      if (target.code !== 0) throw new Error(`checkpoint ${n} of execution ${this.executionId} does not exist`);
      const tree = target.stdout.trim();
      const previous = await this.latestCheckpoint();
      // The checkpoint index is brought up to the work tree first, so the switch below sees every change as a change
      // (never as an untracked file in the way) and rewrites only the files that differ.
      const now = await this.snapshotTree(previous.tree);
      const diff = await this.git(['diff', '--name-only', '-z', '--no-renames', now, tree]);
      const changed = diff.stdout.split('\0').filter((path) => path !== '');
      if (changed.length > 0) await this.withIndex(['read-tree', '-m', '-u', now, tree]);
      return { changed };
    });
  }

  /** This execution's checkpoints, by number. */
  /** The diff from the run's base to its latest checkpoint (the reviewer reads it), cut at `capBytes`. */
  async diffFromBase(capBytes = 64 * 1024): Promise<string> {
    const latest = await this.latestCheckpoint();
    if (latest.commit === this.base) return '';
    return (await readPatch(this.repo, this.base, latest.commit, this.redact, capBytes)).text;
  }

  async list(): Promise<CheckpointRef[]> {
    const listed = await this.git(['for-each-ref', '--format=%(refname)%00%(objectname)', this.prefix]);
    const found: CheckpointRef[] = [];
    for (const line of listed.stdout.split('\n')) {
      const [ref = '', commit = ''] = line.split('\0');
      const n = this.numberOf(ref);
      if (n !== null && commit) found.push({ n, ref, commit });
    }
    return found.sort((a, b) => a.n - b.n);
  }

  /** Deletes this execution's checkpoint refs and its index file. */
  remove(): Promise<void> {
    return this.serial(async () => {
      const refs = await this.list();
      if (refs.length > 0) {
        await this.git(['update-ref', '--stdin'], { input: refs.map(({ ref }) => `delete ${ref}\n`).join('') });
      }
      await rm(this.indexFile, { force: true });
      this.latest = null;
    });
  }

  /** Commits `tree` as checkpoint `n` on top of `parent` and creates its ref (which must not exist yet). */
  private async commitCheckpoint(n: number, ref: string, tree: string, parent: string, signal?: AbortSignal) {
    const { name, email } = CLAUDEOPS_AUTHOR;
    const message = `checkpoint ${n} of ${this.executionId}`;
    const commit = (
      await this.git(['commit-tree', tree, '-p', parent, '-m', message], {
        signal,
        env: { GIT_AUTHOR_NAME: name, GIT_AUTHOR_EMAIL: email, GIT_COMMITTER_NAME: name, GIT_COMMITTER_EMAIL: email },
      })
    ).stdout.trim();
    // The empty old value: the ref must not exist yet (a checkpoint is never rewritten).
    await this.git(['update-ref', ref, commit, ''], { signal });
    return commit;
  }

  /** The checkpoint a new one follows: the highest-numbered one, or the base as number -1. */
  private async latestCheckpoint(signal?: AbortSignal): Promise<{ n: number; commit: string; tree: string }> {
    if (this.latest) return this.latest;
    const last = (await this.list()).at(-1);
    const commit = last?.commit ?? this.base;
    const tree = (await this.git(['rev-parse', '--verify', `${commit}^{tree}`], { signal })).stdout.trim();
    this.latest = { n: last?.n ?? -1, commit, tree };
    return this.latest;
  }

  /**
   * The work tree as a tree object, through the checkpoint index. A missing index is seeded from the real one (HEAD's
   * files with their stat data: no rehash of unchanged files) or else from `seedTree`; a broken one is rebuilt once,
   * from `seedTree` alone (the real index may be what broke it).
   */
  private async snapshotTree(seedTree: string, signal?: AbortSignal): Promise<string> {
    if (!(await stat(this.indexFile).catch(() => null))) await this.seedIndex(seedTree, signal);
    try {
      await this.withIndex(['add', '--all'], signal);
    } catch (error) {
      if (signal?.aborted) throw error;
      // A torn index or a lock left by a crash: only this class writes that index, and never twice at once.
      await rm(`${this.indexFile}.lock`, { force: true });
      await rm(this.indexFile, { force: true });
      await this.withIndex(['read-tree', seedTree], signal);
      await this.withIndex(['add', '--all'], signal);
    }
    return (await this.withIndex(['write-tree'], signal)).stdout.trim();
  }

  private async seedIndex(seedTree: string, signal?: AbortSignal): Promise<void> {
    const copied = await copyFile(join(this.repo.gitDir, 'index'), this.indexFile).then(
      () => true,
      () => false,
    );
    if (!copied) await this.withIndex(['read-tree', seedTree], signal);
  }

  private withIndex(args: string[], signal?: AbortSignal) {
    return this.git(args, { signal, env: { GIT_INDEX_FILE: this.indexFile } });
  }

  private git(args: string[], options: Omit<GitOptions, 'repo'> = {}) {
    return git(args, { ...options, repo: this.repo });
  }

  /** The checkpoint number in one of this execution's refs, else null. */
  private numberOf(ref: string): number | null {
    if (!ref.startsWith(this.prefix)) return null;
    const rest = ref.slice(this.prefix.length);
    return /^(0|[1-9]\d{0,14})$/.test(rest) ? Number(rest) : null;
  }

  /** One record, restore or removal at a time per worktree: they share its checkpoint index. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    return withRepoLock(this.indexFile, work);
  }
}
