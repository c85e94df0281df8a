import { describe, expect, it } from 'vitest';
import { budgetBar, budgetForm, buildScope, parseBudgetForm, scopeTitle, sortBudgets, splitScope } from './budget-math';

describe('budgetBar', () => {
  it('spans the hard limit and marks the soft limit on it', () => {
    const bar = budgetBar({ spentUsd: 5, softLimitUsd: 15, hardLimitUsd: 20, state: 'ok' });
    expect(bar).toEqual({ scaleUsd: 20, spentPct: 25, softPct: 75, hardPct: 100, tone: 'ok', usedOfHardPct: 25 });
  });

  it('widens to the spend past the hard limit, so the hard mark moves left of the end', () => {
    const bar = budgetBar({ spentUsd: 25, softLimitUsd: 15, hardLimitUsd: 20, state: 'hard_exceeded' });
    expect(bar.scaleUsd).toBe(25);
    expect(bar.spentPct).toBe(100);
    expect(bar.hardPct).toBe(80);
    expect(bar.softPct).toBe(60);
    expect(bar.tone).toBe('over');
    expect(bar.usedOfHardPct).toBe(125);
  });

  it('uses the soft limit as the scale without a hard limit', () => {
    const bar = budgetBar({ spentUsd: 12, softLimitUsd: 10, hardLimitUsd: null, state: 'soft_exceeded' });
    expect(bar).toMatchObject({ scaleUsd: 12, spentPct: 100, hardPct: null, tone: 'warn', usedOfHardPct: null });
    expect(bar.softPct).toBeCloseTo(83.33, 1);
  });

  it('never divides by zero: no limits and no spend, or a hard limit of 0', () => {
    expect(budgetBar({ spentUsd: 0, softLimitUsd: null, hardLimitUsd: null, state: 'ok' })).toMatchObject({
      scaleUsd: 1,
      spentPct: 0,
    });
    const zero = budgetBar({ spentUsd: 0, softLimitUsd: null, hardLimitUsd: 0, state: 'hard_exceeded' });
    expect(zero).toMatchObject({ spentPct: 0, hardPct: 0, usedOfHardPct: 0 });
    expect(budgetBar({ spentUsd: 1, softLimitUsd: null, hardLimitUsd: 0, state: 'hard_exceeded' }).usedOfHardPct).toBe(
      100,
    );
  });
});

describe('budget form', () => {
  it('turns empty fields into no limit and numbers into limits', () => {
    expect(parseBudgetForm({ period: 'month', soft: '', hard: ' $20 ' })).toEqual({
      ok: true,
      body: { period: 'month', hardLimitUsd: 20 },
    });
    expect(parseBudgetForm({ period: 'day', soft: '0.5', hard: '1' })).toEqual({
      ok: true,
      body: { period: 'day', softLimitUsd: 0.5, hardLimitUsd: 1 },
    });
  });

  it('refuses negative, non-numeric and soft above hard', () => {
    expect(parseBudgetForm({ period: 'day', soft: '-1', hard: '' })).toMatchObject({ ok: false });
    expect(parseBudgetForm({ period: 'day', soft: '', hard: 'ten' })).toMatchObject({ ok: false });
    expect(parseBudgetForm({ period: 'day', soft: '3', hard: '2' })).toEqual({
      ok: false,
      error: 'The soft limit must not be above the hard limit.',
    });
  });

  it('starts from an existing budget', () => {
    expect(budgetForm({ period: 'total', softLimitUsd: null, hardLimitUsd: 5 })).toEqual({
      period: 'total',
      soft: '',
      hard: '5',
    });
    expect(budgetForm()).toEqual({ period: 'day', soft: '', hard: '' });
  });
});

describe('scopes', () => {
  it('splits, builds and titles scopes', () => {
    expect(splitScope('agent:bug-fixer')).toEqual({ kind: 'agent', name: 'bug-fixer' });
    expect(splitScope('label:gpu:a100')).toEqual({ kind: 'label', name: 'gpu:a100' });
    expect(splitScope('global')).toEqual({ kind: 'global', name: '' });
    expect(buildScope('label', ' gpu ')).toBe('label:gpu');
    expect(buildScope('global', 'ignored')).toBe('global');
    expect(scopeTitle('agent:default')).toBe('Agent default');
  });

  it('sorts global, agents, labels', () => {
    const sorted = sortBudgets([{ scope: 'label:a' }, { scope: 'agent:z' }, { scope: 'global' }, { scope: 'agent:b' }]);
    expect(sorted.map((b) => b.scope)).toEqual(['global', 'agent:b', 'agent:z', 'label:a']);
  });
});
