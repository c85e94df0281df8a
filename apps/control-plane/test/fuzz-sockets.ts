// Frame fuzzing support: a client socket that keeps every raw message and its close, the frames to throw at a
// socket (every `type` of every protocol union, generated and made hostile, and garbage text and binary), and what
// counts as a clean close. Used by fuzz-frames.test.ts.
import fc from 'fast-check';
import type { z } from 'zod';
import { expect } from 'vitest';
import { ErrorBody, FleetToRunner, HubToRunner, HubToViewer, RunnerToFleet, RunnerToHub } from '../src/protocol';
import { api } from './api-support';
import { fuzzValue, HOSTILE_STRINGS } from './fuzz-arbitraries';

/** Every frame union of the protocol, in both directions: a socket must refuse what it should never receive too. */
export const FRAME_UNIONS = { RunnerToFleet, FleetToRunner, RunnerToHub, HubToRunner, HubToViewer } as const;

export const frameTypes = (): string[] =>
  Object.values(FRAME_UNIONS).flatMap((union) => union.options.map((option) => String(option.shape.type.value)));

export type Sent = string | ArrayBuffer;

/** Frames no schema describes: not JSON, JSON but not an object, binary, empty, oversize. */
const GARBAGE: readonly Sent[] = [
  '',
  'ping ',
  'pong',
  'hello',
  '{',
  '[]',
  'null',
  '42',
  '"exec.events"',
  '{"type":null}',
  '{"type":"exec.events"}',
  '{"type":"runner.hello","__proto__":{"labels":["x"]}}',
  '{"type":"exec.events","events":[{}]}',
  `{"type":"exec.permit","requestId":"${'r'.repeat(200_000)}"}`,
  '['.repeat(50_000),
  new Uint8Array([0x7b, 0x7d]).buffer,
  new Uint8Array([0xff, 0x00, 0xfe]).buffer,
  new ArrayBuffer(0),
];

/** A frame's JSON with its execution ids sometimes swapped for `live` (so refusals of real state get exercised). */
const aimedAt = (text: string, live: string | null, aim: boolean) =>
  aim && live !== null ? text.replace(/"ex_[0-9a-z]{26}"/g, JSON.stringify(live)) : text;

/** One frame to send: mostly generated from a member of the socket's own union (valid-looking or with a hostile
 * part), else from any other union's member, or garbage. */
export function frameArbitrary(own: z.ZodDiscriminatedUnion | null, live: () => string | null): fc.Arbitrary<Sent> {
  const generated = (members: readonly z.ZodType[]) =>
    fc
      .tuple(fc.oneof(...members.map((member) => fuzzValue(member))), fc.boolean())
      .map(([value, aim]) => aimedAt(JSON.stringify(value) ?? 'undefined', live(), aim));
  const everyMember = Object.values(FRAME_UNIONS).flatMap((union) => union.options as readonly z.ZodType[]);
  return fc.oneof(
    ...(own === null ? [] : [{ weight: 8, arbitrary: generated(own.options as readonly z.ZodType[]) }]),
    { weight: 4, arbitrary: generated(everyMember) },
    { weight: 2, arbitrary: fc.constantFrom(...GARBAGE) },
    { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => bytes.slice().buffer) },
  );
}

/** Whether the socket's schema accepts the frame (a frame it refuses must be answered with an `error`). */
export function accepts(schema: z.ZodType, sent: Sent): boolean {
  if (typeof sent !== 'string') return false;
  try {
    return schema.safeParse(JSON.parse(sent)).success;
  } catch {
    return false;
  }
}

/** Closes a server may make after hostile frames: normal, policy (1008), too big (1009), or the app's own 4xxx.
 * Never 1006 (gone without a close) or 1011 (the server broke). */
export const isCleanClose = (code: number) =>
  [1000, 1003, 1007, 1008, 1009].includes(code) || (code >= 4000 && code < 5000);

/** The client end of a fuzzed socket: raw texts, in order, and the close. */
export class RawSocket {
  readonly texts: string[] = [];
  closed: { code: number; reason: string } | null = null;
  private wake: (() => void) | null = null;

  constructor(readonly ws: WebSocket) {
    ws.addEventListener('message', (event) => {
      this.texts.push(typeof event.data === 'string' ? event.data : '<binary>');
      this.wake?.();
    });
    ws.addEventListener('close', (event) => {
      this.closed = { code: event.code, reason: event.reason };
      this.wake?.();
    });
    ws.accept();
  }

  send(data: Sent): void {
    if (this.closed === null) this.ws.send(data);
  }

  /** Parsed JSON messages from index `from` on. */
  frames(from = 0): { type?: unknown; [key: string]: unknown }[] {
    return this.texts.slice(from).flatMap((text) => {
      try {
        const value: unknown = JSON.parse(text);
        return value !== null && typeof value === 'object' ? [value as { type?: unknown }] : [];
      } catch {
        return [];
      }
    });
  }

  /** Waits until `done` holds or the socket closes; false on timeout. */
  async until(done: () => boolean, timeoutMs = 5_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (this.closed !== null) return done();
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
    return true;
  }

  close(): void {
    if (this.closed === null) this.ws.close(1000, 'fuzz done');
  }
}

/** Opens a WebSocket through the Worker's routes, as a runner or a browser would. */
export async function openRaw(path: string, token: string): Promise<RawSocket> {
  const response = await api(path, { token, headers: { upgrade: 'websocket' } });
  expect(response.status, `upgrade of ${path}`).toBe(101);
  return new RawSocket(response.webSocket!);
}

/** What is wrong with the answers on a socket since `from`: an INTERNAL error (the server broke) or an error frame
 * that is not `{ type: 'error', error: { code, message } }`. */
export function frameProblems(socket: RawSocket, from: number): string[] {
  return socket.frames(from).flatMap((frame) => {
    if (frame.type !== 'error') return [];
    const parsed = ErrorBody.safeParse(frame);
    if (!parsed.success) return [`malformed error frame ${JSON.stringify(frame).slice(0, 200)}`];
    return parsed.data.error.code === 'INTERNAL' ? [`INTERNAL error frame: ${parsed.data.error.message}`] : [];
  });
}

export const countErrors = (socket: RawSocket, from: number) =>
  socket.frames(from).filter((frame) => frame.type === 'error').length;

export const describeSent = (sent: readonly Sent[]) =>
  sent.map((s) => (typeof s === 'string' ? s.slice(0, 160) : `<${s.byteLength} binary bytes>`)).join(' | ');
