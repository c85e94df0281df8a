// Supervision: what an execution (or its template) asks of the runner around Claude Code's work (checks, a reviewer,
// breakpoints), what the runner records about it (check, review, checkpoint events), and the bodies a person sends
// (pause, resume, review decision, rewind). Imported by all three apps.
import { z } from 'zod';
import { IsoTime, MAX_REASON_CHARS, PermissionRule } from './common';
import { boundedAmount, boundedCount, MAX_COUNT, MAX_DURATION_MS } from './limits';

/** Shell commands the runner runs in the workspace (in the sandbox) once Claude Code finishes: `npm test`. */
export const Checks = z.array(z.string().trim().min(1).max(2000)).max(20);
export type Checks = z.infer<typeof Checks>;

export const REVIEW_MODES = ['gate', 'retry', 'report'] as const;
export const ReviewMode = z.enum(REVIEW_MODES);
/** `claude`: the reviewer runs on Claude through the runner's model proxy (permit, budgets, the real credential);
 * `local`: on the Anthropic-compatible endpoint the runner was started with (`--local-model-url`), at $0. */
export const ReviewEndpoint = z.enum(['claude', 'local']);

/**
 * A reviewer reads the prompt, the diff, the checks and a digest of the transcript, and scores the work.
 * `gate`: a failing check or a confidence below `threshold` ends in `needs_review`; `retry`: the findings go back to
 * the agent as a follow-up turn, up to `maxRetries` times, then as `gate`; `report`: recorded, never blocks.
 */
export const ReviewConfig = z.strictObject({
  model: z.string().min(1).max(200).optional(),
  endpoint: ReviewEndpoint.default('claude'),
  threshold: z.number().min(0).max(1).default(0.7),
  mode: ReviewMode.default('gate'),
  maxRetries: z.number().int().min(0).max(10).default(2),
});
export type ReviewConfig = z.infer<typeof ReviewConfig>;

export const FINDING_SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export const Finding = z.object({
  severity: z.enum(FINDING_SEVERITIES),
  message: z.string().min(1).max(2000),
  file: z.string().max(1000).optional(),
  line: z.number().int().min(0).max(10_000_000).optional(),
});
/** The reviewer's answer, validated by the runner before it is recorded. */
export const ReviewVerdict = z.object({
  confidence: z.number().min(0).max(1),
  verdict: z.enum(['pass', 'fail', 'uncertain']),
  summary: z.string().max(4000),
  findings: z.array(Finding).max(50),
});
export type ReviewVerdict = z.infer<typeof ReviewVerdict>;

/**
 * A rule checked live that pauses the run and notifies (a person resumes, cancels or sends a message):
 * a tool call matching a permission rule (`Bash(git push:*)`), a changed file matching a glob (`migrations/**`), the
 * execution's cost passing an amount, or its turns passing a count.
 */
export const Breakpoint = z.union([
  z.strictObject({ onTool: PermissionRule }),
  z.strictObject({ onFileChange: z.string().min(1).max(1000) }),
  z.strictObject({ costOverUsd: z.number().positive().max(100_000) }),
  z.strictObject({ turnsOver: z.number().int().min(1).max(10_000) }),
]);
export type Breakpoint = z.infer<typeof Breakpoint>;
export const Breakpoints = z.array(Breakpoint).max(50);

/** A readable name for a breakpoint rule. */
export function describeBreakpoint(rule: Breakpoint): string {
  if ('onTool' in rule) return `onTool ${rule.onTool}`;
  if ('onFileChange' in rule) return `onFileChange ${rule.onFileChange}`;
  if ('costOverUsd' in rule) return `costOverUsd ${rule.costOverUsd}`;
  return `turnsOver ${rule.turnsOver}`;
}

/** What the runner does after a review: `pass` (the run keeps its status), `retry` (the findings went back to the
 * agent), `needs_review` (a person decides), `report` (recorded only). */
export const ReviewOutcome = z.enum(['pass', 'retry', 'needs_review', 'report']);
export type ReviewOutcome = z.infer<typeof ReviewOutcome>;

/** Event data of supervision (see EVENT_DATA in events.ts). */
export const SUPERVISION_EVENT_DATA = {
  /** One check the runner ran after Claude Code finished. */
  check: z.object({
    command: z.string().max(2000),
    /** Null when it was killed (timeout, cancel). */
    exitCode: z.number().int().nullable(),
    signal: z.string().max(50).nullable(),
    durationMs: boundedAmount(MAX_DURATION_MS),
    /** The last bytes of its combined stdout and stderr, redacted. */
    outputTail: z.string().max(16_384),
    truncated: z.boolean(),
    timedOut: z.boolean(),
    /** 0 for the first round; each review retry runs the checks again. */
    round: boundedCount(MAX_COUNT),
  }),
  /** The reviewer's verdict (or why there is none) and what the runner did with it. */
  review: z.object({
    verdict: ReviewVerdict.nullable(),
    /** Why the reviewer gave no usable answer (null when it did). */
    problem: z.string().max(MAX_REASON_CHARS).nullable(),
    outcome: ReviewOutcome,
    reason: z.string().max(MAX_REASON_CHARS),
    model: z.string().max(200).nullable(),
    endpoint: z.enum(['claude', 'local', 'none']),
    round: boundedCount(MAX_COUNT),
  }),
  /** The worktree after a turn that changed files, committed on a hidden ref (the branch is untouched). */
  checkpoint: z.object({
    n: z.number().int().min(1).max(MAX_COUNT),
    /** The last assistant message of the turn: a rewind with `conversation` resumes the session there. */
    messageId: z.string().max(200).nullable(),
    ref: z.string().max(300),
    commit: z.string().max(64),
    files: z
      .array(z.object({ path: z.string(), insertions: boundedCount(MAX_COUNT), deletions: boundedCount(MAX_COUNT) }))
      .max(1000),
    insertions: boundedCount(MAX_COUNT),
    deletions: boundedCount(MAX_COUNT),
    /** The diff against the previous checkpoint, cut at 32 KiB. */
    patch: z.string().max(40_000),
    patchTruncated: z.boolean(),
  }),
} as const;

export type ReviewResult = z.infer<typeof SUPERVISION_EVENT_DATA.review>;
export type CheckResult = z.infer<typeof SUPERVISION_EVENT_DATA.check>;

/** The hidden ref of checkpoint `n` of an execution. */
export const checkpointRef = (executionId: string, n: number): string =>
  `refs/claudeops/checkpoints/${executionId}/${n}`;

/** POST /api/v1/executions/:id/pause. */
export const PauseBody = z.strictObject({ message: z.string().max(MAX_REASON_CHARS).optional() });

/** POST /api/v1/executions/:id/review on a `needs_review` execution: accept (→ succeeded), reject (→ failed), or
 * send feedback, which becomes a follow-up (the execution ends `failed`, "changes requested"). */
export const ReviewDecisionBody = z.discriminatedUnion('decision', [
  z.strictObject({ decision: z.literal('accept'), message: z.string().max(MAX_REASON_CHARS).optional() }),
  z.strictObject({ decision: z.literal('reject'), message: z.string().max(MAX_REASON_CHARS).optional() }),
  z.strictObject({ decision: z.literal('feedback'), message: z.string().trim().min(1).max(100_000) }),
]);
export type ReviewDecisionBody = z.infer<typeof ReviewDecisionBody>;

/** POST /api/v1/executions/:id/rewind: restore checkpoint `checkpoint`'s files and, with `conversation`, resume the
 * session at its message. `prompt`: what the agent is told after the rewind (a follow-up's prompt). */
export const RewindBody = z.strictObject({
  checkpoint: z.number().int().min(1).max(MAX_COUNT),
  conversation: z.boolean().default(false),
  prompt: z.string().trim().min(1).max(100_000).optional(),
});
export type RewindBody = z.infer<typeof RewindBody>;

/** What a follow-up job restores before Claude Code starts (a rewind of an ended execution). */
export const JobRewind = z.object({
  ref: z.string().max(300),
  /** Resume the session only up to this assistant message (null: keep the whole conversation). */
  messageId: z.string().max(200).nullable(),
});
export type JobRewind = z.infer<typeof JobRewind>;

/** A checkpoint as GET /api/v1/executions/:id/checkpoints lists it: the event's data, its seq and time. */
export const Checkpoint = z.object({
  seq: z.number().int(),
  ts: IsoTime,
  ...SUPERVISION_EVENT_DATA.checkpoint.shape,
});
export const CheckpointList = z.object({ items: z.array(Checkpoint) });
export type CheckpointList = z.infer<typeof CheckpointList>;
