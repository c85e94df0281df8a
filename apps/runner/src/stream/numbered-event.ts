// One event draft validated, numbered and serialised once, as the log streamer keeps it until the hub acks it.
import { ExecutionEvent, MAX_EVENT_BYTES, type EventDraft } from '@claudeops/control-plane/protocol';
import type { Logger } from '../support/logger';

/** An event numbered and serialised once; resends reuse the same text, so a seq never changes meaning. */
export interface Numbered {
  seq: number;
  json: string;
  bytes: number;
}

export function numberEvent(seq: number, draft: EventDraft, log: Logger): Numbered {
  const parsed = ExecutionEvent.safeParse({ seq, ts: draft.ts, type: draft.type, data: draft.data });
  // An event the hub would refuse would block every later one behind it, so a note takes its place instead.
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return note(
      seq,
      `runner dropped an invalid ${draft.type} event (${issue?.path.join('.')}: ${issue?.message})`,
      log,
    );
  }
  const json = JSON.stringify(parsed.data);
  const bytes = Buffer.byteLength(json);
  if (bytes > MAX_EVENT_BYTES) {
    return note(seq, `runner dropped a ${draft.type} event of ${bytes} bytes (limit ${MAX_EVENT_BYTES})`, log);
  }
  return { seq, json, bytes };
}

function note(seq: number, message: string, log: Logger): Numbered {
  log.warn(message, { seq });
  const event: ExecutionEvent = { seq, ts: new Date().toISOString(), type: 'log', data: { level: 'warn', message } };
  const json = JSON.stringify(event);
  return { seq, json, bytes: Buffer.byteLength(json) };
}
