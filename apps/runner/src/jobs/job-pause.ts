// A running job's pause, as the runner sees it: the hub's (a person, a budget, a cost or turn breakpoint: the hub
// holds the permits), the model proxy riding out a rate limit, or a tool/file breakpoint the runner itself hit (the
// tool call waits here until the hub's resume). It records the run's `status: paused` once per pause and the status
// to go back to after, and keeps the approval gate's running ⇄ awaiting_approval changes from showing while paused.
// Used by running-job.ts.
import {
  MAX_REASON_CHARS,
  type EventDraft,
  type ExecutionStatus,
  type PausedReason,
} from '@claudeops/control-plane/protocol';

type Emit = (draft: EventDraft) => void;

export class JobPause {
  #hub: { reason: PausedReason; message: string | null } | null = null;
  #breakpoint: string | null = null;
  #rateLimited = 0;
  #rateUntil: Date | null = null;
  /** The status the run has when not paused (the approval gate moves it). */
  #underlying: ExecutionStatus = 'running';
  #shown: string = JSON.stringify({ status: 'running' });
  #waiters: Array<(resumed: boolean) => void> = [];
  #ended = false;

  constructor(private readonly emit: Emit) {}

  get paused(): boolean {
    return this.#hub !== null || this.#breakpoint !== null || this.#rateLimited > 0;
  }

  /** exec.pause (or a pause in exec.welcome, repeated after each reconnect: recorded once). */
  hubPaused(pause: { reason: PausedReason; message: string | null }): void {
    if (this.#ended) return;
    // The runner's own breakpoint pause comes back from the hub as its pause: nothing new to record.
    if (this.#breakpoint !== null && pause.reason === 'breakpoint') return;
    this.#hub = pause;
    this.show();
  }

  /** exec.resume: every pause but a rate limit ends; a tool call held at a breakpoint goes on. */
  hubResumed(): void {
    this.#hub = null;
    this.#breakpoint = null;
    this.settle(true);
    this.show();
  }

  /** The model proxy holds a call until `until` (a 429 or 529). */
  rateLimited(until: Date): void {
    this.#rateLimited++;
    if (this.#rateUntil === null || until > this.#rateUntil) this.#rateUntil = until;
    this.show();
  }

  rateLimitCleared(): void {
    this.#rateLimited = Math.max(0, this.#rateLimited - 1);
    if (this.#rateLimited === 0) this.#rateUntil = null;
    this.show();
  }

  /** A tool or file breakpoint: pauses the run and resolves once a person resumes it (true) or it ends (false). */
  breakpoint(text: string): Promise<boolean> {
    if (this.#ended) return Promise.resolve(false);
    this.#breakpoint = text.slice(0, MAX_REASON_CHARS);
    const resumed = new Promise<boolean>((resolve) => this.#waiters.push(resolve));
    this.show();
    return resumed;
  }

  /** The approval gate's status change: recorded now, or after the pause. */
  gateStatus(status: ExecutionStatus): void {
    this.#underlying = status;
    this.show();
  }

  /** The run is ending: nothing waits any more. */
  end(): void {
    this.#ended = true;
    this.settle(false);
  }

  private settle(resumed: boolean): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve(resumed);
  }

  /** Records the status the run is in now, unless it is the one recorded last. */
  private show(): void {
    if (this.#ended) return;
    const draft = this.draft();
    const key = JSON.stringify(draft.data);
    if (key === this.#shown) return;
    this.#shown = key;
    this.emit(draft);
  }

  private draft(): EventDraft {
    const ts = new Date().toISOString();
    if (this.#hub !== null) {
      const data = { status: 'paused' as const, pausedReason: this.#hub.reason };
      return { type: 'status', ts, data: this.#hub.message ? { ...data, reason: this.#hub.message } : data };
    }
    if (this.#breakpoint !== null) {
      return { type: 'status', ts, data: { status: 'paused', pausedReason: 'breakpoint', reason: this.#breakpoint } };
    }
    if (this.#rateLimited > 0) {
      const resumeAt = (this.#rateUntil ?? new Date()).toISOString();
      const reason = `rate limited by the model API: resumes by itself at ${resumeAt}`;
      return { type: 'status', ts, data: { status: 'paused', pausedReason: 'rate_limited', reason, resumeAt } };
    }
    return { type: 'status', ts, data: { status: this.#underlying } };
  }
}
