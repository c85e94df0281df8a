// What a batch of newly stored events means to a person with the dashboard closed: an approval to give, the
// execution ended. Used by execution-hub.ts, which sends these with notify() after the batch's commit.
import { approvalPush, attentionPush, endedPush } from '../notify/push-payloads';
import type { ExecutionEvent } from '../protocol/events';
import type { PushPayload } from '../protocol';
import type { HubMeta } from './hub-log';

/** The notifications for `events` (stored once each, so sent once each); `closing`: this batch closed the log. */
export function pushesOf(meta: HubMeta, events: readonly ExecutionEvent[], closing: boolean): PushPayload[] {
  const executionId = meta.executionId;
  if (executionId === null) return [];
  const pushes: PushPayload[] = [];
  for (const event of events) {
    if (event.type === 'approval.requested') pushes.push(approvalPush(executionId, event.data));
    if (event.type !== 'status') continue;
    const attention = attentionOf(event.data);
    if (attention !== null) pushes.push(attentionPush(executionId, attention, event.data.reason ?? null));
  }
  if (closing && meta.status !== null) {
    const ended = endedPush(executionId, meta.status, {
      reason: meta.statusReason,
      resultText: meta.result?.text ?? null,
    });
    if (ended !== null) pushes.push(ended);
  }
  return pushes;
}

/** The title of a status that stops for a person: a breakpoint's or a budget's pause, or a review to give. A person's
 * own pause and a rate limit (which resumes by itself) notify nobody. */
function attentionOf(data: { status: string; pausedReason?: string }): string | null {
  if (data.status === 'needs_review') return 'Review needed';
  if (data.status !== 'paused') return null;
  if (data.pausedReason === 'breakpoint') return 'Paused at a breakpoint';
  if (data.pausedReason === 'budget') return 'Paused: budget limit reached';
  return null;
}
