// The texts an ExecutionHub sends viewers, built from stored event JSON so a batch is serialised once for storage
// and every viewer: live batches (with the status change they carry) and a replay in size-capped chunks.
import type { LogEffects } from '../domain/log-effects';
import { utf8Length } from '../lib/utf8';
import { MAX_EVENTS_PAGE_BYTES } from '../protocol/events';
import type { HubToViewer } from '../protocol/frames';

/** Replay frames stay well under the WebSocket message limit: a page of events each, by count and by bytes. */
const REPLAY_FRAME_EVENTS = 500;
/** The frame's own JSON around the events. */
const FRAME_ENVELOPE_BYTES = '{"type":"events","events":[]}'.length;
const REPLAY_FRAME_BYTES = MAX_EVENTS_PAGE_BYTES - FRAME_ENVELOPE_BYTES;

/** `{ type: 'events', events }` built from stored texts; the same JSON as serialising a HubToViewer events frame,
 * without parsing and re-serialising every event. */
export const eventsFrameText = (texts: readonly string[]): string => `{"type":"events","events":[${texts.join(',')}]}`;

/** What viewers get for newly contiguous events: the events, then the status they moved to, if any. */
export function liveFrames(texts: readonly string[], effects: LogEffects): string[] {
  // A batch is almost always far below a page; only one that might not be is measured and split.
  let units = 0;
  for (const text of texts) units += text.length + 1;
  const frames = units * 3 <= REPLAY_FRAME_BYTES ? [eventsFrameText(texts)] : [...replayFrames(texts)];
  if (effects.status !== null) {
    const { status, reason } = effects.status;
    frames.push(JSON.stringify({ type: 'status', status, reason } satisfies HubToViewer));
  }
  return frames;
}

/** Stored event texts grouped into replay frames by count and UTF-8 size (the commas included), in order. */
export function* replayFrames(texts: Iterable<string>): Generator<string> {
  let chunk: string[] = [];
  let bytes = 0;
  for (const text of texts) {
    const size = utf8Length(text) + 1;
    if (chunk.length > 0 && (chunk.length >= REPLAY_FRAME_EVENTS || bytes + size > REPLAY_FRAME_BYTES)) {
      yield eventsFrameText(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(text);
    bytes += size;
  }
  if (chunk.length > 0) yield eventsFrameText(chunk);
}
