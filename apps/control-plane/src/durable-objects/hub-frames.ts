// The texts an ExecutionHub sends viewers, built from stored event JSON so a batch is serialised once for storage
// and every viewer: live batches (with the status change they carry) and a replay in size-capped chunks.
import type { LogEffects } from '../domain/log-effects';
import type { HubToViewer } from '../protocol/frames';

/** Replay frames stay well under the WebSocket message limit. */
const REPLAY_FRAME_EVENTS = 500;
const REPLAY_FRAME_BYTES = 512 * 1024;

/** `{ type: 'events', events }` built from stored texts; the same JSON as serialising a HubToViewer events frame,
 * without parsing and re-serialising every event. */
export const eventsFrameText = (texts: readonly string[]): string => `{"type":"events","events":[${texts.join(',')}]}`;

/** What viewers get for newly contiguous events: the events, then the status they moved to, if any. */
export function liveFrames(texts: readonly string[], effects: LogEffects): string[] {
  const frames = [eventsFrameText(texts)];
  if (effects.status !== null) {
    const { status, reason } = effects.status;
    frames.push(JSON.stringify({ type: 'status', status, reason } satisfies HubToViewer));
  }
  return frames;
}

/** Stored event texts grouped into replay frames by count and size. */
export function* replayFrames(texts: Iterable<string>): Generator<string> {
  let chunk: string[] = [];
  let bytes = 0;
  for (const text of texts) {
    if (chunk.length > 0 && (chunk.length >= REPLAY_FRAME_EVENTS || bytes + text.length > REPLAY_FRAME_BYTES)) {
      yield eventsFrameText(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(text);
    bytes += text.length;
  }
  if (chunk.length > 0) yield eventsFrameText(chunk);
}
