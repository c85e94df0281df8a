// One accepted job's run, for the job runner: the state a job holding a slot carries, and its execute path (workspace,
// Claude Code, the commit, the final status, the wait for its log to drain). job-budget.ts shares the state.
import type { CancelReason, EventData, EventDraft, ExecutionStatus, Job } from '@claudeops/control-plane/protocol';
import type { AgentHandle, AgentOptions, AgentOutcome, startAgent } from './agent';
import { throughModelProxy } from './agent-env';
import { errorMessage, type Logger } from './logger';
import type { PermitAnswer } from './model-proxy';
import { newRunCookie, type RunRecords } from './run-records';
import { WorkspaceError, type Workspace, type Workspaces } from './workspace';

export type StartAgent = typeof startAgent;

/** What the job runner needs of a log streamer (LogStreamer in production, a recorder in tests). */
export interface EventStream {
  start(): void;
  emit(draft: EventDraft): number | null;
  drained(): Promise<void>;
  /** Asks the hub whether a model call may start (see LogStreamer.requestPermit). */
  requestPermit(signal?: AbortSignal): Promise<PermitAnswer>;
  stop(): void;
  /** Where the stream stands, for `claudeops-runner status` (LogStreamer has it). */
  readonly progress?: { lastSeq: number; ackedSeq: number; unacked: number; spooled?: number };
}

/** A job holding one of the runner's slots. */
export interface ActiveJob {
  job: Job;
  stream: EventStream;
  handle: AgentHandle | null;
  cancelReason: CancelReason | null;
  /** The hub closed the log: nobody wants this run's events any more. */
  logClosed: boolean;
  outcome: AgentOutcome | null;
  /** Which budget stopped the run (a refused permit, a hard alert), for the final status of a `budget` cancel. */
  budgetNote: string | null;
  since: string;
  /** Claude Code's result, for the commit message of a worktree. */
  result: EventData<'result'> | null;
  /** Aborts preparing the workspace (a clone can take a while). */
  abort: AbortController;
}

/** What executeJob needs of the job runner (its options, its workspaces and its logger). */
export interface JobExecutionDeps {
  startAgent: StartAgent;
  workspaces: Workspaces;
  agentEnv?: Record<string, string>;
  modelBaseUrl?: (executionId: string) => string;
  agentOptions?: AgentOptions;
  runRecords?: RunRecords;
  log: Logger;
}

export const CANCEL_TEXT: Record<CancelReason, string> = {
  user: 'cancelled by user',
  lease_lost: 'the runner lost its lease on this execution',
  runner_shutdown: 'the runner shut down',
  budget: 'a budget limit was reached',
};

/** The longest reason a status or log event the runner writes itself carries. */
export const MAX_REASON = 2000;

/** Runs one job to its final status; resolves once the hub has every event of it (or the stream gave up). */
export async function executeJob(active: ActiveJob, deps: JobExecutionDeps): Promise<void> {
  const { job, stream } = active;
  stream.start();
  stream.emit(statusDraft('running'));
  let outcome: AgentOutcome;
  let workspace: Workspace | undefined;
  try {
    workspace = await deps.workspaces.prepare(job, (draft) => stream.emit(draft), active.abort.signal);
    const cwd = workspace.cwd;
    if (active.cancelReason || active.logClosed) {
      outcome = { status: 'cancelled', reason: CANCEL_TEXT[active.cancelReason ?? 'lease_lost'] };
    } else {
      const handle = deps.startAgent(
        {
          executionId: job.executionId,
          prompt: job.prompt,
          model: job.model,
          maxBudgetUsd: job.maxBudgetUsd,
          cwd,
          env: agentEnv(deps, job.executionId),
          ...recordRun(deps, job.executionId),
        },
        (draft) => {
          if (draft.type === 'result') active.result = draft.data;
          return stream.emit(draft);
        },
        deps.agentOptions,
      );
      active.handle = handle;
      outcome = await handle.done;
    }
  } catch (error) {
    outcome = active.cancelReason
      ? { status: 'cancelled', reason: CANCEL_TEXT[active.cancelReason] }
      : error instanceof WorkspaceError
        ? { status: 'failed', reason: error.message }
        : { status: 'failed', reason: `the runner could not run Claude Code: ${errorMessage(error)}` };
  }
  // The commit and the `git` event come before the final status, which closes the log.
  await workspace?.finish({ status: outcome.status, result: active.result, publish: !active.logClosed });
  active.outcome = outcome;
  const reason =
    outcome.status === 'cancelled' && active.cancelReason === 'budget' && active.budgetNote
      ? `cancelled: ${active.budgetNote}`
      : (outcome.reason ??
        (outcome.status === 'cancelled' && active.cancelReason ? CANCEL_TEXT[active.cancelReason] : undefined));
  stream.emit(statusDraft(outcome.status, reason));
  deps.log.info('job finished', { executionId: job.executionId, status: outcome.status, reason });
  // The slot stays taken until the hub has every event: the execution is not over for anyone watching before then.
  await stream.drained();
  stream.stop();
}

/** Records the run before Claude Code starts: a restarted runner reaps its processes by this cookie. */
function recordRun(deps: JobExecutionDeps, executionId: string): { cookie?: string; onSpawn?: (pid: number) => void } {
  const records = deps.runRecords;
  if (!records) return {};
  const cookie = newRunCookie(executionId);
  records.begin(executionId, cookie);
  const onSpawn = (pid: number) => {
    try {
      records.spawned(executionId, pid);
    } catch (error) {
      deps.log.warn('could not record the Claude Code process', { executionId, error: errorMessage(error) });
    }
  };
  return { cookie, onSpawn };
}

function agentEnv(deps: JobExecutionDeps, executionId: string): Record<string, string> {
  const env = { ...deps.agentEnv };
  return deps.modelBaseUrl ? throughModelProxy(env, deps.modelBaseUrl(executionId)) : env;
}

function statusDraft(status: ExecutionStatus, reason?: string): EventDraft {
  const data: { status: ExecutionStatus; reason?: string } = { status };
  if (reason) data.reason = reason.slice(0, MAX_REASON);
  return { type: 'status', ts: new Date().toISOString(), data };
}
