// The live cost of one execution as its events arrive: the hub prices each API message (`usage.costUsd`) and keeps
// a running total (`usage.totalCostUsd`); Claude Code's own total arrives with `result`, and the execution's stored
// costUsd is reconciled to it. Used by the execution stream store and the cost ticker.
import type { ExecutionEvent } from '@claudeops/control-plane/protocol';

export interface CostState {
  /** The best figure so far, in USD (0 before any priced message). */
  usd: number;
  /** Some message was priced by its model family, not an exact price row. */
  estimated: boolean;
  /** Claude Code's own total (from `result`) has replaced the live sum. */
  reconciled: boolean;
  /** Priced API messages seen. */
  messages: number;
}

export const EMPTY_COST: CostState = { usd: 0, estimated: false, reconciled: false, messages: 0 };

/** Folds events into the cost state; pure, so the store can run it per batch. */
export function addCost(state: CostState, events: readonly ExecutionEvent[]): CostState {
  let { usd, estimated, reconciled, messages } = state;
  let sum = usd;
  for (const event of events) {
    if (event.type === 'usage' && !reconciled) {
      if (event.data.costUsd === undefined) continue;
      messages += 1;
      sum = event.data.totalCostUsd ?? sum + event.data.costUsd;
      estimated ||= event.data.estimated === true;
      usd = sum;
    } else if (event.type === 'result') {
      usd = event.data.totalCostUsd;
      reconciled = true;
      estimated = false;
    }
  }
  return { usd, estimated, reconciled, messages };
}

/**
 * What the header shows: the stored execution's cost once it is reconciled (it equals Claude Code's total), else the
 * larger of the stream's running total and the stored live figure (either may be a moment ahead of the other).
 */
export function displayCost(
  live: CostState,
  stored: { costUsd: number | null; costIsEstimate: boolean; result: unknown },
): { usd: number | null; estimated: boolean; reconciled: boolean } {
  if (stored.result && stored.costUsd !== null) {
    return { usd: stored.costUsd, estimated: stored.costIsEstimate, reconciled: true };
  }
  if (live.reconciled) return { usd: live.usd, estimated: false, reconciled: true };
  const usd = Math.max(live.usd, stored.costUsd ?? 0);
  return {
    usd: live.messages === 0 && stored.costUsd === null ? null : usd,
    estimated: live.estimated || stored.costIsEstimate,
    reconciled: false,
  };
}
