// Supervision logic of the dashboard: breakpoint and check text ↔ rules, the reviewer's form, Pause/Resume states,
// the pause banner, the review summary and the review / rewind bodies.
import { describe, expect, it } from 'vitest';
import { Breakpoints, ReviewConfig, type CheckResult, type ExecutionEvent } from '@claudeops/control-plane/protocol';
import {
  canPause,
  canResume,
  checkOutcome,
  findingPlace,
  formatBreakpoint,
  latestChecks,
  latestReview,
  parseBreakpoint,
  parseBreakpoints,
  parseChecks,
  pauseHeadline,
  pauseState,
  readSupervision,
  reviewDecisionBody,
  reviewSummary,
  rewindBody,
  rewindOutcome,
  supervisionToText,
} from './supervision';
import { buildExecutionBody } from './new-execution';
import { executionFixture } from './test-fixtures';

const check = (overrides: Partial<CheckResult> = {}): CheckResult => ({
  command: 'npm test',
  exitCode: 0,
  signal: null,
  durationMs: 1500,
  outputTail: '',
  truncated: false,
  timedOut: false,
  round: 0,
  ...overrides,
});

const at = (seq: number, event: Omit<ExecutionEvent, 'seq' | 'ts'>): ExecutionEvent =>
  ({ seq, ts: '2026-01-01T00:00:00.000Z', ...event }) as ExecutionEvent;

describe('breakpoints', () => {
  it('reads each rule of the one-line syntax, and writes it back the same', () => {
    const text = 'onTool Bash(git push:*)\n\n  onFileChange migrations/**  \ncostOverUsd 1.5\nturnsover 30';
    const parsed = parseBreakpoints(text);
    expect(parsed).toEqual({
      rules: [
        { onTool: 'Bash(git push:*)' },
        { onFileChange: 'migrations/**' },
        { costOverUsd: 1.5 },
        { turnsOver: 30 },
      ],
    });
    if (!('rules' in parsed)) throw new Error('expected rules');
    expect(Breakpoints.parse(parsed.rules)).toEqual(parsed.rules);
    expect(parsed.rules.map(formatBreakpoint).join('\n')).toBe(
      'onTool Bash(git push:*)\nonFileChange migrations/**\ncostOverUsd 1.5\nturnsOver 30',
    );
  });

  it('names the line and what is wrong with it', () => {
    expect(parseBreakpoints('turnsOver 30\nonTool')).toEqual({
      error:
        'Line 2: "onTool" is not a breakpoint: write onTool, onFileChange, costOverUsd or turnsOver and its value.',
    });
    expect(parseBreakpoint('costOverUsd -1')).toEqual({
      error: 'costOverUsd needs a positive amount of US dollars, not "-1".',
    });
    expect(parseBreakpoint('turnsOver 2.5')).toHaveProperty('error');
    expect(parseBreakpoint('onTool Bash(')).toHaveProperty('error');
    expect(parseBreakpoint('pauseOn everything')).toHaveProperty('error');
  });
});

describe('checks and the supervision form', () => {
  it('keeps one command per line', () => {
    expect(parseChecks('  npm test \n\nnpm run lint\n')).toEqual(['npm test', 'npm run lint']);
  });

  it('round-trips a template’s supervision through the form text', () => {
    const source = {
      checks: ['npm test', 'npm run lint'],
      review: ReviewConfig.parse({ mode: 'retry', maxRetries: 3, model: 'claude-haiku' }),
      breakpoints: [{ onTool: 'Bash(git push:*)' }, { costOverUsd: 2 }],
    };
    const text = supervisionToText(source);
    expect(text).toMatchObject({ reviewEnabled: true, mode: 'retry', threshold: '0.7', maxRetries: '3' });
    expect(readSupervision(text)).toEqual({ ok: true, fields: source });
  });

  it('reads an empty form as no checks, no reviewer, no breakpoints', () => {
    expect(readSupervision(supervisionToText(null))).toEqual({
      ok: true,
      fields: { checks: [], review: null, breakpoints: [] },
    });
  });

  it('keys each mistake by its field', () => {
    const text = {
      ...supervisionToText(null),
      reviewEnabled: true,
      threshold: '70',
      maxRetries: '-1',
      breakpoints: 'oops',
    };
    const read = readSupervision(text);
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(Object.keys(read.errors).sort()).toEqual(['breakpoints', 'maxRetries', 'threshold']);
  });

  it('adds the supervision to a new execution’s body, and names the field to fix', () => {
    const form = {
      agent: '',
      prompt: 'Fix it',
      inputs: {},
      repo: '',
      ref: '',
      model: '',
      maxBudgetUsd: '',
      labels: '',
      supervision: { ...supervisionToText(null), checks: 'npm test', breakpoints: 'turnsOver 30' },
    };
    expect(buildExecutionBody(form, null)).toEqual({
      ok: true,
      body: { prompt: 'Fix it', checks: ['npm test'], breakpoints: [{ turnsOver: 30 }] },
    });
    const bad = buildExecutionBody({ ...form, supervision: { ...form.supervision, breakpoints: 'x 1' } }, null);
    expect(bad).toMatchObject({ ok: false, field: 'supervision-breakpoints' });
  });
});

describe('pause', () => {
  it('offers Pause while a runner holds the run and Resume while paused', () => {
    expect(['assigned', 'running', 'awaiting_approval'].every((s) => canPause(s as 'running'))).toBe(true);
    expect(canPause('paused') || canPause('queued') || canPause('needs_review') || canPause('succeeded')).toBe(false);
    expect(canResume('paused')).toBe(true);
    expect(canResume('running')).toBe(false);
  });

  it('says why in words', () => {
    expect(pauseHeadline('user', null)).toBe('Paused by you');
    expect(pauseHeadline('budget', null)).toBe('Paused: budget limit reached — raise the limit or resume');
    expect(pauseHeadline('breakpoint', null)).toBe('Paused at a breakpoint');
    expect(pauseHeadline('rate_limited', '2026-01-01T10:00:00.000Z')).toMatch(/^Rate limited — resumes by itself at /);
    expect(pauseHeadline(null, null)).toBe('Paused');
  });

  it('prefers the newest paused status event over the stored execution', () => {
    const execution = executionFixture('ex_1', { pausedReason: 'user', pauseMessage: 'paused by admin' });
    const events = [
      at(1, { type: 'status', data: { status: 'running' } }),
      at(2, {
        type: 'status',
        data: { status: 'paused', pausedReason: 'rate_limited', resumeAt: '2026-01-01T10:00:00.000Z', reason: '429' },
      }),
    ];
    expect(pauseState(execution, events)).toEqual({
      reason: 'rate_limited',
      message: '429',
      resumeAt: '2026-01-01T10:00:00.000Z',
    });
    expect(pauseState(execution, events.slice(0, 1))).toEqual({
      reason: 'user',
      message: 'paused by admin',
      resumeAt: null,
    });
  });
});

describe('checks and review', () => {
  it('words each check’s outcome', () => {
    expect(checkOutcome(check())).toEqual({ passed: true, text: 'passed (exit 0) in 1.5 s' });
    expect(checkOutcome(check({ exitCode: 1 }))).toMatchObject({ passed: false, text: 'failed (exit 1) in 1.5 s' });
    expect(checkOutcome(check({ exitCode: null, timedOut: true }))).toMatchObject({ passed: false });
    expect(checkOutcome(check({ exitCode: null, signal: 'SIGKILL' })).text).toMatch(/^killed by SIGKILL/);
  });

  it('keeps the newest round of checks and the newest review', () => {
    const review = {
      verdict: { confidence: 0.4, verdict: 'fail' as const, summary: 'Tests fail', findings: [] },
      problem: null,
      outcome: 'needs_review' as const,
      reason: 'below threshold',
      model: null,
      endpoint: 'claude' as const,
      round: 1,
    };
    const events = [
      at(1, { type: 'check', data: check({ exitCode: 1 }) }),
      at(2, { type: 'check', data: check({ round: 1 }) }),
      at(3, { type: 'check', data: check({ command: 'npm run lint', round: 1, exitCode: 2 }) }),
      at(4, { type: 'review', data: review }),
    ];
    const checks = latestChecks(events);
    expect(checks.map((c) => c.command)).toEqual(['npm test', 'npm run lint']);
    expect(latestReview(events, null)).toBe(review);
    expect(latestReview([], null)).toBeNull();
    expect(reviewSummary(review, checks)).toBe(
      '1 of 2 checks passed · reviewer: fail, 40% confident · waiting for your decision',
    );
    expect(reviewSummary(null, [])).toBe('No checks or review ran.');
    expect(reviewSummary({ ...review, verdict: null, problem: 'timed out', outcome: 'report' }, [])).toBe(
      'no verdict (timed out) · reported only',
    );
  });

  it('places a finding at file:line', () => {
    expect(findingPlace({ file: 'src/a.ts', line: 12 })).toBe('src/a.ts:12');
    expect(findingPlace({ file: 'src/a.ts' })).toBe('src/a.ts');
    expect(findingPlace({})).toBe('');
  });
});

describe('request bodies', () => {
  it('builds a review decision; feedback needs words', () => {
    expect(reviewDecisionBody('accept', '  ')).toEqual({ ok: true, body: { decision: 'accept' } });
    expect(reviewDecisionBody('reject', ' not this ')).toEqual({
      ok: true,
      body: { decision: 'reject', message: 'not this' },
    });
    expect(reviewDecisionBody('feedback', '')).toEqual({ ok: false, error: 'Write the feedback first.' });
    expect(reviewDecisionBody('feedback', 'Add a test')).toEqual({
      ok: true,
      body: { decision: 'feedback', message: 'Add a test' },
    });
  });

  it('builds a rewind and reads its answer', () => {
    expect(rewindBody(2, true, '  ')).toEqual({ checkpoint: 2, conversation: true });
    expect(rewindBody(1, false, 'Try again')).toEqual({ checkpoint: 1, conversation: false, prompt: 'Try again' });
    expect(rewindOutcome({ followup: { id: 'ex_2' } })).toEqual({ goto: '/executions/ex_2' });
    expect(rewindOutcome({ followup: null })).toEqual({ notice: 'Cancelling; the follow-up starts once it stops.' });
  });
});
