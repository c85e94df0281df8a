// What the fuzz and auth-matrix tests act on: the app's routes read from Hono itself, and a small world made through
// the API as users make it (two runners, an execution leased to one of them with a pending approval, an agent
// template, a budget, a session). Used by fuzz-http, fuzz-frames and auth-matrix.
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { expect } from 'vitest';
import { app } from '../src/app';
import { apiTokens } from '../src/db/schema';
import { hashToken } from '../src/lib/tokens';
import { Approval, ErrorBody, Execution, FleetToRunner, HubToRunner } from '../src/protocol';
import { requestedEvent } from './approvals-support';
import { api, openApiSocket, registerRunner, type SocketInbox } from './api-support';
import { db, eventually } from './do-support';

export type Route = { method: string; path: string };

/** Every route the app answers, from Hono's own table (a route added later is in it without editing a test). */
export function appRoutes(): Route[] {
  const seen = new Map<string, Route>();
  for (const { method, path } of app.routes) {
    if (method === 'ALL') continue; // the /api/* middleware
    seen.set(`${method} ${path}`, { method, path });
  }
  return [...seen.values()];
}

export const routeKey = (route: Route) => `${route.method} ${route.path}`;

export type RunnerCredentials = { runnerId: string; runnerToken: string };

export type World = {
  label: string;
  /** Owns `executionId` (holds its lease and its stream). */
  owner: RunnerCredentials;
  /** Registered and valid, but owns nothing of the world. */
  other: RunnerCredentials;
  /** Only ever named in runner paths (DELETE /runners/:id may revoke it without harming the rest). */
  spare: RunnerCredentials;
  control: SocketInbox<FleetToRunner>;
  executionId: string;
  approvalId: string;
  agentName: string;
  budgetScope: string;
};

const withType = async <T>(response: Response, status: number, parse: (v: unknown) => T): Promise<T> => {
  const body: unknown = await response.json();
  if (response.status !== status)
    throw new Error(`expected ${status}, got ${response.status}: ${JSON.stringify(body)}`);
  return parse(body);
};

/** A runner connected and welcomed on its control socket. */
export async function connectedRunner(label: string, name: string, maxConcurrent = 4) {
  const runner = await registerRunner({ name, labels: [label], maxConcurrent });
  const control = await openApiSocket('/api/v1/runners/connect', runner.runnerToken, FleetToRunner);
  control.send({ type: 'runner.hello', version: 'fuzz', name, labels: [label], maxConcurrent, running: [] });
  await control.next('runner.welcome');
  return { runner, control };
}

/** An execution created through the API, offered to and accepted by `control`'s runner. */
export async function leasedExecution(label: string, control: SocketInbox<FleetToRunner>): Promise<string> {
  const created = await api('/api/v1/executions', { method: 'POST', body: { prompt: 'fuzz me', labels: [label] } });
  const { id } = await withType(created, 201, (v) => Execution.parse(v));
  await control.next('job.offer', (frame) => frame.job.executionId === id);
  control.send({ type: 'job.accept', executionId: id });
  await eventually(async () => {
    const row = await withType(await api(`/api/v1/executions/${id}`), 200, (v) => Execution.parse(v));
    return row.runnerId !== null;
  });
  return id;
}

/** The runner's stream socket for an execution it holds, welcomed. */
export async function openStream(id: string, runnerToken: string): Promise<SocketInbox<HubToRunner>> {
  const stream = await openApiSocket(`/api/v1/executions/${id}/stream`, runnerToken, HubToRunner);
  await stream.next('exec.welcome');
  return stream;
}

export async function buildWorld(): Promise<World> {
  const label = `fuzz-${crypto.randomUUID().slice(0, 8)}`;
  const { runner: owner, control } = await connectedRunner(label, 'fuzz-owner');
  const other = await registerRunner({ name: 'fuzz-other', labels: [`${label}-other`] });
  const spare = await registerRunner({ name: 'fuzz-spare', labels: [`${label}-spare`] });
  const executionId = await leasedExecution(label, control);

  // A pending approval: the runner reports Claude Code asking, the hub mirrors it into D1.
  const stream = await openStream(executionId, owner.runnerToken);
  const running = { seq: 1, ts: new Date().toISOString(), type: 'status', data: { status: 'running' } };
  const asked = requestedEvent(2);
  stream.send({ type: 'exec.events', events: [running, asked] });
  await stream.next('exec.ack', (frame) => frame.seq === 2);
  const approvalId = asked.data.approvalId;
  await eventually(async () => {
    const found = await api(`/api/v1/approvals/${approvalId}`);
    return found.status === 200 && Approval.parse(await found.json()).status === 'pending';
  });
  stream.close();

  const agentName = `${label}-agent`;
  const agent = await api('/api/v1/agents', { method: 'POST', body: { name: agentName, prompt: 'fuzz {{thing}}' } });
  expect(agent.status).toBe(201);
  const budgetScope = `label:${label}`;
  const budget = await api(`/api/v1/budgets/${budgetScope}`, { method: 'PUT', body: { period: 'day' } });
  expect(budget.status).toBe(200);
  return { label, owner, other, spare, control, executionId, approvalId, agentName, budgetScope };
}

/** A dashboard login: the session cookie as a browser would send it back. */
export async function sessionCookie(): Promise<string> {
  const response = await api('/api/v1/sessions', {
    method: 'POST',
    token: null,
    body: { token: env.CLAUDEOPS_ADMIN_TOKEN },
  });
  expect(response.status).toBe(201);
  return (response.headers.get('set-cookie') ?? '').split(';')[0]!;
}

/** A session that was valid once: logged in, then its expiry moved into the past, as a week going by would. */
export async function expiredSessionCookie(): Promise<string> {
  const cookie = await sessionCookie();
  const token = cookie.slice(cookie.indexOf('=') + 1);
  await db()
    .update(apiTokens)
    .set({ expiresAt: Date.now() - 1000 })
    .where(eq(apiTokens.tokenHash, await hashToken(token)));
  return cookie;
}

/** The problems with an answer, or none: never a 5xx, and an error always the `{ error: { code, message } }` shape. */
export async function answerProblems(response: Response, method = 'GET'): Promise<string[]> {
  if (response.status === 101) {
    response.webSocket?.accept();
    response.webSocket?.close(1000, 'fuzz done');
    return [];
  }
  const text = await response.text();
  if (response.status >= 500) return [`answered ${response.status}: ${text.slice(0, 300)}`];
  if (response.status < 400 || method === 'HEAD') return [];
  let parsed: ReturnType<typeof ErrorBody.safeParse>;
  try {
    parsed = ErrorBody.safeParse(JSON.parse(text));
  } catch {
    return [`answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`];
  }
  return parsed.success
    ? []
    : [`answered ${response.status} without { error: { code, message } }: ${text.slice(0, 200)}`];
}

/** The request, failed if it hangs: every answer comes within `ms`. */
export async function answered(request: Promise<Response>, what: string, ms = 15_000): Promise<Response> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([request, timeout]);
  } finally {
    if (timer !== null) clearTimeout(timer);
  }
}
