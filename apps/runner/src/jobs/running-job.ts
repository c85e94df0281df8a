// One job holding a slot on this runner: the job, its event stream, and the state that moves while it runs (the
// started agent, the approval gate, a cancel, the hub closing the log, the outcome, the budget that stopped it, the
// messages a person sends to the live session).
// Every transition is a method here, so the job runner, the job's execution and its budget side never set fields
// on a shared bag. Used by job-runner.ts, job-execution.ts and job-budget.ts.
import {
  CANCEL_REASON_TEXT,
  MAX_REASON_CHARS,
  type CancelReason,
  type EventData,
  type EventDraft,
  type ExecutionStatus,
  type Job,
} from '@claudeops/control-plane/protocol';
import type { AgentHandle, AgentOutcome } from '../agent/agent';
import { AgentInput, type Delivery, type LiveMessage } from '../agent/agent-input';
import type { ApprovalGate } from '../permissions/approval-gate';
import type { PermitAnswer } from '../proxy/model-proxy';
import { signalGroup } from '../agent/process-group';
import { JobPause } from './job-pause';

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

/** A running job as `claudeops-runner status` shows it. */
export interface JobSnapshot {
  executionId: string;
  since: string;
  progress: EventStream['progress'] | null;
}

export class RunningJob {
  readonly since = new Date().toISOString();
  /** Aborts preparing the workspace (a clone can take a while). */
  readonly abort = new AbortController();
  /** Claude Code's result (checked against the template's schema), for the commit message of a worktree. */
  result: EventData<'result'> | null = null;
  /** Claude Code's user turns after the prompt: messages may come before it starts, and wait here. */
  readonly input = new AgentInput();
  /** Paused or not, and the status to show (job-pause.ts). */
  readonly pause: JobPause;
  /** Runs before each model call is asked for: the turn boundary (a checkpoint of the turn that just ended). */
  beforeModelCall: (() => Promise<void>) | null = null;
  /** The last entry of the conversation's chain so far (a checkpoint's messageId). */
  lastChainEntry: string | null = null;
  /** Why the run waits for a person's review (its checks or reviewer did not pass); null when it does not. */
  needsReview: string | null = null;
  #cancelReason: CancelReason | null = null;
  #logClosed = false;
  #outcome: AgentOutcome | null = null;
  #budgetNote: string | null = null;
  #handle: AgentHandle | null = null;
  #gate: ApprovalGate | null = null;

  constructor(
    readonly job: Job,
    readonly stream: EventStream,
  ) {
    this.pause = new JobPause((draft) => stream.emit(draft));
  }

  get executionId(): string {
    return this.job.executionId;
  }

  get cancelReason(): CancelReason | null {
    return this.#cancelReason;
  }

  /** The hub closed the log: nobody wants this run's events any more. */
  get logClosed(): boolean {
    return this.#logClosed;
  }

  get outcome(): AgentOutcome | null {
    return this.#outcome;
  }

  /** Claude Code's PID (its process group), once it has started. */
  get pid(): number | undefined {
    return this.#handle?.pid;
  }

  /** Cancelled, its log closed by the hub, or finished: nothing new (a step, a model call) may start. */
  get ending(): boolean {
    return this.#cancelReason !== null || this.#logClosed || this.#outcome !== null;
  }

  /** Why a run that is ending stops: its cancel's text, or a lost lease when the hub closed the log. */
  stopText(): string {
    return CANCEL_REASON_TEXT[this.#cancelReason ?? 'lease_lost'];
  }

  /** The outcome of a run stopped before (or instead of) Claude Code's own end. */
  stopped(): AgentOutcome {
    return { status: 'cancelled', reason: this.stopText() };
  }

  /** Idempotent (the first reason wins, a finished run ignores it); true when this call started the cancel. */
  cancel(reason: CancelReason): boolean {
    if (this.#cancelReason !== null || this.#outcome !== null) return false;
    this.#cancelReason = reason;
    this.pause.end();
    this.abort.abort();
    this.input.end();
    // Approvals still waiting are answered (denied) now, so the run does not go back to `running` on its way out.
    this.#gate?.close(CANCEL_REASON_TEXT[reason]);
    // Before the agent has started, the execution sees the cancel and never starts it.
    this.#handle?.cancel(reason);
    return true;
  }

  /** The hub closed the log; true when the run was still going, so the caller must stop it. */
  closeLog(): boolean {
    if (this.#logClosed) return false;
    this.#logClosed = true;
    return this.#outcome === null;
  }

  /** The approval gate answers Claude Code's tool calls from now on; the hub's decisions go to it. */
  openGate(gate: ApprovalGate): void {
    this.#gate = gate;
  }

  /** A person's message for the live session (exec.message): see Delivery. */
  deliverMessage(message: LiveMessage): Delivery {
    return this.input.push(message);
  }

  resolveApproval(decision: EventData<'approval.decided'>, pattern: string): void {
    this.#gate?.resolve(decision, pattern);
  }

  /** Claude Code is gone: approvals still waiting are answered (denied) with `reason`. */
  closeGate(reason: string): void {
    this.#gate?.close(reason);
  }

  /** Claude Code started; a cancel from now on reaches it. A cancel that came meanwhile is passed on at once. */
  agentStarted(handle: AgentHandle): void {
    this.#handle = handle;
    if (this.#cancelReason !== null) handle.cancel(this.#cancelReason);
  }

  /** Which budget stopped the run (a refused permit, a hard alert); the first note wins. */
  noteBudget(note: string): void {
    this.#budgetNote ??= note;
  }

  /** Records the outcome (Claude Code's, or the stop's) and returns the reason its final status carries. */
  finish(outcome: AgentOutcome): string | undefined {
    this.#outcome = outcome;
    this.pause.end();
    this.input.end();
    if (outcome.status === 'cancelled' && this.#cancelReason === 'budget' && this.#budgetNote) {
      return `cancelled: ${this.#budgetNote}`;
    }
    return (
      outcome.reason ??
      (outcome.status === 'cancelled' && this.#cancelReason ? CANCEL_REASON_TEXT[this.#cancelReason] : undefined)
    );
  }

  /** Forced exit: SIGKILLs Claude Code's process group now, without waiting for a cancel's grace. */
  kill(): void {
    if (this.#handle?.pid) signalGroup(this.#handle.pid, 'SIGKILL');
  }

  snapshot(): JobSnapshot {
    return { executionId: this.executionId, since: this.since, progress: this.stream.progress ?? null };
  }
}

export function statusDraft(status: ExecutionStatus, reason?: string): EventDraft {
  const data: { status: ExecutionStatus; reason?: string } = { status };
  if (reason) data.reason = reason.slice(0, MAX_REASON_CHARS);
  return { type: 'status', ts: new Date().toISOString(), data };
}

export function logDraft(level: 'info' | 'warn' | 'error', message: string): EventDraft {
  return { type: 'log', ts: new Date().toISOString(), data: { level, message: message.slice(0, MAX_REASON_CHARS) } };
}
