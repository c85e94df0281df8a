// What happens after a run's checks and review (pure; used by the job at the end of a run): pass, send the agent
// back to fix it (retry), hold it for a person (needs_review), or report without blocking. Also the follow-up
// message a retry sends the agent.
import { MAX_REASON_CHARS, type ReviewOutcome, type ReviewVerdict } from '@claudeops/control-plane/protocol';
import type { CheckResult } from './checks';

export type ReviewMode = 'gate' | 'retry' | 'report';

/** The execution's `review` settings, with defaults applied. */
export interface ReviewPolicy {
  /** Confidence below this fails the review (0..1). */
  threshold: number;
  mode: ReviewMode;
  maxRetries: number;
}

export interface DecisionInput {
  checks: CheckResult[];
  /** Null when the execution asked for no review. */
  review: ReviewPolicy | null;
  verdict: ReviewVerdict | null;
  /** Why the reviewer gave no usable verdict (callReviewer's problem). */
  reviewProblem: string | null;
  /** Follow-ups already sent for this run's failures. */
  retriesUsed: number;
}

/** `pass`, `retry`, `needs_review` or `report` (the protocol's ReviewOutcome). */
export type Outcome = ReviewOutcome;

export interface Decision {
  outcome: Outcome;
  /** One sentence a person reads (the statusReason). */
  reason: string;
}

const checkFailed = (check: CheckResult) => check.timedOut || check.exitCode !== 0;

/** A command as a reason names it: long ones (a check may be 2000 characters) are shortened. */
const commandName = (command: string) => (command.length > 120 ? `${command.slice(0, 119)}…` : command);

function checkFailure(check: CheckResult): string {
  const name = `check \`${commandName(check.command)}\``;
  if (check.timedOut) return `${name} timed out after ${Math.round(check.durationMs / 1000)} s`;
  if (check.exitCode === null) return `${name} was ended by ${check.signal ?? 'an error before it started'}`;
  return `${name} exited ${check.exitCode}`;
}

/** Joins phrases into one: "a", "a and b", "a, b and c". */
function joined(phrases: readonly string[]): string {
  if (phrases.length <= 1) return phrases[0] ?? '';
  return `${phrases.slice(0, -1).join(', ')} and ${phrases[phrases.length - 1]}`;
}

/** Why the reviewer's verdict fails the run, or null when it passes. */
function verdictFailure(verdict: ReviewVerdict, threshold: number): string | null {
  if (verdict.confidence < threshold) {
    return `reviewer confidence ${verdict.confidence} is below the threshold ${threshold}`;
  }
  if (verdict.verdict === 'fail') return `the reviewer judged the work a fail (confidence ${verdict.confidence})`;
  return null;
}

/** Lower-cases a sentence's first letter and drops its final stop, so it reads inside a longer reason. */
const asPhrase = (sentence: string) => sentence.charAt(0).toLowerCase() + sentence.slice(1).replace(/\.$/, '');

/** The outcome of a finished run (see the module comment and the rules on each branch). */
export function decide(input: DecisionInput): Decision {
  const decision = decideOutcome(input);
  if (decision.reason.length <= MAX_REASON_CHARS) return decision;
  return { ...decision, reason: `${decision.reason.slice(0, MAX_REASON_CHARS - 1)}…` };
}

function decideOutcome(input: DecisionInput): Decision {
  const failedChecks = input.checks.filter(checkFailed).map(checkFailure);
  const passedChecks = `${input.checks.length === 1 ? 'the check' : `all ${input.checks.length} checks`} passed`;

  // No review asked for: a failing check gates the run for a person.
  if (input.review === null) {
    if (failedChecks.length > 0) return { outcome: 'needs_review', reason: joined(failedChecks) };
    return { outcome: 'pass', reason: input.checks.length > 0 ? passedChecks : 'no checks or review were asked for' };
  }

  const { threshold, mode, maxRetries } = input.review;
  // Failures the agent can fix (a retry may help) and the reviewer's own failure (only a person can judge then).
  const fixable = [...failedChecks];
  let unusable: string | null = null;
  if (input.reviewProblem !== null) unusable = `the reviewer gave no usable verdict: ${asPhrase(input.reviewProblem)}`;
  else if (input.verdict === null) unusable = 'the reviewer gave no verdict';
  else {
    const failure = verdictFailure(input.verdict, threshold);
    if (failure) fixable.push(failure);
  }
  const failures = unusable === null ? fixable : [...fixable, unusable];

  if (failures.length === 0) {
    const confidence = input.verdict ? ` (confidence ${input.verdict.confidence})` : '';
    const checks = input.checks.length > 0 ? `${passedChecks} and ` : '';
    return { outcome: 'pass', reason: `${checks}the reviewer passed the work${confidence}` };
  }
  const reason = joined(failures);

  switch (mode) {
    case 'report':
      // Never blocks: the run keeps its own status, the findings are reported.
      return { outcome: 'report', reason };
    case 'gate':
      return { outcome: 'needs_review', reason };
    case 'retry':
      // A retry cannot mend the reviewer itself: a person judges then.
      if (unusable !== null) return { outcome: 'needs_review', reason };
      if (input.retriesUsed < maxRetries) {
        return { outcome: 'retry', reason: `${reason} (retry ${input.retriesUsed + 1} of ${maxRetries})` };
      }
      return {
        outcome: 'needs_review',
        reason: `${reason}, and ${maxRetries === 1 ? 'the one retry is' : `all ${maxRetries} retries are`} used up`,
      };
  }
}

const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low', 'info'] as const;
/** Characters of a failed check's output the follow-up quotes (its end, where test runners put the failures). */
const FEEDBACK_OUTPUT_CHARS = 4_000;

function fenced(text: string): string {
  const longest = Math.max(2, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}\n${text.endsWith('\n') ? text : `${text}\n`}${fence}`;
}

/**
 * The follow-up message a retry sends the agent: the checks that failed (with the end of their output) and the
 * reviewer's summary and findings, most severe first, and what to do about them.
 */
export function feedbackPrompt(checks: readonly CheckResult[], verdict: ReviewVerdict | null): string {
  const who = verdict ? 'The reviewer' : 'The checks';
  const parts = [`${who} found problems with your work on this task.`];
  const failed = checks.filter(checkFailed);
  if (failed.length > 0) {
    parts.push('Checks that failed:');
    for (const check of failed) {
      const output = check.outputTail.trim();
      const tail = output.length > FEEDBACK_OUTPUT_CHARS ? `…${output.slice(-FEEDBACK_OUTPUT_CHARS)}` : output;
      const cut = check.truncated || tail !== output ? ' Its output ends with:' : ' Its output:';
      parts.push(`- ${checkFailure(check)}.${output ? `${cut}\n${fenced(tail)}` : ' It printed nothing.'}`);
    }
  }
  if (verdict) {
    parts.push(`The reviewer's verdict: ${verdict.verdict} (confidence ${verdict.confidence}). ${verdict.summary}`);
    const findings = [...verdict.findings].sort(
      (a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity),
    );
    if (findings.length > 0) {
      parts.push(
        ['Findings:']
          .concat(
            findings.map((finding) => {
              const where = finding.file ? ` ${finding.file}${finding.line ? `:${finding.line}` : ''}:` : '';
              return `- [${finding.severity}]${where} ${finding.message}`;
            }),
          )
          .join('\n'),
      );
    }
  }
  parts.push(
    'Fix them in the same workspace, run the failing checks yourself until they pass, and finish with a short ' +
      'summary of what you changed.',
  );
  return parts.join('\n\n');
}
