// Helpers for the hub-*.test.ts and fleet-*.test.ts files: seeded D1 rows, sockets into the Durable Objects with
// an inbox that validates every frame against the protocol, and event builders.
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { expect } from 'vitest';
import type { z } from 'zod';
import { createDb } from '../src/db/client';
import { executions, runners } from '../src/db/schema';
import { newExecutionId, newRunnerId } from '../src/lib/ids';
import { HubToRunner, HubToViewer, type ExecutionEvent, type ExecutionStatus } from '../src/protocol';

export const db = () => createDb(env.DB);

export const hubOf = (id: string) => env.EXECUTION_HUB.get(env.EXECUTION_HUB.idFromName(id));

/** The hub's read of the log, as the HTTP route makes it. Annotated: the RPC stub types the result `never`,
 * because a tool.call event's input is `unknown`. */
export async function storedEvents(id: string, after = 0, limit = 1000): Promise<ExecutionEvent[]> {
  const events: ExecutionEvent[] = await hubOf(id).events(id, after, limit);
  return events;
}

/** A unique label, so a test's jobs and runners only ever match each other. */
export const uniqueLabel = () => `t-${crypto.randomUUID().slice(0, 8)}`;

export async function seedExecution(fields: Partial<typeof executions.$inferInsert> = {}): Promise<string> {
  const now = Date.now();
  const id = fields.id ?? newExecutionId(now);
  await db()
    .insert(executions)
    .values({ id, status: 'queued', prompt: 'say hi', labels: [], createdAt: now, updatedAt: now, ...fields });
  return id;
}

export async function seedRunner(fields: Partial<typeof runners.$inferInsert> = {}): Promise<string> {
  const now = Date.now();
  const id = fields.id ?? newRunnerId(now);
  await db()
    .insert(runners)
    .values({
      id,
      name: 'test-runner',
      tokenHash: `hash-${id}`,
      labels: [],
      maxConcurrent: 1,
      status: 'offline',
      createdAt: now,
      ...fields,
    });
  return id;
}

export const executionRow = async (id: string) => db().select().from(executions).where(eq(executions.id, id)).get();
export const runnerRow = async (id: string) => db().select().from(runners).where(eq(runners.id, id)).get();

/** Waits until `check` passes (it throws or returns false until then), failing after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await check();
      if (value !== false) return value;
      if (Date.now() > deadline) throw new Error('condition still false');
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    await scheduler.wait(10);
  }
}

type Tagged = { type: string };

/** The client end of a socket: every frame is parsed with the protocol schema the server must send with. */
export class Inbox<F extends Tagged> {
  private readonly frames: F[] = [];
  private readonly texts: string[] = [];
  private wake: (() => void) | null = null;
  closed: { code: number; reason: string } | null = null;

  constructor(
    readonly ws: WebSocket,
    schema: z.ZodType<F>,
  ) {
    ws.addEventListener('message', (event) => {
      const text = typeof event.data === 'string' ? event.data : '';
      this.texts.push(text);
      if (text.startsWith('{')) this.frames.push(schema.parse(JSON.parse(text)));
      this.wake?.();
    });
    ws.addEventListener('close', (event) => {
      this.closed = { code: event.code, reason: event.reason };
      this.wake?.();
    });
  }

  send(frame: object | string): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Takes the first unread frame of this type (skipping earlier frames of other types), waiting for one. */
  async next<K extends F['type']>(type: K, timeoutMs = 5_000): Promise<Extract<F, { type: K }>> {
    const frame = await this.until(
      () => {
        const index = this.frames.findIndex((f) => f.type === type);
        return index < 0 ? undefined : this.frames.splice(0, index + 1)[index];
      },
      `a ${type} frame`,
      timeoutMs,
    );
    return frame as Extract<F, { type: K }>;
  }

  /** Waits for a raw text message (the auto-response `pong` is not JSON). */
  async text(expected: string, timeoutMs = 5_000): Promise<void> {
    await this.until(() => (this.texts.includes(expected) ? true : undefined), `"${expected}"`, timeoutMs);
  }

  /** Frames received and not yet taken. */
  unread(): readonly F[] {
    return this.frames;
  }

  close(): void {
    this.ws.close(1000, 'test done');
  }

  private async until<T>(take: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = take();
      if (value !== undefined) return value;
      if (this.closed) throw new Error(`socket closed (${this.closed.code}) while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
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
}

/** Opens a WebSocket into a Durable Object the way the Worker forwards one. */
export async function openSocket<F extends Tagged>(
  stub: { fetch(request: Request): Promise<Response> },
  url: string,
  headers: Record<string, string>,
  schema: z.ZodType<F>,
): Promise<Inbox<F>> {
  const response = await stub.fetch(new Request(url, { headers: { Upgrade: 'websocket', ...headers } }));
  expect(response.status).toBe(101);
  const ws = response.webSocket;
  if (!ws) throw new Error('no WebSocket in the upgrade response');
  const inbox = new Inbox(ws, schema);
  ws.accept();
  return inbox;
}

const ts = () => new Date().toISOString();

export const logEvent = (seq: number, message = `line ${seq}`): ExecutionEvent => ({
  seq,
  ts: ts(),
  type: 'log',
  data: { level: 'info', message },
});

export const statusEvent = (seq: number, status: ExecutionStatus, reason?: string): ExecutionEvent => ({
  seq,
  ts: ts(),
  type: 'status',
  data: reason === undefined ? { status } : { status, reason },
});

export const resultEvent = (seq: number, totalCostUsd: number): ExecutionEvent => ({
  seq,
  ts: ts(),
  type: 'result',
  data: {
    subtype: 'success',
    isError: false,
    text: 'done',
    totalCostUsd,
    numTurns: 1,
    durationMs: 1200,
    sessionId: 'session-1',
  },
});

/** Events seq from..to (inclusive) as log lines. */
export const logEvents = (from: number, to: number): ExecutionEvent[] =>
  Array.from({ length: to - from + 1 }, (_, i) => logEvent(from + i));

/** A runner's event stream into an execution's hub, as the Worker forwards it after checking the runner token. */
export const connectHubRunner = (id: string) =>
  openSocket(
    hubOf(id),
    `http://hub/api/v1/executions/${id}/stream`,
    { 'x-claudeops-role': 'runner', 'x-claudeops-execution-id': id },
    HubToRunner,
  );

/** A viewer's socket into an execution's hub, replaying events after `after`. */
export const connectViewer = (id: string, after = 0) =>
  openSocket(
    hubOf(id),
    `http://hub/api/v1/executions/${id}/events?after=${after}`,
    { 'x-claudeops-role': 'viewer', 'x-claudeops-execution-id': id },
    HubToViewer,
  );

/** Sends a batch on a runner's stream and returns the ack that answers it. */
export async function sendBatch(runner: Inbox<HubToRunner>, events: ExecutionEvent[]): Promise<number> {
  runner.send({ type: 'exec.events', events });
  return (await runner.next('exec.ack')).seq;
}

/** The Job fields of an execution started without an agent template, as a runner is offered them. */
export const PLAIN_JOB_FIELDS = {
  agent: 'default',
  permissions: null,
  maxTurns: null,
  appendSystemPrompt: null,
  outputSchema: null,
  tools: null,
  approvalTimeoutSeconds: 600,
  hostSnapshot: false,
  network: 'open',
  limits: null,
  requireSandbox: false,
  secrets: [],
  resumeSessionId: null,
  workspaceOf: null,
  openPullRequest: false,
  checks: [],
  review: null,
  breakpoints: [],
  rewind: null,
} as const;
