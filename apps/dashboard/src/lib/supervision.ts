// Supervision on the execution page, as pure logic: why a run is paused and when it resumes by itself, the
// breakpoints in words, the checks, review and checkpoints folded from the live events (merged with what the API
// says), the reviewer's confidence as a meter, and which of Pause / Resume / the review decision apply. Used by the
// execution page's pause banner, review panel and checkpoint timeline, and the execution stream store.
import type {
  Breakpoint,
  CheckpointData,
  CheckResult,
  Execution,
  ExecutionEvent,
  ExecutionStatus,
  PauseInfo,
  PausedReason,
  ReviewResult,
  Supervision,
} from '@claudeops/control-plane/protocol';
import { formatDuration, formatUsd } from './format';

export const PAUSED_REASON_TEXT: Record<PausedReason, string> = {
  user: 'paused by a person',
  budget: 'a budget reached its hard limit',
  rate_limited: 'rate limited',
  breakpoint: 'a breakpoint matched',
};

/** A breakpoint as a person reads it: "on tool Bash(git push:*)", "cost over $1.00". */
export function breakpointText(breakpoint: Breakpoint): string {
  if ('onTool' in breakpoint) return `on tool ${breakpoint.onTool}`;
  if ('onFileChange' in breakpoint) return `on a change to ${breakpoint.onFileChange}`;
  if ('costOverUsd' in breakpoint) return `cost over ${formatUsd(breakpoint.costOverUsd)}`;
  return `more than ${breakpoint.turnsOver} turn${breakpoint.turnsOver === 1 ? '' : 's'}`;
}

let hourMinute: Intl.DateTimeFormat | undefined;
const clock = (iso: string): string => {
  hourMinute ??= new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', hour12: false });
  return hourMinute.format(new Date(iso));
};

/** The badge-sized line: "Paused: rate limited until 14:05", "Paused at a breakpoint: on tool Bash(git push:*)". */
export function pauseHeadline(pause: Pick<PauseInfo, 'reason' | 'resumeAt' | 'breakpoint'>, time = clock): string {
  switch (pause.reason) {
    case 'user':
      return 'Paused by a person';
    case 'budget':
      return 'Paused: a budget reached its hard limit';
    case 'rate_limited':
      return pause.resumeAt ? `Paused: rate limited until ${time(pause.resumeAt)}` : 'Paused: rate limited';
    case 'breakpoint':
      return pause.breakpoint
        ? `Paused at a breakpoint: ${breakpointText(pause.breakpoint)}`
        : 'Paused at a breakpoint';
  }
}

/** What the banner says under the headline: what to do next. */
export function pauseAdvice(pause: Pick<PauseInfo, 'reason' | 'resumeAt'>): string {
  switch (pause.reason) {
    case 'user':
      return 'No model call starts until it is resumed.';
    case 'budget':
      return 'Raise the budget’s hard limit and it goes on by itself.';
    case 'rate_limited':
      return pause.resumeAt
        ? 'The model asked to wait; it resumes by itself then. No tokens are spent meanwhile.'
        : 'The model asked to wait; it resumes by itself. No tokens are spent meanwhile.';
    case 'breakpoint':
      return 'Resume it, cancel it, or send a message to steer it.';
  }
}

/** "resumes in 1 min 5 s", or "resuming…" once the time has come. */
export function countdownText(resumeAt: string, now = Date.now()): string {
  const left = Date.parse(resumeAt) - now;
  if (!Number.isFinite(left)) return '';
  if (left <= 0) return 'resuming…';
  return `resumes in ${formatDuration(Math.ceil(left / 1000) * 1000)}`;
}

/** The pause shown: the live stream's (newest) while it says paused, else the execution's own fields. */
export function currentPause(
  status: ExecutionStatus,
  live: PauseInfo | null,
  execution: Pick<Execution, 'pausedReason' | 'resumeAt'>,
): PauseInfo | null {
  if (status !== 'paused') return null;
  if (live) return live;
  if (!execution.pausedReason) return { reason: 'user' };
  return { reason: execution.pausedReason, ...(execution.resumeAt ? { resumeAt: execution.resumeAt } : {}) };
}

/** Pause applies to a run that is going on; Resume to a paused one. */
export const canPause = (status: ExecutionStatus): boolean => status === 'running' || status === 'awaiting_approval';
export const canResume = (status: ExecutionStatus): boolean => status === 'paused';

// ---------------------------------------------------------------------------------------------------------------
// The live fold of supervision events.

export interface SupervisionState {
  /** The pause the latest status event carried while it said paused; null once another status came. */
  pause: PauseInfo | null;
  /** The latest round's checks, in the order they ran. */
  checks: CheckResult[];
  review: ReviewResult | null;
  /** Why the latest status said needs_review. */
  needsReviewReason: string | null;
  checkpoints: CheckpointData[];
}

export const EMPTY_SUPERVISION: SupervisionState = {
  pause: null,
  checks: [],
  review: null,
  needsReviewReason: null,
  checkpoints: [],
};

/** The state after a batch of events (in seq order); the same object when none of them matters. */
export function foldSupervision(state: SupervisionState, events: readonly ExecutionEvent[]): SupervisionState {
  let next = state;
  const change = (patch: Partial<SupervisionState>) => (next = { ...next, ...patch });
  for (const event of events) {
    if (event.type === 'status') {
      const { status, pause, reason } = event.data;
      if (status === 'paused') change({ pause: pause ?? { reason: 'user' } });
      else if (next.pause) change({ pause: null });
      if (status === 'needs_review') change({ needsReviewReason: reason ?? null });
    } else if (event.type === 'check') {
      const round = next.checks[0]?.round;
      change({ checks: round === event.data.round ? [...next.checks, event.data] : [event.data] });
    } else if (event.type === 'review') {
      change({ review: event.data });
    } else if (event.type === 'checkpoint') {
      change({ checkpoints: mergeCheckpoints(next.checkpoints, [event.data]) });
    }
  }
  return next;
}

/** Checkpoints from two sources (the API's list, the live events) as one list by n, the later source winning. */
export function mergeCheckpoints(
  first: readonly CheckpointData[],
  second: readonly CheckpointData[],
): CheckpointData[] {
  const byN = new Map<number, CheckpointData>();
  for (const checkpoint of [...first, ...second]) byN.set(checkpoint.n, checkpoint);
  return [...byN.values()].sort((a, b) => a.n - b.n);
}

/** The outcome the review panel shows: the live events' when they brought any, else the execution's stored one. */
export function shownSupervision(live: SupervisionState, stored: Supervision | null): Supervision | null {
  if (live.checks.length === 0 && live.review === null) return stored;
  return {
    checks: live.checks,
    review: live.review,
    retries: Math.max(stored?.retries ?? 0, live.review?.round ?? live.checks[0]?.round ?? 0),
    needsReviewReason: live.needsReviewReason ?? stored?.needsReviewReason ?? null,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The review panel.

export const checkPassed = (check: CheckResult): boolean => check.exitCode === 0 && !check.timedOut;

/** "exit 0", "exit 1", "timed out". */
export function checkOutcome(check: CheckResult): string {
  if (check.timedOut || check.exitCode === null) return 'timed out';
  return `exit ${check.exitCode}`;
}

export interface ConfidenceMeter {
  /** 0..100 */
  percent: number;
  thresholdPercent: number;
  below: boolean;
  label: string;
}

export function confidenceMeter(review: Pick<ReviewResult, 'confidence' | 'threshold'>): ConfidenceMeter {
  const percent = Math.round(review.confidence * 100);
  const thresholdPercent = Math.round(review.threshold * 100);
  const below = review.confidence < review.threshold;
  return {
    percent,
    thresholdPercent,
    below,
    label: `Confidence ${percent}% (threshold ${thresholdPercent}%${below ? ', below it' : ''})`,
  };
}

export const VERDICT_TEXT: Record<ReviewResult['verdict'], string> = {
  pass: 'Pass',
  fail: 'Fail',
  uncertain: 'Uncertain',
};

/** "src/app.ts:12", "src/app.ts", or '' for a finding about the whole change. */
export function findingPlace(finding: { file?: string | undefined; line?: number | undefined }): string {
  if (!finding.file) return '';
  return finding.line ? `${finding.file}:${finding.line}` : finding.file;
}

const FOLLOWUP_IN_REASON = /continued in (ex_[0-9a-z]{26})/;

/** The follow-up a feedback decision started, as the ended execution's reason names it. */
export function followupFromReason(reason: string | null): string | null {
  return reason?.match(FOLLOWUP_IN_REASON)?.[1] ?? null;
}

/** What ended a reviewed execution, for the read-only panel: "Accepted", "Rejected", "Changes requested". */
export function decisionText(status: ExecutionStatus, reason: string | null): string | null {
  if (status === 'succeeded' && reason?.startsWith('accepted')) return 'Accepted';
  if (status === 'failed' && reason?.startsWith('rejected')) return 'Rejected';
  if (status === 'failed' && reason?.startsWith('changes requested')) return 'Changes requested';
  return null;
}
