// Checkpoints of a job's worktree: at each turn boundary (before each model call, and after a result) the worktree is
// snapshotted with a SEPARATE index (a runner-owned temp file, never the worktree's own index): `add -A` (ignored
// files stay out), `write-tree`; when the tree differs from the last one, a commit (parent: the previous checkpoint)
// goes onto refs/claudeops/checkpoints/<execution>/<n> in the runner's cache and a `checkpoint` event says what
// changed. It is the tree that is compared, not the tools, so a Bash edit counts. The branch, HEAD and the worktree's
// index are untouched. The refs live as long as the workspace (worktree-cleanup.ts removes them with it). Created by
// workspace.ts for a worktree; job-execution.ts attaches it to the job's turn hooks.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkpointRef,
  MAX_CHECKPOINT_DIFF_BYTES,
  type CheckpointData,
  type EventDraft,
} from '@claudeops/control-plane/protocol';
import type { ChainEntry } from '../agent/agent-events';
import { git, type GitRepo } from './git';
import { CLAUDEOPS_AUTHOR, parseNumstat, readPatch } from './git-commit';

/** How long a checkpoint waits for the tool results of the last assistant message to reach the runner. */
const SETTLE_MS = 1_000;
const FILES_IN_EVENT = 1000;

export interface CheckpointTarget {
  /** The runner's cached clone: checkpoint commits and refs live there. */
  cache: string;
  worktree: GitRepo;
  /** HEAD of the worktree when the job started. */
  baseCommit: string;
  /** The execution whose workspace it is (the conversation's first): named in each commit, for the cleanup. */
  owner: string;
}

export interface CheckpointsOptions {
  executionId: string;
  target: CheckpointTarget;
  emit: (draft: EventDraft) => unknown;
  redact?: (text: string) => string;
  /** Failures are reported here and never fail the run (default: ignored). */
  warn?: (message: string) => void;
}

/** The Claude Code session as the runner saw it: its latest chain entry, and tool calls still waiting for results. */
export class SessionTrail {
  last: ChainEntry | null = null;
  lastAssistant: ChainEntry | null = null;
  private readonly pending = new Set<string>();
  private waiters: Array<() => void> = [];

  readonly note = (entry: ChainEntry): void => {
    this.last = entry;
    if (entry.messageId) this.lastAssistant = entry;
    for (const id of entry.toolUses) this.pending.add(id);
    for (const id of entry.toolResults) this.pending.delete(id);
    if (this.pending.size === 0) this.wake();
  };

  /** Resolves once every tool call seen has its result (so the checkpoint's entry is the turn's last), or after
   * `timeoutMs` (a side call made while a tool runs must not wait for it). */
  async settled(timeoutMs: number): Promise<void> {
    if (this.pending.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.waiters.push(resolve);
      timer = setTimeout(resolve, timeoutMs);
    });
    clearTimeout(timer);
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}

export class Checkpoints {
  readonly trail = new SessionTrail();
  private n = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly options: CheckpointsOptions,
    private readonly index: string,
    private lastTree: string,
    private parent: string,
  ) {}

  /** Takes the starting snapshot (after a rewind's restore): the first checkpoint is what changed from here. */
  static async open(options: CheckpointsOptions): Promise<Checkpoints> {
    const dir = await mkdtemp(join(tmpdir(), 'claudeops-checkpoint-'));
    const index = join(dir, 'index');
    try {
      const { worktree, baseCommit, cache } = options.target;
      await git(['read-tree', baseCommit], { repo: worktree, env: { GIT_INDEX_FILE: index } });
      const tree = await snapshotTree(worktree, index);
      const baseTree = (await git(['rev-parse', `${baseCommit}^{tree}`], { repo: { gitDir: cache } })).stdout.trim();
      // A start that is not the base commit (a rewound workspace) gets a commit of its own, so diffs stay per turn.
      const parent = tree === baseTree ? baseCommit : await commitTree(cache, tree, baseCommit, 'start', options);
      return new Checkpoints(options, index, tree, parent);
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Checkpoints made so far. */
  get count(): number {
    return this.n;
  }

  /** Registers with the job's turn hooks (RunningJob.turnHooks). */
  attach(hooks: Array<(moment: 'before-model-call' | 'after-result') => Promise<void>>): void {
    hooks.push(() => this.take().then(() => undefined));
  }

  /** One checkpoint if the worktree changed since the last; one at a time, in order. */
  take(): Promise<CheckpointData | null> {
    const next = this.chain.then(() => (this.closed ? null : this.takeOnce()));
    this.chain = next.catch((error: unknown) => this.options.warn?.(`checkpoint failed: ${String(error)}`));
    return next;
  }

  /** Waits for a checkpoint in progress and removes the temp index; no checkpoint is taken after it. */
  async close(): Promise<void> {
    this.closed = true;
    await this.chain;
    await rm(join(this.index, '..'), { recursive: true, force: true });
  }

  private async takeOnce(): Promise<CheckpointData | null> {
    const { target, executionId, redact } = this.options;
    const tree = await snapshotTree(target.worktree, this.index);
    if (tree === this.lastTree) return null;
    // Where a rewind would resume: only once Claude Code has said something (nothing ran before its first answer).
    if (this.trail.lastAssistant === null) return null;
    await this.trail.settled(SETTLE_MS);
    const n = this.n + 1;
    const cache = { gitDir: target.cache };
    const commit = await commitTree(target.cache, tree, this.parent, `${n}`, this.options);
    await git(['update-ref', checkpointRef(executionId, n), commit], { repo: cache });
    const numstat = await git(
      ['diff', '--numstat', '-z', '-M', '--no-ext-diff', '--no-textconv', this.parent, commit],
      {
        repo: cache,
      },
    );
    const files = parseNumstat(numstat.stdout);
    const patch = await readPatch(cache, this.parent, commit, redact ?? ((text) => text), MAX_CHECKPOINT_DIFF_BYTES);
    const { last, lastAssistant } = this.trail;
    const data: CheckpointData = {
      n,
      messageId: lastAssistant.messageId ?? '',
      ...(last && { sessionMessageId: last.uuid, sessionId: last.sessionId }),
      commit,
      files: files.slice(0, FILES_IN_EVENT),
      insertions: files.reduce((sum, f) => sum + f.insertions, 0),
      deletions: files.reduce((sum, f) => sum + f.deletions, 0),
      diff: patch.text,
      diffTruncated: patch.truncated,
    };
    this.n = n;
    this.lastTree = tree;
    this.parent = commit;
    this.options.emit({ type: 'checkpoint', ts: new Date().toISOString(), data });
    return data;
  }
}

/** The worktree's tree as the separate index sees it: everything not ignored, Bash's edits included. */
export async function snapshotTree(worktree: GitRepo, index: string): Promise<string> {
  const env = { GIT_INDEX_FILE: index };
  await git(['add', '--all', '--ignore-errors'], { repo: worktree, env });
  return (await git(['write-tree'], { repo: worktree, env })).stdout.trim();
}

/** The subject names the checkpoint's workspace, which the cleanup removes its refs with. */
export const checkpointSubject = (executionId: string, what: string, owner: string): string =>
  `ClaudeOps checkpoint ${what} of ${executionId} in workspace ${owner}`;

async function commitTree(
  cache: string,
  tree: string,
  parent: string,
  what: string,
  options: CheckpointsOptions,
): Promise<string> {
  const { name, email } = CLAUDEOPS_AUTHOR;
  const message = checkpointSubject(options.executionId, what, options.target.owner);
  const result = await git(['commit-tree', tree, '-p', parent, '-m', message], {
    repo: { gitDir: cache },
    env: { GIT_AUTHOR_NAME: name, GIT_AUTHOR_EMAIL: email, GIT_COMMITTER_NAME: name, GIT_COMMITTER_EMAIL: email },
  });
  return result.stdout.trim();
}

/** Removes the checkpoint refs of the workspaces named (their commits go with git's next gc); never throws. */
export async function removeCheckpointRefs(cache: string, owners: readonly string[]): Promise<number> {
  if (owners.length === 0) return 0;
  const repo = { gitDir: cache };
  const listed = await git(['for-each-ref', '--format=%(refname)%09%(subject)', 'refs/claudeops/checkpoints/'], {
    repo,
  }).catch(() => null);
  if (!listed) return 0;
  const doomed = listed.stdout
    .split('\n')
    .map((line) => line.split('\t'))
    .filter(([ref, subject]) => ref && owners.some((owner) => subject?.endsWith(` in workspace ${owner}`)))
    .map(([ref]) => ref!);
  if (doomed.length === 0) return 0;
  const input = doomed.map((ref) => `delete ${ref}\n`).join('');
  await git(['update-ref', '--stdin'], { repo, input }).catch(() => undefined);
  return doomed.length;
}
