// Unit tests for supervision-effects.ts: folding check, review and needs_review events into the outcome.
import { describe, expect, it } from 'vitest';
import type { ExecutionEvent } from '../protocol/events';
import type { CheckResult, ReviewResult } from '../protocol/supervision';
import { foldSupervision, supervisionSummary } from './supervision-effects';

let seq = 0;
const at = () => new Date().toISOString();
const check = (
  command: string,
  exitCode: number | null,
  round = 0,
  extra: Partial<CheckResult> = {},
): ExecutionEvent => ({
  seq: ++seq,
  ts: at(),
  type: 'check',
  data: { command, exitCode, durationMs: 12, outputTail: `${command} output`, round, ...extra },
});
const review = (confidence: number, round = 0, passed = confidence >= 0.7): ExecutionEvent => {
  const data: ReviewResult = {
    confidence,
    verdict: passed ? 'pass' : 'fail',
    summary: 'looked at the diff',
    findings: passed ? [] : [{ severity: 'major', message: 'the test is missing', file: 'a.ts', line: 3 }],
    passed,
    threshold: 0.7,
    mode: 'gate',
    model: 'claude-haiku-4-5',
    endpoint: 'proxy',
    round,
  };
  return { seq: ++seq, ts: at(), type: 'review', data };
};
const status = (value: 'running' | 'needs_review' | 'succeeded', reason?: string): ExecutionEvent => ({
  seq: ++seq,
  ts: at(),
  type: 'status',
  data: { status: value, ...(reason === undefined ? {} : { reason }) },
});

describe('foldSupervision', () => {
  it('stays null for a run without supervision events', () => {
    expect(foldSupervision(null, [status('running'), status('succeeded')])).toBeNull();
  });

  it('keeps each check, the review and the needs_review reason', () => {
    const folded = foldSupervision(null, [
      check('npm test', 1),
      check('npm run lint', 0),
      review(0.4),
      status('needs_review', 'check `npm test` exited 1'),
    ]);
    expect(folded).toMatchObject({
      checks: [
        { command: 'npm test', exitCode: 1 },
        { command: 'npm run lint', exitCode: 0 },
      ],
      review: { confidence: 0.4, passed: false },
      retries: 0,
      needsReviewReason: 'check `npm test` exited 1',
    });
    expect(supervisionSummary(folded!)).toBe('`npm test` exited 1; review fail at 0.40 (threshold 0.7)');
  });

  it('folds across batches, and a later round replaces the earlier one; stale events are ignored', () => {
    const first = foldSupervision(null, [check('npm test', 1), review(0.3)]);
    const second = foldSupervision(first, [check('npm test', 0, 1), check('npm test', 1, 0)]);
    expect(second).toEqual({
      checks: [expect.objectContaining({ command: 'npm test', exitCode: 0, round: 1 })],
      review: null,
      retries: 1,
      needsReviewReason: null,
    });
    const third = foldSupervision(second, [review(0.9, 1), status('succeeded')]);
    expect(third?.review).toMatchObject({ confidence: 0.9, round: 1, passed: true });
    expect(third?.needsReviewReason).toBeNull();
  });

  it('replaces a check rerun in the same round, and names a timeout', () => {
    const folded = foldSupervision(null, [
      check('npm test', 1),
      check('npm test', null, 0, { timedOut: true }),
      status('needs_review'),
    ]);
    expect(folded?.checks).toHaveLength(1);
    expect(folded?.needsReviewReason).toBe('needs review');
    expect(supervisionSummary(folded!)).toBe('`npm test` timed out');
  });
});
