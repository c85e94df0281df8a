// WebSocket plumbing shared by the ExecutionHub and the Fleet: parse an inbound frame, send one, close politely.
import type { z } from 'zod';
import type { ErrorCode } from '../protocol';

export type FrameError = { type: 'error'; error: { code: ErrorCode; message: string } };

export const errorFrame = (code: ErrorCode, message: string): FrameError => ({
  type: 'error',
  error: { code, message },
});

/** Parses a text frame with a protocol schema; a bad frame comes back as the `error` frame to answer it with. */
export function parseFrame<S extends z.ZodType>(
  schema: S,
  message: string | ArrayBuffer,
): { ok: true; frame: z.infer<S> } | { ok: false; error: FrameError } {
  if (typeof message !== 'string') {
    return { ok: false, error: errorFrame('BAD_REQUEST', 'frames are JSON text, not binary') };
  }
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    return { ok: false, error: errorFrame('BAD_REQUEST', 'frame is not valid JSON') };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    return { ok: false, error: errorFrame('BAD_REQUEST', `invalid frame: ${where}${issue?.message ?? 'unknown'}`) };
  }
  return { ok: true, frame: parsed.data };
}

/** Sends serialised text; a socket that went away meanwhile is not an error worth failing a handler for. */
export function sendText(ws: WebSocket, text: string): boolean {
  try {
    ws.send(text);
    return true;
  } catch {
    return false;
  }
}

export const sendFrame = (ws: WebSocket, frame: object): boolean => sendText(ws, JSON.stringify(frame));

/** Codes a peer may not send in a close frame; reciprocate those with a normal closure instead. */
const RESERVED_CLOSE_CODES = new Set([1005, 1006, 1015]);

export function closeSocket(ws: WebSocket, code: number, reason: string): void {
  try {
    const safeCode = RESERVED_CLOSE_CODES.has(code) || code < 1000 || code > 4999 ? 1000 : code;
    ws.close(safeCode, reason.slice(0, 120));
  } catch {
    // Already closed: nothing left to reciprocate.
  }
}

/** Whether a request asks to be upgraded to a WebSocket. */
export const isUpgrade = (request: Request): boolean => request.headers.get('Upgrade')?.toLowerCase() === 'websocket';

/** Whether text is longer than `max` bytes in UTF-8, encoding it only when its length cannot decide. */
export function exceedsUtf8Bytes(text: string, max: number): boolean {
  // A UTF-16 code unit takes one to three UTF-8 bytes (a surrogate pair four for two units).
  if (text.length > max) return true;
  if (text.length * 3 <= max) return false;
  return new TextEncoder().encode(text).length > max;
}
