// Supervision: pause and resume, checks, a reviewer, breakpoints, checkpoints and rewind. The settings an execution
// (or its template) asks for, what the runner reports about them (`check`, `review`, `checkpoint` events) and the
// bodies of POST /api/v1/executions/:id/{pause,resume,review,rewind}.
import { z } from 'zod';
import { IsoTime, MAX_REASON_CHARS } from './common';
import { boundedAmount, boundedCount, MAX_COUNT, MAX_DURATION_MS, MAX_USD } from './limits';

// ---------------------------------------------------------------------------------------------------------------
// Pause.

/**
 * Why an execution is `paused`: a person asked (`user`), a budget in pause mode reached its hard limit (`budget`), the
 * model answered 429/529 (`rate_limited`: it resumes by itself at `resumeAt`), or a breakpoint matched (`breakpoint`).
 */
export const PAUSED_REASONS = ['user', 'budget', 'rate_limited', 'breakpoint'] as const;
export const PausedReason = z.enum(PAUSED_REASONS);
export type PausedReason = z.infer<typeof PausedReason>;

/** What to do when a budget's hard limit is crossed: cancel the scope's running executions, or pause them. */
export const OnHardLimit = z.enum(['cancel', 'pause']);
export type OnHardLimit = z.infer<typeof OnHardLimit>;

/** A breakpoint: a rule checked live on the run that pauses it and notifies (a person resumes, cancels or messages). */
export const Breakpoint = z.union([
  /** A tool call matching a permission rule (`Bash(git push:*)`, `Write`, `mcp__github__*`) pauses before it runs. */
  z.strictObject({ onTool: z.string().trim().min(1).max(1000) }),
  /** A change to a file matching the glob (relative to the workspace: `migrations/**`), by any tool, Bash included. */
  z.strictObject({ onFileChange: z.string().trim().min(1).max(1000) }),
  /** The execution's cost passed this many USD (checked before each model call). */
  z.strictObject({ costOverUsd: z.number().positive().max(100_000) }),
  /** The run made more than this many model calls (turns). */
  z.strictObject({ turnsOver: z.number().int().min(1).max(10_000) }),
]);
export type Breakpoint = z.infer<typeof Breakpoint>;
export const Breakpoints = z.array(Breakpoint).max(20);

/** The pause a `status: paused` event (and the execution) carries. */
export const PauseInfo = z.object({
  reason: PausedReason,
  /** When it resumes by itself (a rate limit's retry-after or the plan's reset); absent: only a person resumes it. */
  resumeAt: IsoTime.optional(),
  /** The breakpoint that matched (pausedReason `breakpoint`), and what matched it (the tool call, the file). */
  breakpoint: Breakpoint.optional(),
  detail: z.string().max(MAX_REASON_CHARS).optional(),
});
export type PauseInfo = z.infer<typeof PauseInfo>;

export const PauseBody = z.strictObject({
  /** Shown on the execution beside `pausedReason: user`. */
  note: z.string().trim().max(500).optional(),
});
export type PauseBody = z.infer<typeof PauseBody>;

// ---------------------------------------------------------------------------------------------------------------
// Checks and the reviewer.

/** Shell commands run in the execution's workspace (and sandbox) once the agent finishes, e.g. `npm test`. */
export const Checks = z.array(z.string().trim().min(1).max(2000)).max(20);

export const ReviewMode = z.enum(['gate', 'retry', 'report']);
export type ReviewMode = z.infer<typeof ReviewMode>;

export const ReviewConfig = z.strictObject({
  /** The reviewer's model (default: the execution's, else Claude Code's default); `local:<name>` uses the runner's
   * --local-model-url. */
  model: z.string().min(1).max(200).optional(),
  /** `local`: the runner's Anthropic-compatible local endpoint (--local-model-url); absent: Claude through the
   * runner's model proxy (the same credential and budget permits as the agent). */
  endpoint: z.literal('local').optional(),
  /** Confidence below this fails the review. */
  threshold: z.number().min(0).max(1).default(0.7),
  /** gate: a failing check or a low score ends in `needs_review`; retry: the findings go back to the agent (up to
   * maxRetries), then as gate; report: recorded only. */
  mode: ReviewMode.default('gate'),
  maxRetries: z.number().int().min(0).max(10).default(2),
});
export type ReviewConfig = z.infer<typeof ReviewConfig>;

export const FINDING_SEVERITIES = ['info', 'minor', 'major', 'critical'] as const;
export const Finding = z.object({
  severity: z.enum(FINDING_SEVERITIES),
  message: z.string().min(1).max(4000),
  file: z.string().max(1000).optional(),
  line: z.number().int().min(1).max(10_000_000).optional(),
});
export type Finding = z.infer<typeof Finding>;

/** What the reviewer must answer (validated by the runner; the JSON Schema the reviewer is asked for is this). */
export const ReviewVerdict = z.object({
  confidence: z.number().min(0).max(1),
  verdict: z.enum(['pass', 'fail', 'uncertain']),
  summary: z.string().max(8000),
  findings: z.array(Finding).max(100),
});
export type ReviewVerdict = z.infer<typeof ReviewVerdict>;

/** Output of one check kept in its event: the last bytes of stdout and stderr interleaved, redacted. */
export const MAX_CHECK_OUTPUT_CHARS = 16_000;

export const CheckResult = z.object({
  command: z.string().max(2000),
  /** Null when it did not exit by itself (killed at its timeout: `timedOut`). */
  exitCode: z.number().int().nullable(),
  durationMs: boundedAmount(MAX_DURATION_MS),
  outputTail: z.string().max(MAX_CHECK_OUTPUT_CHARS),
  timedOut: z.boolean().optional(),
  /** Which round of supervision ran it (0: after the first finish; n: after the nth retry). */
  round: boundedCount(MAX_COUNT),
});
export type CheckResult = z.infer<typeof CheckResult>;

export const ReviewResult = ReviewVerdict.extend({
  /** pass: confidence ≥ threshold, verdict pass and every check passed. */
  passed: z.boolean(),
  threshold: z.number().min(0).max(1),
  mode: ReviewMode,
  model: z.string().max(200),
  /** `local`: the runner's local model ($0, tokens still recorded); `proxy`: Claude through the runner's proxy. */
  endpoint: z.enum(['proxy', 'local']),
  round: boundedCount(MAX_COUNT),
  costUsd: boundedAmount(MAX_USD).optional(),
});
export type ReviewResult = z.infer<typeof ReviewResult>;

/** The supervision outcome kept on the execution: the latest round's checks and review, and how many retries ran. */
export const Supervision = z.object({
  checks: z.array(CheckResult),
  review: ReviewResult.nullable(),
  retries: z.number().int().min(0),
  /** Why it ended in `needs_review` (a failing check, a low score); null otherwise. */
  needsReviewReason: z.string().nullable(),
});
export type Supervision = z.infer<typeof Supervision>;

/** POST /api/v1/executions/:id/review on a `needs_review` execution: accept (→ succeeded), reject (→ failed), or
 * send feedback (→ a follow-up execution resumes the session with it; this one ends as failed, naming it). */
export const ReviewDecisionBody = z.discriminatedUnion('decision', [
  z.strictObject({ decision: z.literal('accept'), note: z.string().trim().max(2000).optional() }),
  z.strictObject({ decision: z.literal('reject'), note: z.string().trim().max(2000).optional() }),
  z.strictObject({ decision: z.literal('feedback'), text: z.string().trim().min(1).max(100_000) }),
]);
export type ReviewDecisionBody = z.infer<typeof ReviewDecisionBody>;

// ---------------------------------------------------------------------------------------------------------------
// Checkpoints and rewind.

/** The hidden ref a checkpoint is kept on in the runner's repository (never a branch). */
export const checkpointRef = (executionId: string, n: number): string =>
  `refs/claudeops/checkpoints/${executionId}/${n}`;

/** Bytes of a checkpoint's diff its event carries (the diff against the checkpoint before it, redacted). */
export const MAX_CHECKPOINT_DIFF_BYTES = 32 * 1024;

export const CheckpointFile = z.object({
  path: z.string().max(4096),
  insertions: boundedCount(MAX_COUNT),
  deletions: boundedCount(MAX_COUNT),
});

export const CheckpointData = z.object({
  /** 1, 2, … per execution. */
  n: z.number().int().min(1).max(100_000),
  /** The last assistant message before it (`assistant.text`'s / `tool.call`'s messageId): where a rewind resumes. */
  messageId: z.string().max(200),
  /** Claude Code's session message uuid of that message (the SDK's resumeSessionAt). */
  sessionMessageId: z.string().max(200).optional(),
  sessionId: z.string().max(200).optional(),
  commit: z.string().max(64),
  files: z.array(CheckpointFile).max(1000),
  insertions: boundedCount(MAX_COUNT),
  deletions: boundedCount(MAX_COUNT),
  diff: z.string().max(MAX_CHECKPOINT_DIFF_BYTES * 2),
  diffTruncated: z.boolean(),
});
export type CheckpointData = z.infer<typeof CheckpointData>;

export const RewindBody = z.strictObject({
  checkpoint: z.number().int().min(1).max(100_000),
  /** Also resume the Claude Code session at the checkpoint's message (default: files only, the conversation goes on). */
  conversation: z.boolean().default(false),
  /** The next user turn after the rewind (default: a note saying the files were rewound). */
  text: z.string().trim().min(1).max(100_000).optional(),
});
export type RewindBody = z.infer<typeof RewindBody>;

/** A Job's rewind: restore the workspace from this checkpoint before Claude Code starts (a rewind's follow-up). */
export const JobRewind = z.object({
  executionId: z.string().max(100),
  n: z.number().int().min(1),
  ref: z.string().max(300),
  commit: z.string().max(64),
  /** Resume the session at this message (conversation: true); null: the whole session. */
  resumeSessionAt: z.string().max(200).nullable(),
});
export type JobRewind = z.infer<typeof JobRewind>;
