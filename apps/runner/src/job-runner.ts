// Runs the jobs the Fleet offers: slot accounting, offer dedupe, a workspace and an event stream per execution, the
// agent, its final status, idempotent cancel, and the permits its model calls ask for through the runner's model
// proxy. Used by the daemon; the agent and the stream are injected.
import { join } from 'node:path';
import type {
  CancelReason,
  EventData,
  EventDraft,
  ExecutionStatus,
  Job,
  RunnerToFleet,
} from '@claudeops/control-plane/protocol';
import type { AgentHandle, AgentOptions, AgentOutcome, startAgent } from './agent';
import { throughModelProxy } from './agent-env';
import type { JobFrame } from './connection';
import type { StreamHandlers } from './log-streamer';
import { createLogger, errorMessage, type Logger } from './logger';
import type { PermitAnswer, ProxiedExecution } from './model-proxy';
import { signalGroup } from './process-group';
import { newRunCookie, type RunRecords } from './run-records';
import { WorkspaceError, Workspaces, type Workspace } from './workspace';

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
export type OpenStream = (executionId: string, handlers: StreamHandlers) => EventStream;

export interface JobRunnerOptions {
  maxConcurrent: number;
  workspacesDir: string;
  startAgent: StartAgent;
  openStream: OpenStream;
  /** Answers to offers, on the control socket. */
  send: (frame: RunnerToFleet) => void;
  /** Environment for Claude Code (see agent-env.ts). */
  agentEnv?: Record<string, string>;
  /** The model proxy's base URL for an execution; Claude Code's ANTHROPIC_BASE_URL becomes it. */
  modelBaseUrl?: (executionId: string) => string;
  agentOptions?: AgentOptions;
  /** Workspaces (git worktrees for jobs naming a repo); plain ones with a cache under workspacesDir when absent. */
  workspaces?: Workspaces;
  /** Where each run's cookie and process group are recorded, so a restarted runner can reap what a crash left. */
  runRecords?: RunRecords;
  log?: Logger;
}

/** A running job as `claudeops-runner status` shows it. */
export interface JobSnapshot {
  executionId: string;
  since: string;
  progress: EventStream['progress'] | null;
}

interface ActiveJob {
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

const CANCEL_TEXT: Record<CancelReason, string> = {
  user: 'cancelled by user',
  lease_lost: 'the runner lost its lease on this execution',
  runner_shutdown: 'the runner shut down',
  budget: 'a budget limit was reached',
};

/** Executions remembered after they end, so a late repeated offer never starts one a second time. */
const FINISHED_MEMORY = 1000;
const MAX_REASON = 2000;

export class JobRunner {
  private readonly jobs = new Map<string, ActiveJob>();
  private readonly finished = new Set<string>();
  private accepting = true;
  private idleWaiters: Array<() => void> = [];
  private readonly log: Logger;
  private readonly workspaces: Workspaces;

  constructor(private readonly options: JobRunnerOptions) {
    this.log = options.log ?? createLogger('jobs');
    this.workspaces =
      options.workspaces ??
      new Workspaces({ workspacesDir: options.workspacesDir, reposDir: join(options.workspacesDir, '.repos') });
  }

  /** Executions holding a slot (running, or finishing their log); the heartbeat renews their leases. */
  running(): string[] {
    return [...this.jobs.keys()];
  }

  snapshot(): JobSnapshot[] {
    return [...this.jobs.values()].map((active) => ({
      executionId: active.job.executionId,
      since: active.since,
      progress: active.stream.progress ?? null,
    }));
  }

  get freeSlots(): number {
    return Math.max(0, this.options.maxConcurrent - this.jobs.size);
  }

  handleFrame(frame: JobFrame): void {
    if (frame.type === 'job.offer') this.offer(frame.job);
    else this.cancel(frame.executionId, frame.reason);
  }

  /** Takes an offered job if a slot is free; a repeated offer of a job it already runs is accepted again. */
  offer(job: Job): void {
    const id = job.executionId;
    if (this.jobs.has(id)) {
      this.log.debug('repeated offer, already running', { executionId: id });
      this.options.send({ type: 'job.accept', executionId: id });
      return;
    }
    if (this.finished.has(id)) {
      // Rejecting would requeue a job this runner already ran; its lease will lapse instead.
      this.log.warn('ignored an offer for an execution this runner already ran', { executionId: id });
      return;
    }
    if (!this.accepting) {
      this.options.send({ type: 'job.reject', executionId: id, reason: 'runner is shutting down' });
      return;
    }
    if (this.jobs.size >= this.options.maxConcurrent) {
      const reason = `no free slot (${this.jobs.size} of ${this.options.maxConcurrent} busy)`;
      this.log.info('rejected an offer', { executionId: id, reason });
      this.options.send({ type: 'job.reject', executionId: id, reason });
      return;
    }
    const active: ActiveJob = {
      job,
      stream: this.options.openStream(id, {
        onCancel: (reason) => this.cancel(id, reason),
        onClosed: (info) => this.logClosed(id, info.status),
        onAlert: (alert) => this.alerted(id, alert),
      }),
      handle: null,
      cancelReason: null,
      logClosed: false,
      outcome: null,
      budgetNote: null,
      since: new Date().toISOString(),
      result: null,
      abort: new AbortController(),
    };
    this.jobs.set(id, active);
    this.options.send({ type: 'job.accept', executionId: id });
    this.log.info('accepted a job', { executionId: id });
    void this.execute(active)
      .catch((error: unknown) => this.log.error('job runner failed', { executionId: id, error: errorMessage(error) }))
      .finally(() => this.forget(id));
  }

  /** Stops an execution; idempotent (the first reason wins); unknown executions are ignored. */
  cancel(executionId: string, reason: CancelReason): void {
    const active = this.jobs.get(executionId);
    if (!active) {
      this.log.debug('cancel for an execution not running here', { executionId, reason });
      return;
    }
    if (active.cancelReason || active.outcome) return;
    active.cancelReason = reason;
    this.log.info('cancelling', { executionId, reason });
    active.abort.abort();
    // Before the agent has started, execute() sees cancelReason and never starts it.
    active.handle?.cancel(reason);
  }

  /** The execution's model calls as the model proxy sees them; undefined when it does not run here. */
  proxiedExecution(executionId: string): ProxiedExecution | undefined {
    const active = this.jobs.get(executionId);
    if (!active) return undefined;
    return { requestPermit: (signal) => this.requestPermit(active, signal) };
  }

  /** Drain: rejects every offer from now on; running jobs go on. */
  stopAccepting(): void {
    this.accepting = false;
  }

  /** Forced exit: SIGKILLs every running Claude Code's process group now, without waiting for the cancel's grace. */
  killAll(): void {
    for (const active of this.jobs.values()) if (active.handle?.pid) signalGroup(active.handle.pid, 'SIGKILL');
  }

  /** Stops taking offers, cancels every running job, and waits (up to timeoutMs) until their logs are flushed. */
  async shutdown(timeoutMs: number): Promise<void> {
    this.accepting = false;
    for (const id of this.jobs.keys()) this.cancel(id, 'runner_shutdown');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      this.idle().then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      this.log.warn('shutdown timed out; dropping unsent events', { executions: this.running().join(',') });
      for (const active of this.jobs.values()) active.stream.stop();
    }
  }

  /** Resolves when no job holds a slot. */
  idle(): Promise<void> {
    if (this.jobs.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async execute(active: ActiveJob): Promise<void> {
    const { job, stream } = active;
    stream.start();
    stream.emit(statusDraft('running'));
    let outcome: AgentOutcome;
    let workspace: Workspace | undefined;
    try {
      workspace = await this.workspaces.prepare(job, (draft) => stream.emit(draft), active.abort.signal);
      const cwd = workspace.cwd;
      if (active.cancelReason || active.logClosed) {
        outcome = { status: 'cancelled', reason: CANCEL_TEXT[active.cancelReason ?? 'lease_lost'] };
      } else {
        const handle = this.options.startAgent(
          {
            executionId: job.executionId,
            prompt: job.prompt,
            model: job.model,
            maxBudgetUsd: job.maxBudgetUsd,
            cwd,
            env: this.agentEnv(job.executionId),
            ...this.recordRun(job.executionId),
          },
          (draft) => {
            if (draft.type === 'result') active.result = draft.data;
            return stream.emit(draft);
          },
          this.options.agentOptions,
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
    this.log.info('job finished', { executionId: job.executionId, status: outcome.status, reason });
    // The slot stays taken until the hub has every event: the execution is not over for anyone watching before then.
    await stream.drained();
    stream.stop();
  }

  /** Records the run before Claude Code starts: a restarted runner reaps its processes by this cookie. */
  private recordRun(executionId: string): { cookie?: string; onSpawn?: (pid: number) => void } {
    const records = this.options.runRecords;
    if (!records) return {};
    const cookie = newRunCookie(executionId);
    records.begin(executionId, cookie);
    const onSpawn = (pid: number) => {
      try {
        records.spawned(executionId, pid);
      } catch (error) {
        this.log.warn('could not record the Claude Code process', { executionId, error: errorMessage(error) });
      }
    };
    return { cookie, onSpawn };
  }

  private agentEnv(executionId: string): Record<string, string> {
    const env = { ...this.options.agentEnv };
    return this.options.modelBaseUrl ? throughModelProxy(env, this.options.modelBaseUrl(executionId)) : env;
  }

  private async requestPermit(active: ActiveJob, signal: AbortSignal): Promise<PermitAnswer> {
    const id = active.job.executionId;
    // A run on its way out starts no new model call: a cancel takes seconds to take effect, calls cost money.
    if (active.cancelReason || active.logClosed || active.outcome) {
      return {
        allowed: false,
        reason: `the execution is ending (${CANCEL_TEXT[active.cancelReason ?? 'lease_lost']})`,
      };
    }
    const answer = await active.stream.requestPermit(signal);
    // Refusals of the runner's own (the caller left, the log ended) need no more than the refusal itself.
    if (answer.allowed || signal.aborted || active.logClosed || active.outcome) return answer;
    const reason = answer.reason ?? 'no reason given';
    this.log.warn('the control plane refused a model call; cancelling', { executionId: id, reason });
    active.budgetNote ??= reason;
    active.stream.emit(logDraft('warn', `ClaudeOps refused a model call: ${reason}`));
    // The hub is cancelling the execution for its budget too; cancelling now, not when its exec.cancel arrives, ends
    // the run as cancelled even when Claude Code would have given up on the refused call (failed) first.
    this.cancel(id, 'budget');
    return answer;
  }

  private alerted(executionId: string, alert: EventData<'budget.alert'>): void {
    const active = this.jobs.get(executionId);
    if (!active || alert.level !== 'hard') return;
    const limit = `$${alert.limitUsd.toFixed(2)}`;
    const spent = `$${alert.spentUsd.toFixed(2)} spent`;
    active.budgetNote ??=
      alert.scope === 'execution'
        ? `the execution's maxBudgetUsd of ${limit} was reached (${spent})`
        : `budget ${alert.scope}: hard limit ${limit} reached (${spent})`;
  }

  private logClosed(executionId: string, status: ExecutionStatus | null): void {
    const active = this.jobs.get(executionId);
    if (!active || active.logClosed) return;
    active.logClosed = true;
    if (!active.outcome) {
      this.log.warn('the hub closed the log of a running job; stopping it', { executionId, status });
      this.cancel(executionId, status === 'cancelled' ? 'user' : 'lease_lost');
    }
  }

  private forget(executionId: string): void {
    this.jobs.delete(executionId);
    this.options.runRecords?.end(executionId);
    this.finished.add(executionId);
    if (this.finished.size > FINISHED_MEMORY) {
      const oldest = this.finished.values().next().value;
      if (oldest !== undefined) this.finished.delete(oldest);
    }
    if (this.jobs.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}

function logDraft(level: 'warn', message: string): EventDraft {
  return { type: 'log', ts: new Date().toISOString(), data: { level, message: message.slice(0, MAX_REASON) } };
}

function statusDraft(status: ExecutionStatus, reason?: string): EventDraft {
  const data: { status: ExecutionStatus; reason?: string } = { status };
  if (reason) data.reason = reason.slice(0, MAX_REASON);
  return { type: 'status', ts: new Date().toISOString(), data };
}
