// Small pure helpers of the dashboard: login redirects, list merging, status ordering, formatting, event text.
import { describe, expect, it } from 'vitest';
import type { Execution } from '@claudeops/control-plane/protocol';
import { toolInputSummary, usageSummary } from './event-view';
import { appendPage, mergeFirstPage } from './execution-list';
import { executionTitle, formatDuration, formatUsd, promptTitle, relativeTime } from './format';
import { loginHref, safeNext } from './paths';
import { latestStatus } from './status';
import { executionFixture } from './test-fixtures';

const row = (id: string, status: Execution['status'] = 'queued'): Execution => executionFixture(id, { status });

describe('login redirects', () => {
  it('comes back to the page that needed a login', () => {
    expect(loginHref(new URL('http://d/executions/ex_1?x=1'))).toBe('/login?next=%2Fexecutions%2Fex_1%3Fx%3D1');
    expect(loginHref(new URL('http://d/'))).toBe('/login');
  });

  it('never follows next= off this origin', () => {
    expect(safeNext('/executions/ex_1')).toBe('/executions/ex_1');
    for (const evil of ['//evil.example', 'https://evil.example', '/\\evil.example', null, '', '/login?next=/']) {
      expect(safeNext(evil)).toBe('/');
    }
  });
});

describe('execution list merging', () => {
  it('puts new rows on top and updates rows already shown', () => {
    const shown = [row('b'), row('a')];
    const merged = mergeFirstPage(shown, [row('c'), row('b', 'running')]);
    expect(merged.map((r) => `${r.id}:${r.status}`)).toEqual(['c:queued', 'b:running', 'a:queued']);
  });

  it('appends an older page without repeating rows', () => {
    expect(appendPage([row('c'), row('b')], [row('b'), row('a')]).map((r) => r.id)).toEqual(['c', 'b', 'a']);
  });
});

describe('latestStatus', () => {
  it('keeps the later stage whichever report came last', () => {
    expect(latestStatus('queued', 'running')).toBe('running');
    expect(latestStatus('running', 'assigned')).toBe('running');
    expect(latestStatus('succeeded', 'running')).toBe('succeeded');
    expect(latestStatus('running', 'cancelled')).toBe('cancelled');
    expect(latestStatus('running', 'awaiting_approval')).toBe('awaiting_approval');
    expect(latestStatus('awaiting_approval', 'running')).toBe('running');
    expect(latestStatus('awaiting_approval', 'assigned')).toBe('awaiting_approval');
    expect(latestStatus('queued', null)).toBe('queued');
  });
});

describe('formatting', () => {
  it('shows small costs with four decimals and larger ones in cents', () => {
    expect([formatUsd(null), formatUsd(0), formatUsd(0.02412), formatUsd(3.456)]).toEqual([
      '—',
      '$0.00',
      '$0.0241',
      '$3.46',
    ]);
  });

  it('reads durations and ages like a person would say them', () => {
    expect([formatDuration(551), formatDuration(4200), formatDuration(75_000), formatDuration(3_900_000)]).toEqual([
      '551 ms',
      '4.2 s',
      '1 min 15 s',
      '1 h 5 min',
    ]);
    const now = Date.parse('2026-01-01T01:00:00.000Z');
    expect(relativeTime('2026-01-01T00:59:55.000Z', now)).toBe('just now');
    expect(relativeTime('2026-01-01T00:55:00.000Z', now)).toBe('5 min ago');
  });

  it("titles a row by the prompt's first line", () => {
    expect(promptTitle('Fix the build\nthen run the tests')).toBe('Fix the build');
    expect(promptTitle('x'.repeat(200), 10)).toBe(`${'x'.repeat(9)}…`);
    const run = {
      prompt: 'You are fixing a bug…',
      agent: 'bug-fixer',
      inputs: { issue: 'sum is wrong\nmore', repo: '/r' },
    };
    expect(executionTitle(run)).toBe('bug-fixer: sum is wrong · /r');
    expect(executionTitle({ ...run, agent: 'system-health-reporter', inputs: {} })).toBe('system-health-reporter');
    expect(executionTitle({ prompt: 'Say hi\nplease', agent: 'default', inputs: null })).toBe('Say hi');
  });
});

describe('event text', () => {
  it('summarises a tool call by what matters for that tool', () => {
    expect(toolInputSummary('Bash', { command: 'npm test', description: 'Run tests' })).toBe('npm test');
    expect(toolInputSummary('Edit', { file_path: 'src/a.ts', old_string: 'a' })).toBe('src/a.ts');
    expect(toolInputSummary('Grep', { pattern: 'TODO', path: 'src' })).toBe('TODO in src');
    expect(toolInputSummary('mcp__x__y', 42)).toBe('');
  });

  it('lists token usage, cache figures only when present', () => {
    const usage = { inputTokens: 1200, outputTokens: 80, cacheReadInputTokens: 0, cacheCreationInputTokens: 3000 };
    expect(usageSummary(usage)).toBe('1.2k in · 80 out · 3.0k cache write');
  });
});
