// What a follower knows about one execution from its events and frames: the last seq, status, cost, turns and the
// approvals still waiting. Pure, so the status line and the exit decisions are tested without a socket.
import { EVENT_TYPES, isTerminal, type ExecutionEvent, type ExecutionStatus } from '@claudeops/control-plane/protocol';
import { usd } from './render-events';

export interface PendingApproval {
  approvalId: string;
  tool: string;
  pattern: string;
  summary: string;
}

export interface FollowState {
  executionId: string;
  lastSeq: number;
  status: ExecutionStatus | null;
  reason: string | null;
  costUsd: number | null;
  turns: number;
  pending: Map<string, PendingApproval>;
  /** Whether the replay up to the live edge has been seen (a `ready` frame, or an HTTP page without more). */
  caughtUp: boolean;
}

export const newFollowState = (executionId: string, after = 0): FollowState => ({
  executionId,
  lastSeq: after,
  status: null,
  reason: null,
  costUsd: null,
  turns: 0,
  pending: new Map(),
  caughtUp: false,
});

/** An event's envelope (seq, ts, type, data) without checking `data` against its type's schema: enough for
 * NDJSON output, which passes the API's events on as they are (as the HTTP pages are). */
export function isEventEnvelope(value: unknown): value is ExecutionEvent {
  if (typeof value !== 'object' || value === null) return false;
  const event = value as { seq?: unknown; ts?: unknown; type?: unknown; data?: unknown };
  return (
    Number.isInteger(event.seq) &&
    (event.seq as number) > 0 &&
    typeof event.ts === 'string' &&
    (EVENT_TYPES as readonly unknown[]).includes(event.type) &&
    typeof event.data === 'object' &&
    event.data !== null
  );
}

/** Splits a batch into the events that continue the log exactly (`fresh`) and whether a gap follows them. */
export function contiguous(
  lastSeq: number,
  events: readonly ExecutionEvent[],
): { fresh: ExecutionEvent[]; gap: boolean } {
  const fresh: ExecutionEvent[] = [];
  let next = lastSeq + 1;
  for (const event of events) {
    if (event.seq < next) continue; // seen already (a replay overlapping what we had)
    if (event.seq > next) return { fresh, gap: true };
    fresh.push(event);
    next += 1;
  }
  return { fresh, gap: false };
}

/** Folds accepted events into the state (they must be contiguous after state.lastSeq). */
export function applyEvents(state: FollowState, events: readonly ExecutionEvent[]): void {
  for (const event of events) {
    state.lastSeq = event.seq;
    switch (event.type) {
      case 'status':
        state.status = event.data.status;
        state.reason = event.data.reason ?? null;
        break;
      case 'usage':
        state.turns += 1;
        if (event.data.totalCostUsd !== undefined) state.costUsd = event.data.totalCostUsd;
        break;
      case 'result':
        state.turns = event.data.numTurns;
        state.costUsd = event.data.chargedUsd ?? event.data.totalCostUsd;
        break;
      case 'approval.requested':
        state.pending.set(event.data.approvalId, {
          approvalId: event.data.approvalId,
          tool: event.data.tool,
          pattern: event.data.pattern,
          summary: event.data.summary,
        });
        break;
      case 'approval.decided':
        state.pending.delete(event.data.approvalId);
        break;
      default:
        break;
    }
  }
}

/** Whether a follow stops at this status: the execution ended, or it is `needs_review`, where nothing more happens
 * until a person accepts, rejects or sends feedback (`claudeops review`). */
export const endsFollow = (status: ExecutionStatus | null): boolean =>
  status !== null && (isTerminal(status) || status === 'needs_review');

/**
 * A status the hub or D1 reported. A terminal status already known is never moved; `needs_review` moves only to a
 * terminal one (the decision), so a D1 read that lags behind the hub's event does not take it back to `running`.
 */
export function applyStatus(state: FollowState, status: ExecutionStatus, reason: string | null): void {
  if (state.status !== null && isTerminal(state.status)) return;
  if (state.status === 'needs_review' && !isTerminal(status)) return;
  state.status = status;
  state.reason = reason;
}

/** What a follow that stopped at `needs_review` tells the person: why, and the commands that decide it. */
export function needsReviewNotice(state: FollowState): string {
  const id = state.executionId;
  return [
    `${id} needs review${state.reason ? `: ${state.reason}` : ''}`,
    `  accept:   claudeops review ${id} accept`,
    `  reject:   claudeops review ${id} reject`,
    `  feedback: claudeops review ${id} feedback "what to change"`,
  ].join('\n');
}

export function statusLine(state: FollowState): string {
  const parts = [state.executionId, state.status ?? 'waiting'];
  if (state.costUsd !== null) parts.push(usd(state.costUsd));
  parts.push(`${state.turns} turn${state.turns === 1 ? '' : 's'}`);
  if (state.pending.size > 0)
    parts.push(`${state.pending.size} approval${state.pending.size === 1 ? '' : 's'} waiting`);
  return parts.join(' · ');
}
