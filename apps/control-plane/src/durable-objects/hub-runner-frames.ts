// Reads a runner's frame for an ExecutionHub: parsed, events serialised once, size-checked. Used by execution-hub.ts.
import { MAX_EVENT_BYTES } from '../protocol/events';
import { RunnerToHub, type HubToRunner } from '../protocol/frames';
import type { LogItem } from './hub-log';
import { errorFrame, exceedsUtf8Bytes, parseFrame, sendFrame } from './sockets';

/** What a runner's frame asks of the hub: a permit answer, or a batch of events to store. */
export type RunnerRequest = { type: 'exec.permit'; requestId: string } | { type: 'exec.events'; items: LogItem[] };

/** The frame's request, with each event stringified once for storage and fan-out; null when the frame was refused
 * (the runner has been told why). */
export function readRunnerFrame(ws: WebSocket, message: string | ArrayBuffer): RunnerRequest | null {
  const parsed = parseFrame(RunnerToHub, message);
  if (!parsed.ok) {
    sendFrame(ws, parsed.error satisfies HubToRunner);
    return null;
  }
  if (parsed.frame.type === 'exec.permit') return { type: 'exec.permit', requestId: parsed.frame.requestId };
  const items: LogItem[] = [];
  for (const event of parsed.frame.events) {
    const json = JSON.stringify(event);
    if (exceedsUtf8Bytes(json, MAX_EVENT_BYTES)) {
      // Storing the rest would leave a gap the runner can never fill; refuse the batch so it shrinks the event.
      const refusal = `event ${event.seq} is over ${MAX_EVENT_BYTES} bytes; the batch was not stored`;
      sendFrame(ws, errorFrame('PAYLOAD_TOO_LARGE', refusal) satisfies HubToRunner);
      return null;
    }
    items.push({ seq: event.seq, event, json });
  }
  return { type: 'exec.events', items };
}
