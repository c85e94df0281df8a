// The execution log as rows a person reads: a tool call and its result folded into one step, usage events left to
// the cost ticker (kept only in raw mode). Built incrementally as events arrive, so a 100k-event replay stays linear.
// Used by the execution stream store and the virtual log.
import type { EventData, ExecutionEvent } from '@claudeops/control-plane/protocol';

type EventOf<T extends ExecutionEvent['type']> = Extract<ExecutionEvent, { type: T }>;

export interface ToolStep {
  kind: 'tool';
  /** Stable key for the list: the call's seq. */
  key: number;
  call: EventOf<'tool.call'>;
  result: EventOf<'tool.result'> | null;
}

export interface EventRow {
  kind: 'event';
  key: number;
  event: ExecutionEvent;
}

export type LogRow = ToolStep | EventRow;

export interface RowBuilderOptions {
  /** Raw mode: every event its own row, usage included, nothing paired. */
  raw?: boolean;
}

export class RowBuilder {
  readonly raw: boolean;
  #rows: LogRow[] = [];
  /** Row index of each open tool call, by tool-use id. */
  #callRow = new Map<string, number>();

  constructor(options: RowBuilderOptions = {}) {
    this.raw = options.raw ?? false;
  }

  get rows(): readonly LogRow[] {
    return this.#rows;
  }

  /**
   * Appends events (in seq order). A tool result replaces its call's row with a new object holding both, so a
   * keyed list re-renders just that row. Returns the index of the first row that changed, or -1 if none did.
   */
  add(events: readonly ExecutionEvent[]): number {
    let first = -1;
    const touch = (index: number) => {
      if (first === -1 || index < first) first = index;
    };
    for (const event of events) {
      if (this.raw) {
        touch(this.#rows.push({ kind: 'event', key: event.seq, event }) - 1);
        continue;
      }
      if (event.type === 'usage') continue;
      if (event.type === 'tool.call') {
        const index = this.#rows.push({ kind: 'tool', key: event.seq, call: event, result: null }) - 1;
        this.#callRow.set(event.data.toolUseId, index);
        touch(index);
        continue;
      }
      if (event.type === 'tool.result') {
        const index = this.#callRow.get(event.data.toolUseId);
        const row = index === undefined ? undefined : this.#rows[index];
        if (index !== undefined && row?.kind === 'tool' && row.result === null) {
          this.#rows[index] = { ...row, result: event };
          this.#callRow.delete(event.data.toolUseId);
          touch(index);
          continue;
        }
      }
      touch(this.#rows.push({ kind: 'event', key: event.seq, event }) - 1);
    }
    return first;
  }
}

/** A tool step's state for its badge: still running, failed, or done. */
export function stepState(step: ToolStep): 'running' | 'error' | 'done' {
  if (step.result === null) return 'running';
  return step.result.data.isError ? 'error' : 'done';
}

/** Usage data with the hub's cost fields, as the cost ticker reads them. */
export type UsageData = EventData<'usage'>;
