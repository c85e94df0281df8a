// Which budget scopes an execution falls in; used by the Fleet's admission, the hub's charges and the guard's seed.
import type { BudgetScope } from '../protocol/common';

/** The agent every execution runs as until agent templates exist, so an `agent:default` budget covers them all. */
export const DEFAULT_AGENT = 'default';

/** global, then the execution's agent, then one scope per label (deduplicated, in the execution's order). */
export function scopesOf(execution: { agent: string; labels: readonly string[] }): BudgetScope[] {
  const labels = [...new Set(execution.labels)].map((label) => `label:${label}`);
  return ['global', `agent:${execution.agent}`, ...labels];
}

export type ParsedScope = { kind: 'global' } | { kind: 'agent'; agent: string } | { kind: 'label'; label: string };

/** The parts of a scope string that has passed the protocol's BudgetScope schema. */
export function parseScope(scope: BudgetScope): ParsedScope {
  if (scope === 'global') return { kind: 'global' };
  if (scope.startsWith('agent:')) return { kind: 'agent', agent: scope.slice('agent:'.length) };
  if (scope.startsWith('label:')) return { kind: 'label', label: scope.slice('label:'.length) };
  throw new Error(`not a budget scope: ${scope}`);
}
