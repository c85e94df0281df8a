// The end-of-run decision: every rule of decide() (no review, report, gate, retry, reviewer problems) and the
// follow-up message a retry sends the agent.
import { MAX_REASON_CHARS } from '@claudeops/control-plane/protocol';
import { describe, expect, it } from 'vitest';
import type { CheckResult } from './checks';
import { decide, feedbackPrompt, type DecisionInput, type ReviewPolicy } from './decision';
import type { ReviewVerdict } from './reviewer';

const check = (command: string, exitCode: number | null, extra: Partial<CheckResult> = {}): CheckResult => ({
  command,
  exitCode,
  signal: null,
  durationMs: 1200,
  outputTail: '',
  truncated: false,
  timedOut: false,
  ...extra,
});
const passing = check('npm test', 0);
const failing = check('npm test', 1, { outputTail: 'FAIL src/a.test.ts\n1 failed\n' });

const verdict = (confidence: number, kind: ReviewVerdict['verdict'] = 'pass'): ReviewVerdict => ({
  confidence,
  verdict: kind,
  summary: 'Looks at the change.',
  findings: [],
});
const policy = (mode: ReviewPolicy['mode'], extra: Partial<ReviewPolicy> = {}): ReviewPolicy => ({
  threshold: 0.7,
  mode,
  maxRetries: 2,
  ...extra,
});
const input = (fields: Partial<DecisionInput>): DecisionInput => ({
  checks: [],
  review: null,
  verdict: null,
  reviewProblem: null,
  retriesUsed: 0,
  ...fields,
});

describe('decide without a review', () => {
  it('passes when every check passes, and when there is nothing to check', () => {
    expect(decide(input({ checks: [passing, check('npm run lint', 0)] }))).toEqual({
      outcome: 'pass',
      reason: 'all 2 checks passed',
    });
    expect(decide(input({})).outcome).toBe('pass');
  });

  it('gates a failing check for a person, naming it', () => {
    expect(decide(input({ checks: [failing] }))).toEqual({
      outcome: 'needs_review',
      reason: 'check `npm test` exited 1',
    });
  });

  it('counts a timed-out or killed check as failing', () => {
    const timedOut = check('npm test', null, { timedOut: true, signal: 'SIGKILL', durationMs: 600_000 });
    expect(decide(input({ checks: [timedOut] }))).toEqual({
      outcome: 'needs_review',
      reason: 'check `npm test` timed out after 600 s',
    });
    const killed = check('make', null, { signal: 'SIGKILL' });
    expect(decide(input({ checks: [passing, killed] })).reason).toBe('check `make` was ended by SIGKILL');
  });

  it('ignores a verdict when no review was asked for', () => {
    expect(decide(input({ checks: [passing], verdict: verdict(0.1, 'fail') })).outcome).toBe('pass');
  });

  it('shortens a long command and keeps the reason within the length an event carries', () => {
    const long = `npm test -- ${'x'.repeat(2_000)}`;
    const reason = decide(input({ checks: Array.from({ length: 20 }, () => check(long, 1)) })).reason;
    expect(reason.length).toBeLessThanOrEqual(MAX_REASON_CHARS);
    expect(reason).toMatch(/^check `npm test -- x+…` exited 1, check/);
  });

  it('names every failing check in one sentence', () => {
    const checks = [check('a', 1), passing, check('b', 2), check('c', 3)];
    expect(decide(input({ checks })).reason).toBe('check `a` exited 1, check `b` exited 2 and check `c` exited 3');
  });
});

describe('decide with a review', () => {
  it('passes when the checks pass and the reviewer is confident enough', () => {
    const decision = decide(input({ checks: [passing], review: policy('gate'), verdict: verdict(0.9) }));
    expect(decision).toEqual({
      outcome: 'pass',
      reason: 'the check passed and the reviewer passed the work (confidence 0.9)',
    });
  });

  it('passes at exactly the threshold', () => {
    expect(decide(input({ review: policy('gate'), verdict: verdict(0.7) })).outcome).toBe('pass');
  });

  it('fails a confidence below the threshold, saying both numbers', () => {
    expect(decide(input({ review: policy('gate'), verdict: verdict(0.42) }))).toEqual({
      outcome: 'needs_review',
      reason: 'reviewer confidence 0.42 is below the threshold 0.7',
    });
  });

  it("fails a 'fail' verdict even when it is confident", () => {
    expect(decide(input({ review: policy('gate'), verdict: verdict(0.95, 'fail') }))).toEqual({
      outcome: 'needs_review',
      reason: 'the reviewer judged the work a fail (confidence 0.95)',
    });
  });

  it("fails 'uncertain' only below the threshold", () => {
    expect(decide(input({ review: policy('gate'), verdict: verdict(0.8, 'uncertain') })).outcome).toBe('pass');
    expect(decide(input({ review: policy('gate'), verdict: verdict(0.5, 'uncertain') })).outcome).toBe('needs_review');
  });

  it('fails a failing check even when the reviewer passes the work', () => {
    const decision = decide(input({ checks: [failing], review: policy('gate'), verdict: verdict(0.99) }));
    expect(decision).toEqual({ outcome: 'needs_review', reason: 'check `npm test` exited 1' });
  });

  it('joins check and reviewer failures', () => {
    const decision = decide(input({ checks: [failing], review: policy('gate'), verdict: verdict(0.3) }));
    expect(decision.reason).toBe('check `npm test` exited 1 and reviewer confidence 0.3 is below the threshold 0.7');
  });

  it('needs a person when the reviewer is unusable (gate and retry), with its problem in the reason', () => {
    const problem = 'The reviewer call failed with HTTP 500: overloaded.';
    for (const mode of ['gate', 'retry'] as const) {
      expect(decide(input({ checks: [passing], review: policy(mode), reviewProblem: problem }))).toEqual({
        outcome: 'needs_review',
        reason: 'the reviewer gave no usable verdict: the reviewer call failed with HTTP 500: overloaded',
      });
    }
  });

  it('treats a missing verdict without a problem as unusable', () => {
    expect(decide(input({ review: policy('gate') }))).toEqual({
      outcome: 'needs_review',
      reason: 'the reviewer gave no verdict',
    });
  });
});

describe('decide by mode', () => {
  it("'report' never blocks: report when failing, pass otherwise", () => {
    expect(decide(input({ checks: [failing], review: policy('report'), verdict: verdict(0.9) }))).toEqual({
      outcome: 'report',
      reason: 'check `npm test` exited 1',
    });
    expect(
      decide(input({ review: policy('report'), reviewProblem: 'The reviewer could not be asked: refused.' })),
    ).toEqual({
      outcome: 'report',
      reason: 'the reviewer gave no usable verdict: the reviewer could not be asked: refused',
    });
    expect(decide(input({ checks: [passing], review: policy('report'), verdict: verdict(0.9) })).outcome).toBe('pass');
  });

  it("'gate' sends every failure to a person, whatever the retries", () => {
    expect(decide(input({ review: policy('gate'), verdict: verdict(0.1), retriesUsed: 0 })).outcome).toBe(
      'needs_review',
    );
  });

  it("'retry' retries while retries are left, then needs a person", () => {
    const at = (retriesUsed: number) =>
      decide(input({ checks: [failing], review: policy('retry'), verdict: verdict(0.9), retriesUsed }));
    expect(at(0)).toEqual({ outcome: 'retry', reason: 'check `npm test` exited 1 (retry 1 of 2)' });
    expect(at(1)).toEqual({ outcome: 'retry', reason: 'check `npm test` exited 1 (retry 2 of 2)' });
    expect(at(2)).toEqual({
      outcome: 'needs_review',
      reason: 'check `npm test` exited 1, and all 2 retries are used up',
    });
  });

  it("'retry' with no retries allowed, or one, says so", () => {
    const low = verdict(0.2);
    expect(decide(input({ review: policy('retry', { maxRetries: 0 }), verdict: low })).outcome).toBe('needs_review');
    expect(decide(input({ review: policy('retry', { maxRetries: 1 }), verdict: low, retriesUsed: 1 })).reason).toBe(
      'reviewer confidence 0.2 is below the threshold 0.7, and the one retry is used up',
    );
  });

  it("'retry' passes once the work is good", () => {
    expect(
      decide(input({ checks: [passing], review: policy('retry'), verdict: verdict(0.8), retriesUsed: 1 })).outcome,
    ).toBe('pass');
  });
});

describe('feedbackPrompt', () => {
  it('sends the failed checks with their output, and the findings most severe first', () => {
    const review: ReviewVerdict = {
      confidence: 0.4,
      verdict: 'fail',
      summary: 'The parser drops the last line.',
      findings: [
        { severity: 'low', message: 'Typo in a comment.' },
        { severity: 'critical', message: 'The last line is lost.', file: 'src/parse.ts', line: 42 },
        { severity: 'medium', message: 'No test for empty input.', file: 'src/parse.test.ts' },
      ],
    };
    const text = feedbackPrompt([passing, failing, check('npm run lint', 2)], review);
    expect(text).toMatch(/^The reviewer found problems/);
    expect(text).toContain('- check `npm test` exited 1. Its output:\n```\nFAIL src/a.test.ts\n1 failed\n```');
    expect(text).toContain('- check `npm run lint` exited 2. It printed nothing.');
    expect(text).not.toContain('check `npm test` exited 0');
    expect(text).toContain("The reviewer's verdict: fail (confidence 0.4). The parser drops the last line.");
    const critical = text.indexOf('- [critical] src/parse.ts:42: The last line is lost.');
    const medium = text.indexOf('- [medium] src/parse.test.ts: No test for empty input.');
    const low = text.indexOf('- [low] Typo in a comment.');
    expect(critical).toBeGreaterThan(-1);
    expect(critical).toBeLessThan(medium);
    expect(medium).toBeLessThan(low);
    expect(text).toMatch(/Fix them in the same workspace/);
  });

  it('quotes only the end of a long output, in a fence its backticks cannot close', () => {
    const output = `${'x'.repeat(10_000)}\n\`\`\`\nlast line`;
    const text = feedbackPrompt([check('npm test', 1, { outputTail: output, truncated: true })], null);
    expect(text).toMatch(/^The checks found problems/);
    expect(text).toContain('Its output ends with:\n````\n…');
    expect(text).toContain('last line\n````');
    expect(text.length).toBeLessThan(6_000);
  });
});
