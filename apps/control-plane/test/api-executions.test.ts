// Executions over HTTP: create, read, list with cursor pagination, cancel, events, and the runner stream's guards.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { EventsResponse, Execution, page } from '../src/protocol';
import { api, expectError, registerRunner } from './api-support';

const EXECUTIONS = '/api/v1/executions';
const ExecutionPage = page(Execution);

async function create(body: Record<string, unknown> = { prompt: 'say hello' }) {
  const response = await api(EXECUTIONS, { method: 'POST', body });
  expect(response.status).toBe(201);
  return Execution.parse(await response.json());
}

/** What a Fleet's atomic claim does; here so the tests can reach states that need a connected runner. */
async function assign(id: string, runnerId: string, status: 'assigned' | 'running' | 'succeeded' = 'assigned') {
  await env.DB.prepare('UPDATE executions SET status = ?, runner_id = ?, assigned_at = ? WHERE id = ?')
    .bind(status, runnerId, Date.now(), id)
    .run();
}

describe('create and read', () => {
  it('creates a queued execution with everything the client asked for', async () => {
    const created = await create({
      prompt: 'fix the build',
      model: 'claude-sonnet-4-5',
      maxBudgetUsd: 2.5,
      labels: ['gpu'],
    });
    expect(created).toMatchObject({
      status: 'queued',
      prompt: 'fix the build',
      model: 'claude-sonnet-4-5',
      maxBudgetUsd: 2.5,
      labels: ['gpu'],
      runnerId: null,
      startedAt: null,
      finishedAt: null,
      costUsd: null,
      result: null,
    });
    expect(created.id).toMatch(/^ex_[0-9a-z]{26}$/);
    expect(Date.parse(created.createdAt)).not.toBeNaN();

    const response = await api(`${EXECUTIONS}/${created.id}`);
    expect(response.status).toBe(200);
    expect(Execution.parse(await response.json())).toEqual(created);
  });

  it('fills in defaults: no model, no budget, no labels', async () => {
    const created = await create({ prompt: 'hello' });
    expect(created).toMatchObject({ model: null, maxBudgetUsd: null, labels: [] });
  });

  it('answers 404 for an execution that does not exist', async () => {
    await expectError(await api(`${EXECUTIONS}/ex_${'0'.repeat(26)}`), 404, 'NOT_FOUND', 'does not exist');
  });
});

describe('list', () => {
  it('pages through every execution, newest first, with no gaps or repeats', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await create({ prompt: `job ${i}` })).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `?limit=3&cursor=${encodeURIComponent(cursor)}` : '?limit=3';
      const response = await api(`${EXECUTIONS}${query}`);
      expect(response.status).toBe(200);
      const body = ExecutionPage.parse(await response.json());
      expect(body.items.length).toBeLessThanOrEqual(3);
      seen.push(...body.items.map((item) => item.id));
      cursor = body.nextCursor;
      pages++;
    } while (cursor !== null && pages < 20);
    // Other tests in this file may have created executions too; ours appear newest first, each once.
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((id) => ids.includes(id))).toEqual([...ids].reverse());
  });

  it('filters by status', async () => {
    const queued = await create();
    const cancelled = await create();
    await api(`${EXECUTIONS}/${cancelled.id}/cancel`, { method: 'POST' });
    const body = ExecutionPage.parse(await (await api(`${EXECUTIONS}?status=cancelled&limit=200`)).json());
    expect(body.items.every((item) => item.status === 'cancelled')).toBe(true);
    expect(body.items.map((item) => item.id)).toContain(cancelled.id);
    expect(body.items.map((item) => item.id)).not.toContain(queued.id);
  });

  it('filters by runner, label and prompt words, together with status and across pages', async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    const { runnerId } = await registerRunner();
    const ids = async (query: string) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const more: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
        const body = ExecutionPage.parse(await (await api(`${EXECUTIONS}?limit=1&${query}${more}`)).json());
        seen.push(...body.items.map((item) => item.id));
        cursor = body.nextCursor;
      } while (cursor !== null && seen.length < 50);
      return seen;
    };
    const gpu = await create({ prompt: `Fix the FLAKY test ${tag}`, labels: [`gpu-${tag}`, 'linux'] });
    const both = await create({ prompt: `fix the flaky build ${tag} 100%_done`, labels: [`gpu-${tag}`] });
    const other = await create({ prompt: `write docs ${tag}`, labels: [`cpu-${tag}`] });
    await assign(gpu.id, runnerId, 'running');
    await assign(other.id, runnerId, 'succeeded');

    expect(await ids(`runner=${runnerId}`)).toEqual([other.id, gpu.id]);
    expect(await ids(`runner=${runnerId}&status=running`)).toEqual([gpu.id]);
    expect(await ids(`label=gpu-${tag}`)).toEqual([both.id, gpu.id]);
    // A label is matched whole, not as a prefix or a substring of the JSON.
    expect(await ids(`label=gpu-${tag.slice(0, 4)}`)).toEqual([]);
    expect(await ids(`label=gpu-${tag}&runner=${runnerId}`)).toEqual([gpu.id]);
    // Every word, in any order and case; % and _ are plain characters.
    expect(await ids(`q=${encodeURIComponent(`flaky  FIX ${tag}`)}`)).toEqual([both.id, gpu.id]);
    expect(await ids(`q=${encodeURIComponent(`${tag} test flaky`)}&label=gpu-${tag}`)).toEqual([gpu.id]);
    expect(await ids(`q=${encodeURIComponent(`${tag} 100%_done`)}`)).toEqual([both.id]);
    expect(await ids(`q=${encodeURIComponent(`${tag} 100%done`)}`)).toEqual([]);
    expect(await ids(`q=${encodeURIComponent(`${tag} t_st`)}`)).toEqual([]);
  });

  it('refuses a cursor it did not hand out', async () => {
    await expectError(await api(`${EXECUTIONS}?cursor=not-a-cursor`), 400, 'BAD_REQUEST', 'cursor');
    const forged = btoa(JSON.stringify(['x', 'y']));
    await expectError(await api(`${EXECUTIONS}?cursor=${forged}`), 400, 'BAD_REQUEST', 'cursor');
  });
});

describe('cancel', () => {
  it('cancels a queued execution at once', async () => {
    const { id } = await create();
    const response = await api(`${EXECUTIONS}/${id}/cancel`, { method: 'POST' });
    expect(response.status).toBe(202);
    expect(Execution.parse(await response.json())).toMatchObject({ id, status: 'cancelled', cancelReason: 'user' });
    const after = Execution.parse(await (await api(`${EXECUTIONS}/${id}`)).json());
    expect(after.status).toBe('cancelled');
    expect(after.finishedAt).not.toBeNull();
  });

  it('answers 409 for an execution that has already ended', async () => {
    const { id } = await create();
    await api(`${EXECUTIONS}/${id}/cancel`, { method: 'POST' });
    await expectError(await api(`${EXECUTIONS}/${id}/cancel`, { method: 'POST' }), 409, 'CONFLICT', 'cancelled');
  });

  it('records a cancel request for an assigned execution, and answers 202 again when repeated', async () => {
    const { runnerId } = await registerRunner();
    const { id } = await create();
    await assign(id, runnerId);
    const first = await api(`${EXECUTIONS}/${id}/cancel`, { method: 'POST' });
    expect(first.status).toBe(202);
    const recorded = Execution.parse(await first.json());
    expect(recorded).toMatchObject({ status: 'assigned', cancelReason: 'user' });
    expect(recorded.cancelRequestedAt).not.toBeNull();
    const again = await api(`${EXECUTIONS}/${id}/cancel`, { method: 'POST', body: {} });
    expect(again.status).toBe(202);
    expect(Execution.parse(await again.json()).cancelRequestedAt).toBe(recorded.cancelRequestedAt);
  });

  it('answers 404 for an execution that does not exist', async () => {
    const response = await api(`${EXECUTIONS}/ex_${'1'.repeat(26)}/cancel`, { method: 'POST' });
    await expectError(response, 404, 'NOT_FOUND');
  });
});

describe('events', () => {
  it('reads an execution that has no events yet as an empty list', async () => {
    const { id } = await create();
    const response = await api(`${EXECUTIONS}/${id}/events?after=0&limit=10`);
    expect(response.status).toBe(200);
    expect(EventsResponse.parse(await response.json())).toEqual({ events: [], hasMore: false, nextAfter: 0 });
  });

  it('answers 404 for the events of an execution that does not exist', async () => {
    await expectError(await api(`${EXECUTIONS}/ex_${'2'.repeat(26)}/events`), 404, 'NOT_FOUND');
  });
});

describe('runner stream guards', () => {
  it('lets only the runner the execution is assigned to open its stream', async () => {
    const owner = await registerRunner({ name: 'owner' });
    const other = await registerRunner({ name: 'other' });
    const { id } = await create();
    const stream = (token: string, upgrade = true) =>
      api(`${EXECUTIONS}/${id}/stream`, { token, headers: upgrade ? { upgrade: 'websocket' } : {} });

    await expectError(await stream(owner.runnerToken), 403, 'FORBIDDEN', 'not assigned'); // still queued
    await assign(id, owner.runnerId);
    await expectError(await stream(other.runnerToken), 403, 'FORBIDDEN', 'not assigned');
    await expectError(await stream(owner.runnerToken, false), 426, 'UPGRADE_REQUIRED', 'WebSocket');
    await expectError(await stream(env.CLAUDEOPS_ADMIN_TOKEN!), 403, 'FORBIDDEN', 'runner token');
    const missing = await api(`${EXECUTIONS}/ex_${'3'.repeat(26)}/stream`, {
      token: owner.runnerToken,
      headers: { upgrade: 'websocket' },
    });
    await expectError(missing, 404, 'NOT_FOUND');
  });
});
