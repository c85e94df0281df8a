// Unit tests for the budget scopes an execution falls in.
import { describe, expect, it } from 'vitest';
import { BudgetScope } from '../protocol/common';
import { parseScope, scopesOf } from './budget-scopes';

describe('scopesOf', () => {
  it('is global, the agent, then each label once', () => {
    expect(scopesOf({ agent: 'default', labels: ['gpu', 'team:ml', 'gpu'] })).toEqual([
      'global',
      'agent:default',
      'label:gpu',
      'label:team:ml',
    ]);
    expect(scopesOf({ agent: 'reviewer', labels: [] })).toEqual(['global', 'agent:reviewer']);
  });

  it('names scopes the protocol accepts', () => {
    for (const scope of scopesOf({ agent: 'default', labels: ['a/b', 'x.y-z_1'] })) {
      expect(BudgetScope.safeParse(scope).success).toBe(true);
    }
  });
});

describe('parseScope', () => {
  it('splits at the first colon only', () => {
    expect(parseScope('global')).toEqual({ kind: 'global' });
    expect(parseScope('agent:default')).toEqual({ kind: 'agent', agent: 'default' });
    expect(parseScope('label:team:ml')).toEqual({ kind: 'label', label: 'team:ml' });
  });
});
