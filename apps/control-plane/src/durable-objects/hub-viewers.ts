// An ExecutionHub's viewer side: replay and `ready`, live fan-out, refusals, status from D1. Used by execution-hub.ts.
import { createDb } from '../db/client';
import { getStatus } from '../db/queries/lifecycle';
import type { LogEffects } from '../domain/log-effects';
import type { ExecutionStatus } from '../protocol/common';
import type { ErrorBody } from '../protocol/common';
import { MAX_VIEWERS_PER_EXECUTION, VIEWER_PING, type HubToViewer } from '../protocol/frames';
import type { BudgetAlert } from './hub-budget-store';
import { liveFrames, replayFrames } from './hub-frames';
import { errorFrame, sendFrame, sendText } from './sockets';

/** Sends stored event texts in chunks, then `ready`, then the budget alerts the runner has not recorded yet (they
 * are not in the log, so not in the replay either); live batches follow from `fanOut`. */
export function sendReplay(
  ws: WebSocket,
  texts: Iterable<string>,
  ready: { lastSeq: number; status: ExecutionStatus },
  alerts: readonly BudgetAlert[],
): void {
  for (const frame of replayFrames(texts)) sendText(ws, frame);
  sendFrame(ws, { type: 'ready', lastSeq: ready.lastSeq, status: ready.status } satisfies HubToViewer);
  for (const alert of alerts) sendFrame(ws, { type: 'alert', alert } satisfies HubToViewer);
}

/** Sends newly contiguous events (and the status they moved to) to every viewer, serialised once for all. */
export function fanOut(viewers: readonly WebSocket[], texts: readonly string[], effects: LogEffects): void {
  const frames = liveFrames(texts, effects);
  for (const ws of viewers) for (const frame of frames) sendText(ws, frame);
}

/** How long a refused viewer is told to wait before trying again. */
const FULL_RETRY_AFTER_SECONDS = 10;

/** The refusal for one viewer too many (before the upgrade, so the client sees a plain 429), or null. */
export function refuseExtraViewer(viewers: readonly WebSocket[]): Response | null {
  const open = viewers.filter((ws) => ws.readyState === WebSocket.READY_STATE_OPEN).length;
  if (open < MAX_VIEWERS_PER_EXECUTION) return null;
  const message = `this execution already has ${MAX_VIEWERS_PER_EXECUTION} viewers; close one, or read the events over HTTP`;
  return Response.json({ error: { code: 'RATE_LIMITED', message } } satisfies ErrorBody, {
    status: 429,
    headers: { 'retry-after': String(FULL_RETRY_AFTER_SECONDS) },
  });
}

/** Answers anything a viewer sends but the keep-alive (which the runtime answers without waking the hub). */
export function refuseViewerFrame(ws: WebSocket): void {
  sendFrame(ws, errorFrame('BAD_REQUEST', `viewers only send "${VIEWER_PING}"`) satisfies HubToViewer);
}

/** The execution's status in D1, for the `ready` of a hub whose log has no status yet; null when unknown. */
export async function statusFromD1(env: Env, executionId: string | null): Promise<ExecutionStatus | null> {
  if (executionId === null) return null;
  try {
    return await getStatus(createDb(env.DB), executionId);
  } catch (err) {
    console.error('ExecutionHub: reading the status from D1 failed', err);
    return null;
  }
}
