// Helpers for the api-*.test.ts files: requests through the Worker's own fetch handler, as a client would send them.
import { env, exports } from 'cloudflare:workers';
import { expect } from 'vitest';
import { ErrorBody, type ErrorCode } from '../src/protocol';

export const BASE = 'http://localhost';
export const ADMIN_TOKEN = env.CLAUDEOPS_ADMIN_TOKEN!;

type Init = { method?: string; token?: string | null; body?: unknown; headers?: Record<string, string> };

/** Sends a request to the Worker; `token` defaults to the admin token, `null` sends none; strings and bytes go as
 * they are, objects as JSON. */
export function api(path: string, init: Init = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const token = init.token === undefined ? ADMIN_TOKEN : init.token;
  if (token !== null && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
  let body: BodyInit | undefined;
  if (typeof init.body === 'string' || init.body instanceof Uint8Array) body = init.body;
  else if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  }
  return exports.default.fetch(new Request(new URL(path, BASE), { method: init.method ?? 'GET', headers, body }));
}

/** Asserts an error response: its status, its code, and (optionally) words its message must contain. */
export async function expectError(response: Response, status: number, code: ErrorCode, words?: string | RegExp) {
  expect(response.status).toBe(status);
  const body = ErrorBody.parse(await response.json());
  expect(body.error.code).toBe(code);
  if (words !== undefined) expect(body.error.message).toMatch(words);
  return body.error;
}

export async function newRegistrationToken(): Promise<string> {
  const response = await api('/api/v1/runners/registration-tokens', { method: 'POST' });
  expect(response.status).toBe(201);
  return ((await response.json()) as { token: string }).token;
}

export async function registerRunner(
  fields: { name?: string; labels?: string[]; maxConcurrent?: number } = {},
): Promise<{ runnerId: string; runnerToken: string }> {
  const response = await api('/api/v1/runners/register', {
    method: 'POST',
    token: null,
    body: { registrationToken: await newRegistrationToken(), name: fields.name ?? 'test-runner', ...fields },
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { runnerId: string; runnerToken: string };
}

/** Frames received on a WebSocket, parsed with `schema`, awaited by type with a timeout (no sleeps). */
export class SocketInbox<F extends { type: string }> {
  private readonly frames: F[] = [];
  private wake: (() => void) | null = null;
  private closed = false;

  constructor(
    readonly ws: WebSocket,
    schema: { parse(value: unknown): F },
  ) {
    ws.accept();
    ws.addEventListener('message', (event) => {
      this.frames.push(schema.parse(JSON.parse(String(event.data))));
      this.wake?.();
    });
    ws.addEventListener('close', () => {
      this.closed = true;
      this.wake?.();
    });
  }

  send(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }

  /** The first frame of `type` (matching `where`, if given), dropping the frames before it. */
  async next<T extends F['type']>(
    type: T,
    where: (frame: Extract<F, { type: T }>) => boolean = () => true,
    timeoutMs = 5_000,
  ): Promise<Extract<F, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.frames.findIndex((f) => f.type === type && where(f as Extract<F, { type: T }>));
      if (index >= 0) {
        const [frame] = this.frames.splice(0, index + 1).slice(-1);
        return frame as Extract<F, { type: T }>;
      }
      if (this.closed) throw new Error(`socket closed before a ${type} frame arrived`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${type} frame within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  close(): void {
    this.ws.close(1000, 'test done');
  }
}

/** Opens a WebSocket through the Worker's routes (auth and all); fails the test unless it upgrades. */
export async function openApiSocket<F extends { type: string }>(
  path: string,
  token: string,
  schema: { parse(value: unknown): F },
  headers: Record<string, string> = {},
): Promise<SocketInbox<F>> {
  const response = await api(path, { token, headers: { ...headers, upgrade: 'websocket' } });
  expect(response.status).toBe(101);
  return new SocketInbox(response.webSocket!, schema);
}
