// The execution page's supervision logic: pause lines and countdowns, the live fold of check, review, checkpoint
// and paused status events, the merge with the API's checkpoints, the confidence meter and the follow-up link.
import { describe, expect, it } from 'vitest';
import type { CheckpointData, ExecutionEvent } from '@claudeops/control-plane/protocol';
import {
  breakpointText,
  canPause,
  canResume,
  checkOutcome,
  confidenceMeter,
  countdownText,
  currentPause,
  decisionText,
  EMPTY_SUPERVISION,
  findingPlace,
  foldSupervision,
  followupFromReason,
  mergeCheckpoints,
  pauseAdvice,
  pauseHeadline,
  shownSupervision,
} from './supervision';

const ts = '2026-03-15T10:00:00.000Z';
let seq = 0;
const ev = (type: string, data: unknown) => ({ seq: ++seq, ts, type, data }) as ExecutionEvent;
const checkpoint = (n: number, files = ['a.txt']): CheckpointData => ({
  n,
  messageId: `m${n}`,
  commit: `c${n}`,
  files: files.map((path) => ({ path, insertions: 1, deletions: 0 })),
  insertions: files.length,
  deletions: 0,
  diff: '',
  diffTruncated: false,
});
const check = (command: string, exitCode: number | null, round = 0) => ({
  command,
  exitCode,
  durationMs: 12,
  outputTail: '',
  round,
});

describe('pause wording', () => {
  it('says why and until when', () => {
    const time = (iso: string) => iso.slice(11, 16);
    expect(pauseHeadline({ reason: 'rate_limited', resumeAt: '2026-03-15T14:05:00.000Z' }, time)).toBe(
      'Paused: rate limited until 14:05',
    );
    expect(pauseHeadline({ reason: 'rate_limited' }, time)).toBe('Paused: rate limited');
    expect(pauseHeadline({ reason: 'user' })).toBe('Paused by a person');
    expect(pauseHeadline({ reason: 'breakpoint', breakpoint: { onTool: 'Bash(git push:*)' } })).toBe(
      'Paused at a breakpoint: on tool Bash(git push:*)',
    );
    expect(pauseAdvice({ reason: 'budget' })).toMatch(/raise the budget/i);
  });

  it('names every kind of breakpoint', () => {
    expect(breakpointText({ onFileChange: 'migrations/**' })).toBe('on a change to migrations/**');
    expect(breakpointText({ costOverUsd: 1 })).toBe('cost over $1.00');
    expect(breakpointText({ turnsOver: 30 })).toBe('more than 30 turns');
    expect(breakpointText({ turnsOver: 1 })).toBe('more than 1 turn');
  });

  it('counts down to a rate limit’s end', () => {
    const now = Date.parse(ts);
    expect(countdownText('2026-03-15T10:01:05.000Z', now)).toBe('resumes in 1 min 5 s');
    expect(countdownText('2026-03-15T10:00:00.400Z', now)).toBe('resumes in 1.0 s');
    expect(countdownText('2026-03-15T09:59:00.000Z', now)).toBe('resuming…');
  });

  it('prefers the live pause, falls back to the execution’s fields, and is null unless paused', () => {
    const stored = { pausedReason: 'rate_limited' as const, resumeAt: ts };
    expect(currentPause('running', { reason: 'user' }, stored)).toBeNull();
    expect(currentPause('paused', { reason: 'budget' }, stored)).toEqual({ reason: 'budget' });
    expect(currentPause('paused', null, stored)).toEqual({ reason: 'rate_limited', resumeAt: ts });
    expect(currentPause('paused', null, { pausedReason: null, resumeAt: null })).toEqual({ reason: 'user' });
  });

  it('offers Pause on a going run and Resume on a paused one', () => {
    expect(canPause('running')).toBe(true);
    expect(canPause('awaiting_approval')).toBe(true);
    expect(canPause('paused')).toBe(false);
    expect(canPause('needs_review')).toBe(false);
    expect(canResume('paused')).toBe(true);
    expect(canResume('running')).toBe(false);
  });
});

describe('the live fold', () => {
  it('keeps the pause until another status, the latest round of checks, the review and checkpoints', () => {
    let state = foldSupervision(EMPTY_SUPERVISION, [
      ev('status', { status: 'paused', pause: { reason: 'rate_limited', resumeAt: ts } }),
    ]);
    expect(state.pause).toEqual({ reason: 'rate_limited', resumeAt: ts });
    state = foldSupervision(state, [ev('status', { status: 'running' }), ev('checkpoint', checkpoint(1))]);
    expect(state.pause).toBeNull();
    expect(state.checkpoints.map((c) => c.n)).toEqual([1]);
    state = foldSupervision(state, [
      ev('check', check('npm test', 1)),
      ev('check', check('npm run lint', 0)),
      ev('check', check('npm test', 0, 1)),
    ]);
    expect(state.checks.map((c) => `${c.command}@${c.round}`)).toEqual(['npm test@1']);
    state = foldSupervision(state, [
      ev('status', { status: 'needs_review', reason: 'a check failed: npm test' }),
      ev('checkpoint', checkpoint(2)),
    ]);
    expect(state.needsReviewReason).toBe('a check failed: npm test');
    expect(state.checkpoints.map((c) => c.n)).toEqual([1, 2]);
  });

  it('returns the same state for events that do not matter', () => {
    const state = foldSupervision(EMPTY_SUPERVISION, [ev('log', { level: 'info', message: 'x' })]);
    expect(state).toBe(EMPTY_SUPERVISION);
  });

  it('merges the API’s checkpoints with live ones by n', () => {
    const merged = mergeCheckpoints([checkpoint(2), checkpoint(1)], [checkpoint(2, ['b.txt']), checkpoint(3)]);
    expect(merged.map((c) => `${c.n}:${c.files[0]!.path}`)).toEqual(['1:a.txt', '2:b.txt', '3:a.txt']);
  });

  it('shows the live outcome once it has one, else the stored one', () => {
    const stored = { checks: [check('true', 0)], review: null, retries: 0, needsReviewReason: null };
    expect(shownSupervision(EMPTY_SUPERVISION, stored)).toBe(stored);
    expect(shownSupervision(EMPTY_SUPERVISION, null)).toBeNull();
    const live = { ...EMPTY_SUPERVISION, checks: [check('false', 1)], needsReviewReason: 'a check failed' };
    expect(shownSupervision(live, stored)).toMatchObject({
      checks: [{ command: 'false' }],
      needsReviewReason: 'a check failed',
    });
  });
});

describe('the review panel', () => {
  it('reads a check’s outcome', () => {
    expect(checkOutcome(check('false', 1))).toBe('exit 1');
    expect(checkOutcome({ ...check('sleep 99', null), timedOut: true })).toBe('timed out');
  });

  it('sets the confidence against the threshold', () => {
    expect(confidenceMeter({ confidence: 0.42, threshold: 0.7 })).toEqual({
      percent: 42,
      thresholdPercent: 70,
      below: true,
      label: 'Confidence 42% (threshold 70%, below it)',
    });
    expect(confidenceMeter({ confidence: 0.9, threshold: 0.7 }).below).toBe(false);
  });

  it('places a finding', () => {
    expect(findingPlace({ file: 'src/a.ts', line: 12 })).toBe('src/a.ts:12');
    expect(findingPlace({ file: 'src/a.ts' })).toBe('src/a.ts');
    expect(findingPlace({})).toBe('');
  });

  it('finds the follow-up and the decision in an ended execution’s reason', () => {
    const reason = 'changes requested by admin: continued in ex_0123456789abcdefghijklmnop';
    expect(followupFromReason(reason)).toBe('ex_0123456789abcdefghijklmnop');
    expect(followupFromReason('accepted by admin')).toBeNull();
    expect(followupFromReason(null)).toBeNull();
    expect(decisionText('failed', reason)).toBe('Changes requested');
    expect(decisionText('succeeded', 'accepted by admin: fine')).toBe('Accepted');
    expect(decisionText('failed', 'rejected by admin')).toBe('Rejected');
    expect(decisionText('failed', 'Claude Code failed')).toBeNull();
  });
});
