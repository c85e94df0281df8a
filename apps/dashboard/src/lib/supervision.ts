// Supervision in the dashboard, as pure logic: the form text of checks (one command a line), a reviewer and
// breakpoints (one rule a line: `onTool Bash(git push:*)`, `onFileChange migrations/**`, `costOverUsd 1`,
// `turnsOver 30`) and back; when Pause and Resume apply; the pause banner's words; the review summary; the bodies of
// a review decision and a rewind. Used by the supervision editor, the execution page and its review and checkpoint
// components.
import type {
  Breakpoint,
  CheckResult,
  Execution,
  ExecutionEvent,
  ExecutionStatus,
  PausedReason,
  ReviewConfig,
  ReviewDecisionBody,
  ReviewResult,
  RewindBody,
} from '@claudeops/control-plane/protocol';
import { formatDuration, formatTime } from './format';

export const MAX_CHECKS = 20;
export const MAX_BREAKPOINTS = 50;
const PERMISSION_RULE = /^[A-Za-z0-9_*-]+(\(.+\))?$/s;

/** One command per line; blank lines and surrounding spaces dropped. */
export function parseChecks(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

/** A breakpoint rule in the one-line syntax, or why the line is not one. */
export function parseBreakpoint(line: string): { rule: Breakpoint } | { error: string } {
  const match = /^(\S+)\s+(.+)$/s.exec(line.trim());
  const keyword = match?.[1]?.toLowerCase();
  const arg = match?.[2]?.trim() ?? '';
  const number = Number(arg);
  switch (keyword) {
    case 'ontool':
      return PERMISSION_RULE.test(arg) && arg.length <= 1000
        ? { rule: { onTool: arg } }
        : { error: `"${arg}" is not a tool rule (Bash(git push:*), Write, mcp__server__tool).` };
    case 'onfilechange':
      return arg.length <= 1000 ? { rule: { onFileChange: arg } } : { error: 'The file pattern is too long.' };
    case 'costoverusd':
      return Number.isFinite(number) && number > 0 && number <= 100_000
        ? { rule: { costOverUsd: number } }
        : { error: `costOverUsd needs a positive amount of US dollars, not "${arg}".` };
    case 'turnsover':
      return Number.isInteger(number) && number >= 1 && number <= 10_000
        ? { rule: { turnsOver: number } }
        : { error: `turnsOver needs a whole number of turns, 1 to 10000, not "${arg}".` };
    default:
      return {
        error: `"${line.trim()}" is not a breakpoint: write onTool, onFileChange, costOverUsd or turnsOver and its value.`,
      };
  }
}

/** One rule per line; the first line that is not a rule fails the whole text. */
export function parseBreakpoints(text: string): { rules: Breakpoint[] } | { error: string } {
  const rules: Breakpoint[] = [];
  const lines = text.split('\n');
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const parsed = parseBreakpoint(line);
    if ('error' in parsed) return { error: `Line ${index + 1}: ${parsed.error}` };
    rules.push(parsed.rule);
  }
  if (rules.length > MAX_BREAKPOINTS) return { error: `At most ${MAX_BREAKPOINTS} breakpoints.` };
  return { rules };
}

/** A rule in the one-line syntax (parseBreakpoint reads it back). */
export function formatBreakpoint(rule: Breakpoint): string {
  if ('onTool' in rule) return `onTool ${rule.onTool}`;
  if ('onFileChange' in rule) return `onFileChange ${rule.onFileChange}`;
  if ('costOverUsd' in rule) return `costOverUsd ${rule.costOverUsd}`;
  return `turnsOver ${rule.turnsOver}`;
}

/** The supervision fields of a form, as text. */
export interface SupervisionText {
  checks: string;
  /** Off: no reviewer (a template's stays for a new execution). */
  reviewEnabled: boolean;
  mode: ReviewConfig['mode'];
  endpoint: ReviewConfig['endpoint'];
  threshold: string;
  maxRetries: string;
  model: string;
  breakpoints: string;
}

export type SupervisionErrors = Partial<Record<'checks' | 'threshold' | 'maxRetries' | 'breakpoints', string>>;

export interface SupervisionFields {
  checks: string[];
  review: ReviewConfig | null;
  breakpoints: Breakpoint[];
}

/** The form text of a template's (or nothing's) supervision; the reviewer's defaults when it has none. */
export function supervisionToText(source: Partial<SupervisionFields> | null): SupervisionText {
  const review = source?.review ?? null;
  return {
    checks: (source?.checks ?? []).join('\n'),
    reviewEnabled: review !== null,
    mode: review?.mode ?? 'gate',
    endpoint: review?.endpoint ?? 'claude',
    threshold: String(review?.threshold ?? 0.7),
    maxRetries: String(review?.maxRetries ?? 2),
    model: review?.model ?? '',
    breakpoints: (source?.breakpoints ?? []).map(formatBreakpoint).join('\n'),
  };
}

/** The form's supervision as API fields, or what is wrong with them (keyed by field). */
export function readSupervision(
  text: SupervisionText,
): { ok: true; fields: SupervisionFields } | { ok: false; errors: SupervisionErrors } {
  const errors: SupervisionErrors = {};
  const checks = parseChecks(text.checks);
  if (checks.length > MAX_CHECKS) errors.checks = `At most ${MAX_CHECKS} checks.`;
  const long = checks.find((command) => command.length > 2000);
  if (long) errors.checks = `A check is longer than 2000 characters: ${long.slice(0, 40)}…`;
  const breakpoints = parseBreakpoints(text.breakpoints);
  if ('error' in breakpoints) errors.breakpoints = breakpoints.error;
  let review: ReviewConfig | null = null;
  if (text.reviewEnabled) {
    const threshold = Number(text.threshold.trim());
    if (text.threshold.trim() === '' || !(threshold >= 0 && threshold <= 1)) {
      errors.threshold = 'A confidence from 0 to 1, e.g. 0.7.';
    }
    const maxRetries = Number(text.maxRetries.trim());
    if (text.maxRetries.trim() === '' || !Number.isInteger(maxRetries) || maxRetries < 0 || maxRetries > 10) {
      errors.maxRetries = 'A whole number, 0 to 10.';
    }
    const model = text.model.trim();
    review = { endpoint: text.endpoint, threshold, mode: text.mode, maxRetries, ...(model ? { model } : {}) };
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, fields: { checks, review, breakpoints: 'rules' in breakpoints ? breakpoints.rules : [] } };
}

/** Pause applies while a runner holds the run; Resume only while it is paused. */
export const canPause = (status: ExecutionStatus): boolean =>
  status === 'assigned' || status === 'running' || status === 'awaiting_approval';
export const canResume = (status: ExecutionStatus): boolean => status === 'paused';

export interface PauseState {
  reason: PausedReason | null;
  message: string | null;
  resumeAt: string | null;
}

/** Why the execution is paused: the newest `status: paused` event, else the stored execution's fields. */
export function pauseState(
  execution: Pick<Execution, 'pausedReason' | 'pauseMessage' | 'resumeAt'>,
  events: readonly ExecutionEvent[],
): PauseState {
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i]!;
    if (event.type !== 'status') continue;
    if (event.data.status !== 'paused') break;
    return {
      reason: event.data.pausedReason ?? execution.pausedReason,
      message: event.data.reason ?? execution.pauseMessage,
      resumeAt: event.data.resumeAt ?? execution.resumeAt,
    };
  }
  return { reason: execution.pausedReason, message: execution.pauseMessage, resumeAt: execution.resumeAt };
}

/** The pause banner's headline for a reason. */
export function pauseHeadline(reason: PausedReason | null, resumeAt: string | null): string {
  switch (reason) {
    case 'user':
      return 'Paused by you';
    case 'budget':
      return 'Paused: budget limit reached — raise the limit or resume';
    case 'rate_limited':
      return resumeAt
        ? `Rate limited — resumes by itself at ${formatTime(resumeAt)}`
        : 'Rate limited — resumes by itself';
    case 'breakpoint':
      return 'Paused at a breakpoint';
    default:
      return 'Paused';
  }
}

/** A check's outcome in words: passed, failed with its exit code, timed out or killed. */
export function checkOutcome(check: Pick<CheckResult, 'exitCode' | 'signal' | 'timedOut' | 'durationMs'>): {
  passed: boolean;
  text: string;
} {
  const took = formatDuration(check.durationMs);
  if (check.timedOut) return { passed: false, text: `timed out after ${took}` };
  if (check.exitCode === null)
    return { passed: false, text: `killed${check.signal ? ` by ${check.signal}` : ''} after ${took}` };
  if (check.exitCode === 0) return { passed: true, text: `passed (exit 0) in ${took}` };
  return { passed: false, text: `failed (exit ${check.exitCode}) in ${took}` };
}

/** The checks of the newest round among the events (each review retry runs them again). */
export function latestChecks(events: readonly ExecutionEvent[]): CheckResult[] {
  const checks = events.flatMap((event) => (event.type === 'check' ? [event.data] : []));
  const round = Math.max(-1, ...checks.map((check) => check.round));
  return checks.filter((check) => check.round === round);
}

/** The newest review among the events, else the stored one (null: no review ran). */
export function latestReview(events: readonly ExecutionEvent[], stored: ReviewResult | null): ReviewResult | null {
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i]!;
    if (event.type === 'review') return event.data;
  }
  return stored;
}

const OUTCOME_TEXT: Record<ReviewResult['outcome'], string> = {
  pass: 'passed review',
  retry: 'findings sent back to the agent',
  needs_review: 'waiting for your decision',
  report: 'reported only',
};

/** One line summing up the checks and the reviewer: "2 of 3 checks passed · reviewer: fail, 40% confident · …". */
export function reviewSummary(review: ReviewResult | null, checks: readonly CheckResult[]): string {
  const parts: string[] = [];
  if (checks.length > 0) {
    const passed = checks.filter((check) => checkOutcome(check).passed).length;
    parts.push(`${passed} of ${checks.length} check${checks.length === 1 ? '' : 's'} passed`);
  }
  if (review?.verdict) {
    parts.push(`reviewer: ${review.verdict.verdict}, ${Math.round(review.verdict.confidence * 100)}% confident`);
  } else if (review) {
    parts.push(`no verdict${review.problem ? ` (${review.problem})` : ''}`);
  }
  if (review) parts.push(OUTCOME_TEXT[review.outcome]);
  return parts.length > 0 ? parts.join(' · ') : 'No checks or review ran.';
}

/** Where a finding points: `file:line`, `file`, or nothing. */
export const findingPlace = (finding: { file?: string | undefined; line?: number | undefined }): string =>
  finding.file ? `${finding.file}${finding.line !== undefined ? `:${finding.line}` : ''}` : '';

/** POST …/review's body, or why it cannot be sent (feedback needs words). */
export function reviewDecisionBody(
  decision: ReviewDecisionBody['decision'],
  message: string,
): { ok: true; body: ReviewDecisionBody } | { ok: false; error: string } {
  const text = message.trim();
  if (decision === 'feedback') {
    return text === ''
      ? { ok: false, error: 'Write the feedback first.' }
      : { ok: true, body: { decision, message: text } };
  }
  return { ok: true, body: text === '' ? { decision } : { decision, message: text } };
}

/** POST …/rewind's body: the checkpoint, whether the conversation goes back too, and the optional prompt. */
export function rewindBody(checkpoint: number, conversation: boolean, prompt: string): RewindBody {
  const text = prompt.trim();
  return text === '' ? { checkpoint, conversation } : { checkpoint, conversation, prompt: text };
}

/** What the page says after a rewind: open the follow-up, or wait for the running execution to stop. */
export function rewindOutcome(result: { followup: { id: string } | null }): { goto: string } | { notice: string } {
  return result.followup
    ? { goto: `/executions/${encodeURIComponent(result.followup.id)}` }
    : { notice: 'Cancelling; the follow-up starts once it stops.' };
}
