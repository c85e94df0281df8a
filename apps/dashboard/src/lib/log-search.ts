// Search within an execution's log: the text a person sees in each row, matched case-insensitively, with the
// current match stepping forwards and backwards. Used by the log search box and the virtual log.
import type { ExecutionEvent } from '@claudeops/control-plane/protocol';
import type { LogRow } from './steps';

const cache = new WeakMap<LogRow, string>();

function json(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}

/** The searchable text of one event. */
export function eventText(event: ExecutionEvent): string {
  switch (event.type) {
    case 'assistant.text':
    case 'assistant.thinking':
      return event.data.text;
    case 'tool.call':
      return `${event.data.name} ${json(event.data.input)}`;
    case 'tool.result':
      return event.data.content;
    case 'status':
      return `status ${event.data.status} ${event.data.reason ?? ''} ${event.data.pausedReason ?? ''}`;
    case 'log':
      return `${event.data.level} ${event.data.message}`;
    case 'result':
      return `result ${event.data.subtype} ${event.data.text ?? ''}`;
    case 'approval.requested':
      return `approval ${event.data.tool} ${event.data.summary}`;
    case 'approval.decided':
      return `approval ${event.data.status} ${event.data.decidedBy} ${event.data.message ?? ''} ${event.data.reason ?? ''}`;
    case 'git':
      return `git ${event.data.branch} ${event.data.commit ?? ''} ${event.data.message ?? ''} ${event.data.files.map((f) => f.path).join(' ')}`;
    case 'budget.alert':
      return `budget ${event.data.scope} ${event.data.level}`;
    case 'system.init':
      return `init ${event.data.model} ${event.data.cwd}`;
    case 'host.snapshot':
      return `host ${event.data.snapshot.hostname}`;
    case 'usage':
      return `usage ${event.data.model}`;
    case 'user.message':
      return `message ${event.data.from} ${event.data.text}`;
    case 'git.push':
      return `git push ${event.data.branch} ${event.data.commit ?? ''} ${event.data.error ?? ''}`;
    case 'check':
      return `check ${event.data.command} ${event.data.exitCode ?? event.data.signal ?? ''} ${event.data.outputTail}`;
    case 'review':
      return `review ${event.data.outcome} ${event.data.verdict?.verdict ?? ''} ${event.data.verdict?.summary ?? ''} ${event.data.reason}`;
    case 'checkpoint':
      return `checkpoint ${event.data.n} ${event.data.files.map((f) => f.path).join(' ')}`;
  }
}

/** The lower-cased searchable text of a row, computed once per row object. */
export function rowText(row: LogRow): string {
  let text = cache.get(row);
  if (text === undefined) {
    text = (
      row.kind === 'tool' ? `${eventText(row.call)}\n${row.result ? eventText(row.result) : ''}` : eventText(row.event)
    ).toLowerCase();
    cache.set(row, text);
  }
  return text;
}

/** Indices of the rows whose text contains `query` (trimmed, case-insensitive); none for an empty query. */
export function findMatches(rows: readonly LogRow[], query: string): number[] {
  const needle = query.trim().toLowerCase();
  if (needle === '') return [];
  const matches: number[] = [];
  for (let index = 0; index < rows.length; index += 1) {
    if (rowText(rows[index]!).includes(needle)) matches.push(index);
  }
  return matches;
}

/** The match to show after moving `step` (+1 next, −1 previous) from `current`, wrapping around; -1 when none. */
export function stepMatch(count: number, current: number, step: 1 | -1): number {
  if (count === 0) return -1;
  if (current < 0) return step === 1 ? 0 : count - 1;
  return (current + step + count) % count;
}

/** Where the current match should be after the match list changed: the first match at or after the row it was on. */
export function keepMatch(matches: readonly number[], previousRow: number | undefined): number {
  if (matches.length === 0) return -1;
  if (previousRow === undefined) return 0;
  const at = matches.findIndex((row) => row >= previousRow);
  return at === -1 ? matches.length - 1 : at;
}
