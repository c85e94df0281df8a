// Executions list filters round-trip through the URL query.
import { describe, expect, it } from 'vitest';
import { filtersFromQuery, filtersToQuery, hasFilters } from './execution-list';

describe('execution filters in the URL', () => {
  it('round-trips every filter', () => {
    const filters = {
      status: 'awaiting_approval' as const,
      agent: 'bug-fixer',
      runner: 'rn_00000000000000000000000001',
      label: 'gpu',
      q: 'fix the build',
    };
    const query = filtersToQuery(filters);
    expect(query).toBe(
      '?status=awaiting_approval&agent=bug-fixer&runner=rn_00000000000000000000000001&label=gpu&q=fix+the+build',
    );
    expect(filtersFromQuery(new URLSearchParams(query))).toEqual(filters);
  });

  it('ignores unknown statuses and blank values', () => {
    expect(filtersFromQuery(new URLSearchParams('status=bogus&agent=&q=%20%20&label=gpu'))).toEqual({ label: 'gpu' });
    expect(filtersToQuery({ q: '  ', agent: '' })).toBe('');
    expect(hasFilters({})).toBe(false);
    expect(hasFilters({ q: 'x' })).toBe(true);
  });

  it('keeps unrelated parameters such as the preselected template', () => {
    expect(filtersToQuery({ status: 'running' }, new URLSearchParams('new=bug-fixer&status=failed'))).toBe(
      '?status=running&new=bug-fixer',
    );
  });
});
