// Runs the jobs the Fleet offers: slot accounting, offer dedupe, idempotent cancel, drain and shutdown; each accepted
// job runs in job-execution.ts and asks its model-call permits through job-budget.ts. Used by the daemon; the agent
// and the stream are injected.
import { join } from 'node:path';
import type {
  CancelReason,
  EventData,
  ExecutionStatus,
  HostSnapshot,
  Job,
  RunnerToFleet,
} from '@claudeops/control-plane/protocol';
import type { AgentOptions } from '../agent/agent';
import type { LiveMessage } from '../agent/agent-input';
import type { JobFrame } from '../stream/connection';
import { noteBudgetAlert, requestJobPermit } from './job-budget';
import { executeJob, type JobExecutionDeps, type StartAgent } from './job-execution';
import { RunningJob, type EventStream, type JobSnapshot } from './running-job';
import type { StreamHandlers } from '../stream/log-streamer';
import { createLogger, errorMessage, type Logger } from '../support/logger';
import type { ProxiedExecution } from '../proxy/model-proxy';
import type { RunRecords } from '../daemon/run-records';
import { Workspaces } from '../workspace/workspace';
import { sandboxRefusal } from '../sandbox/job-sandbox';
import type { Sandbox } from '../sandbox/sandbox';

export type { StartAgent } from './job-execution';
export type { EventStream, JobSnapshot } from './running-job';
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
  /** Secrets a template may name (Job.secrets), by name; a job gets only those it names. */
  runnerSecrets?: ReadonlyMap<string, string>;
  /** The runner's redactor, applied to Claude Code's text before it is cut to fit an event. */
  redact?: (text: string) => string;
  agentOptions?: AgentOptions;
  /** Workspaces (git worktrees for jobs naming a repo); plain ones with a cache under workspacesDir when absent. */
  workspaces?: Workspaces;
  /** Where each run's cookie and process group are recorded, so a restarted runner can reap what a crash left. */
  runRecords?: RunRecords;
  /** Reads the host for a health run (host-snapshot.ts by default). */
  collectHostSnapshot?: () => Promise<HostSnapshot>;
  /** Confines each run (absent: none, and jobs requiring a sandbox are rejected). */
  sandbox?: Sandbox;
  /** The runner's `--local-model-url`, for local reviewers. */
  localModelUrl?: string;
  log?: Logger;
}

/** Executions remembered after they end, so a late repeated offer never starts one a second time. */
const FINISHED_MEMORY = 1000;

export class JobRunner {
  private readonly jobs = new Map<string, RunningJob>();
  private readonly finished = new Set<string>();
  private accepting = true;
  private idleWaiters: Array<() => void> = [];
  private readonly log: Logger;
  private readonly execution: JobExecutionDeps;

  constructor(private readonly options: JobRunnerOptions) {
    this.log = options.log ?? createLogger('jobs');
    const workspaces =
      options.workspaces ??
      new Workspaces({ workspacesDir: options.workspacesDir, reposDir: join(options.workspacesDir, '.repos') });
    this.execution = { ...options, workspaces, log: this.log };
  }

  /** Executions holding a slot (running, or finishing their log); the heartbeat renews their leases. */
  running(): string[] {
    return [...this.jobs.keys()];
  }

  snapshot(): JobSnapshot[] {
    return [...this.jobs.values()].map((active) => active.snapshot());
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
    const refusal = sandboxRefusal(job, this.options.sandbox?.kind ?? 'none');
    if (refusal) {
      this.log.warn('rejected an offer', { executionId: id, reason: refusal });
      this.options.send({ type: 'job.reject', executionId: id, reason: refusal });
      return;
    }
    if (this.jobs.size >= this.options.maxConcurrent) {
      const reason = `no free slot (${this.jobs.size} of ${this.options.maxConcurrent} busy)`;
      this.log.info('rejected an offer', { executionId: id, reason });
      this.options.send({ type: 'job.reject', executionId: id, reason });
      return;
    }
    const stream = this.options.openStream(id, {
      onCancel: (reason) => this.cancel(id, reason),
      onClosed: (info) => this.logClosed(id, info.status),
      onAlert: (alert) => this.alerted(id, alert),
      onApprovalResult: (decision, pattern) => this.jobs.get(id)?.resolveApproval(decision, pattern),
      onMessage: (message) => this.message(id, message),
      onPause: (pause) => this.jobs.get(id)?.pause.hubPaused(pause),
      onResume: () => this.jobs.get(id)?.pause.hubResumed(),
    });
    const active = new RunningJob(job, stream);
    this.jobs.set(id, active);
    this.options.send({ type: 'job.accept', executionId: id });
    this.log.info('accepted a job', { executionId: id });
    void executeJob(active, this.execution)
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
    if (active.cancel(reason)) this.log.info('cancelling', { executionId, reason });
  }

  /** The execution's model calls as the model proxy sees them; undefined when it does not run here. */
  proxiedExecution(executionId: string): ProxiedExecution | undefined {
    const active = this.jobs.get(executionId);
    if (!active) return undefined;
    return {
      requestPermit: (signal) => requestJobPermit(active, signal, this.log, () => this.cancel(executionId, 'budget')),
    };
  }

  /** The model proxy holds one of the execution's calls after a 429 or 529, until `until`. */
  rateLimited(executionId: string, until: Date): void {
    this.jobs.get(executionId)?.pause.rateLimited(until);
  }

  /** That held call is over (answered, given up, or its caller left). */
  rateLimitCleared(executionId: string): void {
    this.jobs.get(executionId)?.pause.rateLimitCleared();
  }

  /** Drain: rejects every offer from now on; running jobs go on. */
  stopAccepting(): void {
    this.accepting = false;
  }

  /** Forced exit: SIGKILLs every running Claude Code's process group now, without waiting for the cancel's grace. */
  killAll(): void {
    for (const active of this.jobs.values()) active.kill();
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

  /** A message for the live session; one that comes after the input ended stays with the hub (a follow-up). */
  private message(executionId: string, message: LiveMessage): void {
    const delivery = this.jobs.get(executionId)?.deliverMessage(message) ?? 'ended';
    if (delivery === 'duplicate') return;
    this.log.info(delivery === 'queued' ? 'a message for the live session' : 'a message after the session ended', {
      executionId,
      messageId: message.messageId,
    });
  }

  private alerted(executionId: string, alert: EventData<'budget.alert'>): void {
    const active = this.jobs.get(executionId);
    if (active) noteBudgetAlert(active, alert);
  }

  private logClosed(executionId: string, status: ExecutionStatus | null): void {
    const active = this.jobs.get(executionId);
    if (active?.closeLog()) {
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
