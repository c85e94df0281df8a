// Helpers for trust.test.ts and revocation.test.ts: runners registered and connected through the Worker's own routes
// (so the stream route ties sockets to them), with inboxes that also record how a socket was closed.
import { expect } from 'vitest';
import type { z } from 'zod';
import { Execution, FleetToRunner, type RunnerToFleet, type SandboxKind } from '../src/protocol';
import { api } from './api-support';
import { Inbox, uniqueLabel } from './do-support';

type Hello = Extract<RunnerToFleet, { type: 'runner.hello' }>;

/** A WebSocket through the Worker (auth and all), as a client opens it; fails the test unless it upgrades. */
export async function workerSocket<F extends { type: string }>(
  path: string,
  token: string,
  schema: z.ZodType<F>,
): Promise<Inbox<F>> {
  const response = await api(path, { token, headers: { upgrade: 'websocket' } });
  expect(response.status).toBe(101);
  const ws = response.webSocket!;
  const inbox = new Inbox(ws, schema);
  ws.accept();
  return inbox;
}

export interface ConnectedRunner {
  runnerId: string;
  runnerToken: string;
  control: Inbox<FleetToRunner>;
}

/** Registers a runner (with a registration token that may fix its labels and slots) and says hello on its control
 * socket to the production Fleet; returns once it is welcomed. */
export async function connectedRunner(opts: {
  labels: string[];
  maxConcurrent?: number;
  sandbox?: SandboxKind;
  token?: { labels?: string[]; maxConcurrent?: number };
  hello?: Partial<Hello>;
}): Promise<ConnectedRunner> {
  const minted = await api('/api/v1/runners/registration-tokens', { method: 'POST', body: opts.token ?? {} });
  expect(minted.status).toBe(201);
  const { token: registrationToken } = (await minted.json()) as { token: string };
  const registered = await api('/api/v1/runners/register', {
    method: 'POST',
    token: null,
    body: { registrationToken, name: 'trust-runner', labels: opts.labels, maxConcurrent: opts.maxConcurrent ?? 1 },
  });
  expect(registered.status).toBe(201);
  const { runnerId, runnerToken } = (await registered.json()) as { runnerId: string; runnerToken: string };
  const control = await workerSocket('/api/v1/runners/connect', runnerToken, FleetToRunner);
  control.send({
    type: 'runner.hello',
    version: 'test',
    name: 'trust-runner',
    labels: opts.labels,
    maxConcurrent: opts.maxConcurrent ?? 1,
    running: [],
    sandbox: opts.sandbox ?? 'none',
    ...opts.hello,
  } satisfies Hello);
  expect(await control.next('runner.welcome')).toMatchObject({ runnerId });
  return { runnerId, runnerToken, control };
}

/** Creates an execution through the API, in a label of its own unless given. */
export async function createExecution(body: Record<string, unknown> & { labels?: string[] } = {}) {
  const response = await api('/api/v1/executions', {
    method: 'POST',
    body: { prompt: 'trust me', labels: [uniqueLabel()], ...body },
  });
  expect(response.status).toBe(201);
  return Execution.parse(await response.json());
}

/** GET /api/v1/executions/:id, parsed. */
export async function readExecution(id: string) {
  const response = await api(`/api/v1/executions/${id}`);
  expect(response.status).toBe(200);
  return Execution.parse(await response.json());
}

export const eventAt = (seq: number, message = `line ${seq}`) => ({
  seq,
  ts: new Date().toISOString(),
  type: 'log' as const,
  data: { level: 'info' as const, message },
});
