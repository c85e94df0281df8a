// One job's supervision after each of Claude Code's turns that would end the run: the checks (in the sandbox), the
// reviewer (on Claude through the model proxy, or on the runner's local model at $0), and the decision: pass, send
// the findings back as the next turn (retry), or leave the run for a person (needs_review). Records `check`,
// `usage` (the reviewer's tokens) and `review` events. Used by job-execution.ts through the agent's input.
import type { EventDraft, Job } from '@claudeops/control-plane/protocol';
import type { SpawnCommand } from '../sandbox/confinement';
import { errorMessage } from '../support/logger';
import { runChecks, type CheckResult } from './checks';
import { decide, feedbackPrompt } from './decision';
import { callReviewer, transcriptDigest, type ReviewerAnswer } from './reviewer';

/** The model a `claude` reviewer uses when the review names none and the execution has no model. */
export const DEFAULT_REVIEW_MODEL = 'claude-sonnet-4-5';

export interface SupervisorOptions {
  job: Pick<Job, 'executionId' | 'prompt' | 'model' | 'checks' | 'review'>;
  cwd: string;
  /** The checks' environment (the agent's: PATH, HOME, the template's secrets). */
  env: Record<string, string>;
  wrap?: (spawn: SpawnCommand) => SpawnCommand;
  redact: (text: string) => string;
  emit: (draft: EventDraft) => void;
  /** The diff from the run's base to the worktree now ('' without a worktree). */
  diff: () => Promise<string>;
  /** The run's events so far, for the transcript digest. */
  transcript: () => readonly { type: string; data: unknown }[];
  /** The model proxy for this execution (a `claude` reviewer's calls take a permit and the real credential there). */
  modelBaseUrl?: string;
  /** The runner's `--local-model-url` (Ollama, llama.cpp: an Anthropic-compatible /v1/messages). */
  localModelUrl?: string;
  signal: AbortSignal;
  /** For tests. */
  fetch?: typeof fetch;
}

export class TurnSupervisor {
  #round = 0;
  #retries = 0;
  #needsReview: string | null = null;

  constructor(private readonly options: SupervisorOptions) {}

  /** The run asked for checks or a review. */
  get active(): boolean {
    const { checks, review } = this.options.job;
    return checks.length > 0 || review !== null;
  }

  /** Why the run waits for a person (its final status `needs_review`); null when it does not. */
  get needsReview(): string | null {
    return this.#needsReview;
  }

  /** Supervises the turn that just ended: the feedback to send as the next turn, or null to let the run end. */
  async afterTurn(): Promise<string | null> {
    const { job, signal } = this.options;
    const round = this.#round++;
    const checks = await runChecks(job.checks, {
      cwd: this.options.cwd,
      env: this.options.env,
      ...(this.options.wrap && { wrap: this.options.wrap }),
      signal,
      redact: this.options.redact,
      onResult: (result) => this.emit({ type: 'check', ts: now(), data: { ...result, round } }),
    });
    if (signal.aborted) return null;
    const answer = job.review === null ? null : await this.review(checks);
    if (signal.aborted) return null;
    const decision = decide({
      checks,
      review: job.review,
      verdict: answer?.verdict ?? null,
      reviewProblem: answer?.problem ?? null,
      retriesUsed: this.#retries,
    });
    if (job.review !== null) {
      const local = job.review.endpoint === 'local';
      this.emit({
        type: 'review',
        ts: now(),
        data: {
          verdict: answer?.verdict ?? null,
          problem: answer?.problem ?? null,
          outcome: decision.outcome,
          reason: decision.reason,
          model: this.reviewModel(),
          endpoint: local ? 'local' : 'claude',
          round,
        },
      });
    }
    this.#needsReview = decision.outcome === 'needs_review' ? decision.reason : null;
    if (decision.outcome !== 'retry') return null;
    this.#retries++;
    return feedbackPrompt(checks, answer?.verdict ?? null);
  }

  private async review(checks: CheckResult[]): Promise<ReviewerAnswer> {
    const { job, signal } = this.options;
    const local = job.review?.endpoint === 'local';
    const baseUrl = local ? this.options.localModelUrl : this.options.modelBaseUrl;
    if (baseUrl === undefined) {
      const problem = local
        ? 'this runner has no local model (start it with --local-model-url)'
        : 'this runner has no model proxy to reach Claude through';
      return { verdict: null, problem, usage: null };
    }
    let diff = '';
    try {
      diff = await this.options.diff();
    } catch (error) {
      diff = `(the diff could not be read: ${errorMessage(error)})`;
    }
    // The transcript is built from events before the stream's redactor saw them: redacted here, as the diff was.
    const transcript = this.options.redact(transcriptDigest(this.options.transcript()));
    const input = { prompt: job.prompt, diff, checks, transcript };
    const answer = await callReviewer({
      baseUrl,
      model: this.reviewModel(),
      input,
      signal,
      ...(this.options.fetch && { fetch: this.options.fetch }),
    });
    if (answer.usage !== null) {
      const { messageId, inputTokens, outputTokens, cacheReadInputTokens, cacheCreationInputTokens } = answer.usage;
      // A local model is priced at $0 (the `local:` prefix), its tokens still recorded; Claude's go to the budgets.
      const model = local ? `local:${answer.usage.model}` : answer.usage.model;
      const usage = { messageId, model, inputTokens, outputTokens, cacheReadInputTokens, cacheCreationInputTokens };
      this.emit({ type: 'usage', ts: now(), data: usage });
    }
    return answer;
  }

  private reviewModel(): string {
    const { job } = this.options;
    if (job.review?.model) return job.review.model;
    return job.review?.endpoint === 'local' ? 'local' : (job.model ?? DEFAULT_REVIEW_MODEL);
  }

  private emit(draft: EventDraft): void {
    this.options.emit(draft);
  }
}

const now = () => new Date().toISOString();
