// Rate limits as a client notices them: logins per address, requests per token and per session, heartbeats per
// runner and permits per execution, each answered 429 (or an `error` frame) RATE_LIMITED with when to retry, and
// never in the way of a caller that keeps to its rate.
import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { app } from '../src/app';
import { DEFAULT_RATE_LIMITS, heartbeatLimit } from '../src/domain/rate-limits';
import { heartbeatIntervalMs } from '../src/domain/lease';
import { MAX_DELAYED_PERMITS } from '../src/durable-objects/frame-limits';
import type { RunnerToFleet } from '../src/protocol';
import { ADMIN_TOKEN, api, BASE, expectError } from './api-support';
import { connectHubRunner, seedExecution, uniqueLabel } from './do-support';
import { helloRunner, newFleet } from './fleet-support';

type Init = { method?: string; headers?: Record<string, string>; body?: unknown };

/** A request through the app with some settings changed, as an operator would set them in wrangler.toml. */
function withSettings(settings: Record<string, string>, path: string, init: Init = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.body !== undefined) headers.set('content-type', 'application/json');
  const request = new Request(new URL(path, BASE), {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return Promise.resolve(app.fetch(request, { ...env, ...settings }, createExecutionContext()));
}

const uniqueAddress = () => `192.0.2.${Math.floor(Math.random() * 250) + 1}-${crypto.randomUUID().slice(0, 8)}`;

/** The Retry-After header as a number of seconds; fails unless it is a positive integer. */
function retryAfter(response: Response): number {
  const value = Number(response.headers.get('retry-after'));
  expect(Number.isInteger(value) && value >= 1).toBe(true);
  return value;
}

async function login(address: string, token: string): Promise<Response> {
  return api('/api/v1/sessions', {
    method: 'POST',
    token: null,
    headers: { 'cf-connecting-ip': address },
    body: { token },
  });
}

describe('login attempts', () => {
  it('refuses an address past its attempts with 429 and Retry-After, while other addresses still log in', async () => {
    const guesser = uniqueAddress();
    for (let i = 0; i < DEFAULT_RATE_LIMITS.login.capacity; i++) {
      await expectError(await login(guesser, `coa_guess-${i}`), 401, 'UNAUTHORIZED');
    }
    const refused = await login(guesser, ADMIN_TOKEN);
    await expectError(refused, 429, 'RATE_LIMITED', /too many login attempts.*retry in \d+ s/);
    expect(retryAfter(refused)).toBeGreaterThanOrEqual(1);

    expect((await login(uniqueAddress(), ADMIN_TOKEN)).status).toBe(201);
  });
});

describe('HTTP requests', () => {
  const settings = { CLAUDEOPS_RATE_LIMIT_HTTP: '5/60' };

  it('limits each token on its own, bad tokens included, before anything else is checked', async () => {
    const flooding = { authorization: `Bearer cor_not-a-runner-${crypto.randomUUID()}` };
    for (let i = 0; i < 5; i++) {
      await expectError(await withSettings(settings, '/api/v1/me', { headers: flooding }), 401, 'UNAUTHORIZED');
    }
    const refused = await withSettings(settings, '/api/v1/me', { headers: flooding });
    await expectError(refused, 429, 'RATE_LIMITED', /at most 5 per 60 s/);
    expect(retryAfter(refused)).toBeLessThanOrEqual(12);
    // Refused again at once, by this isolate's memory of the refusal.
    await expectError(await withSettings(settings, '/api/v1/me', { headers: flooding }), 429, 'RATE_LIMITED');

    const other = { authorization: `Bearer cor_other-${crypto.randomUUID()}` };
    await expectError(await withSettings(settings, '/api/v1/me', { headers: other }), 401, 'UNAUTHORIZED');
  });

  it('limits each dashboard session on its own', async () => {
    const cookieOf = async () => {
      const response = await login(uniqueAddress(), ADMIN_TOKEN);
      expect(response.status).toBe(201);
      return response.headers.get('set-cookie')!.split(';')[0]!;
    };
    const [busy, calm] = [await cookieOf(), await cookieOf()];
    for (let i = 0; i < 5; i++) {
      expect((await withSettings(settings, '/api/v1/me', { headers: { cookie: busy } })).status).toBe(200);
    }
    const refused = await withSettings(settings, '/api/v1/me', { headers: { cookie: busy } });
    await expectError(refused, 429, 'RATE_LIMITED');
    expect(refused.headers.get('retry-after')).not.toBeNull();
    expect((await withSettings(settings, '/api/v1/me', { headers: { cookie: calm } })).status).toBe(200);
  });

  it('lets a client keep to the default limit without ever seeing a 429', async () => {
    const { runnerToken } = await registerFreshRunner();
    const statuses = new Set<number>();
    for (let i = 0; i < 50; i++) {
      statuses.add((await api('/api/v1/executions', { token: runnerToken })).status);
    }
    expect([...statuses]).toEqual([403]);
  });
});

async function registerFreshRunner() {
  const tokenResponse = await api('/api/v1/runners/registration-tokens', { method: 'POST' });
  const { token } = (await tokenResponse.json()) as { token: string };
  const response = await api('/api/v1/runners/register', {
    method: 'POST',
    token: null,
    body: { registrationToken: token, name: 'rate-limit-runner' },
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { runnerId: string; runnerToken: string };
}

const heartbeat = (): RunnerToFleet => ({ type: 'runner.heartbeat', running: [] });

describe('runner frames', () => {
  it("drops a runner's heartbeats past its limit with an error RATE_LIMITED, and leaves other runners alone", async () => {
    const fleet = newFleet();
    const label = uniqueLabel();
    const flooding = await helloRunner(fleet, { labels: [label] });
    const steady = await helloRunner(fleet, { labels: [label] });
    const limit = heartbeatLimit(env, heartbeatIntervalMs(env.CLAUDEOPS_HEARTBEAT_INTERVAL_MS));
    // Twice the burst: the bucket refills while the Fleet works through them, but never that fast.
    for (let i = 0; i < 2 * limit.capacity; i++) flooding.socket.send(heartbeat());
    const refusal = await flooding.socket.next('error');
    expect(refusal.error).toMatchObject({ code: 'RATE_LIMITED' });
    expect(refusal.error.message).toMatch(/too many heartbeats/);

    for (let i = 0; i < 3; i++) steady.socket.send(heartbeat());
    // A frame that always answers proves the steady runner's heartbeats were all handled without a refusal.
    steady.socket.send('not json');
    expect((await steady.socket.next('error')).error.code).toBe('BAD_REQUEST');
  });

  it('answers every permit: past the limit late, past the waiting room refused, never left unanswered', async () => {
    const id = await seedExecution({ status: 'running' });
    const runner = await connectHubRunner(id);
    await runner.next('exec.welcome');
    const refusals: string[] = [];
    runner.ws.addEventListener('message', (event) => {
      const frame = JSON.parse(String(event.data)) as { type: string; error?: { code: string } };
      if (frame.type === 'error' && frame.error !== undefined) refusals.push(frame.error.code);
    });
    // Twice the burst at once: well past what refills meanwhile, and more than may wait.
    const { capacity } = DEFAULT_RATE_LIMITS.permits;
    const count = 2 * capacity;
    expect(count).toBeGreaterThan(capacity + MAX_DELAYED_PERMITS);
    const asked = Array.from({ length: count }, (_, i) => `permit-${i}`);
    for (const requestId of asked) runner.send({ type: 'exec.permit', requestId });

    const answers = new Map<string, { allowed: boolean; reason: string | null }>();
    while (answers.size < count) {
      const result = await runner.next('exec.permit.result', 20_000);
      expect(answers.has(result.requestId)).toBe(false);
      answers.set(result.requestId, { allowed: result.allowed, reason: result.reason });
    }
    expect(new Set(answers.keys())).toEqual(new Set(asked));
    expect(refusals).toContain('RATE_LIMITED');
    const allowed = [...answers.values()].filter((a) => a.allowed).length;
    // The burst, plus those that waited for the bucket to refill.
    expect(allowed).toBeGreaterThanOrEqual(capacity + MAX_DELAYED_PERMITS);
    for (const answer of answers.values()) {
      if (!answer.allowed) expect(answer.reason).toMatch(/too many permits waiting/);
    }
  });
});
