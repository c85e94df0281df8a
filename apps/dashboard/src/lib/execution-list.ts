// The executions list: filters kept in the URL query (so reload and back keep them), and merging pages: a refreshed
// first page updates rows already shown and puts new ones on top, without losing the older pages a person loaded
// with "load more". Used by the executions page and the overview.
import {
  EXECUTION_STATUSES,
  type Execution,
  type ExecutionStatus,
  type TriggerKind,
} from '@claudeops/control-plane/protocol';
import { parseTriggerKind } from './triggers';

export const PAGE_SIZE = 25;

export interface ExecutionFilters {
  status?: ExecutionStatus;
  agent?: string;
  runner?: string;
  label?: string;
  /** Words the prompt contains. */
  q?: string;
  /** What started it; `triggerId`: the schedule, webhook or execution that did. */
  trigger?: TriggerKind;
  triggerId?: string;
}

const TEXT_FILTERS = ['agent', 'runner', 'label', 'q', 'triggerId'] as const;

/** The filters a URL query holds; unknown statuses and blank values are ignored. */
export function filtersFromQuery(query: URLSearchParams): ExecutionFilters {
  const filters: ExecutionFilters = {};
  const status = query.get('status');
  const known = EXECUTION_STATUSES.find((s) => s === status);
  if (known) filters.status = known;
  const trigger = parseTriggerKind(query.get('trigger'));
  if (trigger) filters.trigger = trigger;
  for (const key of TEXT_FILTERS) {
    const value = query.get(key)?.trim();
    if (value) filters[key] = value;
  }
  return filters;
}

/**
 * The query string for filters (`?status=running&q=fix`, or '' for none), in a fixed order so equal filters give
 * equal URLs. Other parameters of `keep` (e.g. `new`, the preselected template) are kept.
 */
export function filtersToQuery(filters: ExecutionFilters, keep?: URLSearchParams): string {
  const query = new URLSearchParams();
  if (filters.status) query.set('status', filters.status);
  if (filters.trigger) query.set('trigger', filters.trigger);
  for (const key of TEXT_FILTERS) {
    const value = filters[key]?.trim();
    if (value) query.set(key, value);
  }
  for (const [key, value] of keep ?? []) {
    if (key !== 'status' && key !== 'trigger' && !(TEXT_FILTERS as readonly string[]).includes(key))
      query.set(key, value);
  }
  const qs = query.toString();
  return qs ? `?${qs}` : '';
}

export function hasFilters(filters: ExecutionFilters): boolean {
  return Object.values(filters).some((value) => value !== undefined && value !== '');
}

export function mergeFirstPage(current: readonly Execution[], fresh: readonly Execution[]): Execution[] {
  const byId = new Map(fresh.map((execution) => [execution.id, execution]));
  const newer = fresh.filter((execution) => !current.some((row) => row.id === execution.id));
  return [...newer, ...current.map((row) => byId.get(row.id) ?? row)];
}

/** Appends an older page, skipping rows already shown (a row can shift pages while new ones arrive). */
export function appendPage(current: readonly Execution[], older: readonly Execution[]): Execution[] {
  const seen = new Set(current.map((row) => row.id));
  return [...current, ...older.filter((row) => !seen.has(row.id))];
}
