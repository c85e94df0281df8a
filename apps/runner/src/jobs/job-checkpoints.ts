// A job's checkpoints, for its execution: the worktree snapshot at each turn boundary (before the next model call,
// and after a turn that would end the run) as a `checkpoint` event, a file breakpoint the turn's changes hit, the
// rewind a follow-up starts with (its checkpoint's files put back), and the recent transcript the reviewer reads.
// Used by job-execution.ts.
import type { EventDraft, Job } from '@claudeops/control-plane/protocol';
import { fileBreakpoint } from '../permissions/breakpoints';
import { errorMessage } from '../support/logger';
import { Checkpoints } from '../workspace/checkpoints';
import type { GitRepo } from '../workspace/git';
import type { Workspace } from '../workspace/workspace';
import type { AgentOutcome } from '../agent/agent';
import type { JobExecutionDeps } from './job-execution';
import { logDraft, type RunningJob } from './running-job';

type Emit = (draft: EventDraft) => unknown;

const REF = /^refs\/claudeops\/checkpoints\/(ex_[0-9a-z]{26})\/([1-9][0-9]*)$/;
const recorders = new WeakMap<{ repo: GitRepo; base: string }, Checkpoints>();

/** The job's checkpoint recorder on its worktree (one per workspace records). */
export function checkpointsOf(
  job: Pick<Job, 'executionId'>,
  git: { repo: GitRepo; base: string },
  deps: Pick<JobExecutionDeps, 'redact'>,
): Checkpoints {
  let recorder = recorders.get(git);
  if (recorder === undefined) {
    recorder = new Checkpoints({
      repo: git.repo,
      executionId: job.executionId,
      base: git.base,
      ...(deps.redact && { redact: deps.redact }),
    });
    recorders.set(git, recorder);
  }
  return recorder;
}

/**
 * The turn-boundary checkpoint, one at a time: a no-op without a worktree or when nothing changed since the last.
 * Never throws (a failed snapshot is a warning in the log); a file breakpoint the changes hit waits here for the
 * resume.
 */
export function turnCheckpoints(
  active: RunningJob,
  workspace: Workspace,
  deps: Pick<JobExecutionDeps, 'redact'>,
  emit: Emit,
): () => Promise<void> {
  const git = workspace.git;
  if (git === undefined) return async () => undefined;
  const recorder = checkpointsOf(active.job, git, deps);
  let next: number | null = null;
  let chain = Promise.resolve();
  const once = async () => {
    try {
      next ??= ((await recorder.list()).at(-1)?.n ?? 0) + 1;
      const checkpoint = await recorder.record(next, active.abort.signal);
      if (checkpoint === null) return;
      next = checkpoint.n + 1;
      const data = { ...checkpoint, messageId: active.lastChainEntry };
      emit({ type: 'checkpoint', ts: new Date().toISOString(), data });
      const hit = fileBreakpoint(
        active.job.breakpoints,
        checkpoint.files.map((f) => f.path),
        workspace.cwd,
      );
      if (hit !== null) await active.pause.breakpoint(hit);
    } catch (error) {
      if (!active.ending) emit(logDraft('warn', `could not record a checkpoint: ${errorMessage(error)}`));
    }
  };
  active.beforeModelCall = () => (chain = chain.then(once));
  return active.beforeModelCall;
}

/** A rewind's follow-up puts its checkpoint's files back before Claude Code starts; the failed outcome when it
 * cannot (null: nothing to do, or done). */
export async function applyRewind(job: Job, workspace: Workspace, emit: Emit): Promise<AgentOutcome | null> {
  if (job.rewind === null) return null;
  const match = REF.exec(job.rewind.ref);
  if (workspace.git === undefined || match === null) {
    return { status: 'failed', reason: `cannot rewind to ${job.rewind.ref}: the workspace has no such checkpoint` };
  }
  const [, source = '', n = ''] = match;
  try {
    const recorder = new Checkpoints({ repo: workspace.git.repo, executionId: source, base: workspace.git.base });
    const { changed } = await recorder.restore(job.rewind.ref);
    const files = changed.length === 1 ? '1 file' : `${changed.length} files`;
    emit(logDraft('info', `rewound the files to checkpoint ${n} of ${source} (${files} put back)`));
    return null;
  } catch (error) {
    return { status: 'failed', reason: `cannot rewind to checkpoint ${n} of ${source}: ${errorMessage(error)}` };
  }
}

/** The last events the reviewer's transcript digest is made of (what Claude said and did). */
export class Transcript {
  static readonly MAX = 400;
  readonly events: { type: string; data: unknown }[] = [];

  note(draft: EventDraft): void {
    if (!['assistant.text', 'tool.call', 'tool.result', 'user.message', 'result'].includes(draft.type)) return;
    this.events.push({ type: draft.type, data: draft.data });
    if (this.events.length > Transcript.MAX) this.events.splice(0, this.events.length - Transcript.MAX);
  }
}
