// Merging pages of the execution list: a refreshed first page updates rows already shown and puts new ones on top,
// without losing the older pages a person loaded with "load more". Used by the home page.
import type { Execution } from '@claudeops/control-plane/protocol';

export const PAGE_SIZE = 25;

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
