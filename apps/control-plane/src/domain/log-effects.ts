// What newly stored events mean for the execution's lifecycle: a start, an end, the final result and cost.
// Used by the ExecutionHub to decide which D1 updates follow a batch.
import { isTerminal, type ExecutionStatus } from '../protocol/common';
import type { EventData, ExecutionEvent } from '../protocol/events';
import type { ExecutionResult } from '../protocol/api';

export type ResultData = EventData<'result'>;

/** A terminal `status` event ends the log: nothing after it is stored. */
export const closesLog = (event: Pick<ExecutionEvent, 'type' | 'data'>): boolean =>
  event.type === 'status' && isTerminal((event.data as EventData<'status'>).status);

export interface LogEffects {
  /** The last status the events report, with its reason; null when they report none. */
  readonly status: { status: ExecutionStatus; reason: string | null } | null;
  /** Some event reported `running` (or `awaiting_approval`, which is running and waiting for a person). */
  readonly started: boolean;
  /** The last `result` event's data; null when there is none. */
  readonly result: ResultData | null;
}

/** Folds events (in seq order) into the lifecycle facts the hub records. */
export function effectsOf(events: readonly ExecutionEvent[]): LogEffects {
  let status: LogEffects['status'] = null;
  let started = false;
  let result: ResultData | null = null;
  for (const event of events) {
    if (event.type === 'status') {
      status = { status: event.data.status, reason: event.data.reason ?? null };
      if (event.data.status === 'running' || event.data.status === 'awaiting_approval') started = true;
    } else if (event.type === 'result') {
      result = event.data;
    }
  }
  return { status, started, result };
}

/** The execution's `result` summary in the API, from Claude Code's final result event. */
export function toExecutionResult(data: ResultData): ExecutionResult {
  return {
    subtype: data.subtype,
    isError: data.isError,
    ...(data.text === undefined ? {} : { text: data.text }),
    totalCostUsd: data.totalCostUsd,
    numTurns: data.numTurns,
    durationMs: data.durationMs,
    sessionId: data.sessionId,
    ...(data.structured === undefined ? {} : { structured: data.structured }),
    ...(data.costWarning === undefined ? {} : { chargedUsd: data.chargedUsd, costWarning: data.costWarning }),
  };
}
