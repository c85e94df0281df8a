// The dashboard's API client against a fake fetch: same-origin paths (through the typed client generated from the
// OpenAPI document), parsed bodies, errors a person can read.
import { describe, expect, it, vi } from 'vitest';
import { ApiError, createApiClient, type FetchLike } from './api-client';
import { executionFixture } from './test-fixtures';

const execution = executionFixture('ex_01m7ybe5p7sv3qba6hvr235f9a', {
  prompt: 'Say hello',
  createdAt: '2026-11-21T06:06:59.783Z',
});

function fakeFetch(status: number, body: unknown) {
  return vi.fn<FetchLike>(async () => Response.json(body, { status, headers: { 'content-type': 'application/json' } }));
}

describe('createApiClient', () => {
  it('lists executions from the same origin with the cursor and limit in the query', async () => {
    const fetch = fakeFetch(200, { items: [execution], nextCursor: 'next' });
    const api = createApiClient({ fetch });
    const page = await api.listExecutions({ cursor: 'abc', limit: 25, q: '', label: undefined });
    expect(page.items[0]?.id).toBe(execution.id);
    expect(page.nextCursor).toBe('next');
    const [url, init] = fetch.mock.calls[0] ?? [];
    // Empty and absent filters stay out of the query.
    expect(url).toBe('/api/v1/executions?cursor=abc&limit=25');
    expect(init?.credentials).toBe('same-origin');
  });

  it('posts JSON bodies', async () => {
    const fetch = fakeFetch(201, execution);
    const api = createApiClient({ fetch });
    await expect(api.createExecution({ prompt: 'Say hello', maxBudgetUsd: 0.5 })).resolves.toMatchObject({
      id: execution.id,
    });
    const [url, init] = fetch.mock.calls[0] ?? [];
    expect(url).toBe('/api/v1/executions');
    expect(init?.method).toBe('POST');
    expect(JSON.parse(String(init?.body))).toEqual({ prompt: 'Say hello', maxBudgetUsd: 0.5 });
    expect(new Headers(init?.headers).get('content-type')).toBe('application/json');
  });

  it("turns the API's error body into an ApiError with its code and message", async () => {
    const api = createApiClient({ fetch: fakeFetch(409, { error: { code: 'CONFLICT', message: 'already ended' } }) });
    const error = await api.cancelExecution(execution.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 409, code: 'CONFLICT', message: 'already ended' });
  });

  it('revokes a runner with DELETE and rotates the admin token with POST, a 409 keeping the API’s message', async () => {
    const revoked = {
      id: 'rn_01m7ybe5p7sv3qba6hvr235f9b',
      name: 'box',
      status: 'offline',
      labels: [],
      maxConcurrent: 1,
      runningExecutions: [],
      freeSlots: 0,
      version: null,
      lastHeartbeatAt: null,
      createdAt: '2026-01-01T00:00:00.000Z',
      sandbox: 'bubblewrap',
      revokedAt: '2026-01-02T00:00:00.000Z',
    };
    const fetch = fakeFetch(200, revoked);
    await expect(createApiClient({ fetch }).revokeRunner(revoked.id)).resolves.toMatchObject({
      revokedAt: revoked.revokedAt,
    });
    expect(fetch.mock.calls[0]?.[0]).toBe(`/api/v1/runners/${revoked.id}`);
    expect(fetch.mock.calls[0]?.[1]?.method).toBe('DELETE');

    const rotate = fakeFetch(200, { token: 'coa_new' });
    await expect(createApiClient({ fetch: rotate }).rotateAdminToken()).resolves.toEqual({ token: 'coa_new' });
    expect(rotate.mock.calls[0]?.[0]).toBe('/api/v1/admin-token/rotate');
    expect(rotate.mock.calls[0]?.[1]?.method).toBe('POST');
    const env = createApiClient({
      fetch: fakeFetch(409, { error: { code: 'CONFLICT', message: 'set by CLAUDEOPS_ADMIN_TOKEN; change it there' } }),
    });
    await expect(env.rotateAdminToken()).rejects.toMatchObject({ status: 409, message: /CLAUDEOPS_ADMIN_TOKEN/ });
  });

  it('calls onUnauthorized on a 401 (the page then goes to /login)', async () => {
    const onUnauthorized = vi.fn();
    const api = createApiClient({
      fetch: fakeFetch(401, { error: { code: 'UNAUTHORIZED', message: 'log in again' } }),
      onUnauthorized,
    });
    await expect(api.getExecution(execution.id)).rejects.toMatchObject({ status: 401 });
    expect(onUnauthorized).toHaveBeenCalledOnce();
  });

  it('says clearly when the control plane cannot be reached or answers nonsense', async () => {
    const offline = createApiClient({ fetch: async () => Promise.reject(new TypeError('fetch failed')) });
    await expect(offline.listExecutions()).rejects.toMatchObject({
      status: 0,
      code: 'NETWORK',
      message: 'The control plane cannot be reached. Check your connection and try again.',
    });
    const garbled = createApiClient({ fetch: fakeFetch(200, { items: 'nope' }) });
    await expect(garbled.listExecutions()).rejects.toMatchObject({ code: 'BAD_RESPONSE' });
    const bare = createApiClient({ fetch: async () => new Response('Bad Gateway', { status: 502 }) });
    await expect(bare.listExecutions()).rejects.toMatchObject({ status: 502, code: 'HTTP_502' });
  });

  it('encodes path parameters and sends bodies on PUT and DELETE', async () => {
    const budget = {
      scope: 'label:team/a',
      period: 'day',
      softLimitUsd: null,
      hardLimitUsd: 5,
      spentUsd: 0,
      remainingUsd: 5,
      periodStart: '2026-01-01T00:00:00.000Z',
      periodEnd: '2026-01-02T00:00:00.000Z',
      state: 'ok',
      activeExecutions: 0,
      onHardLimit: 'pause',
    };
    const fetch = fakeFetch(200, budget);
    await createApiClient({ fetch }).putBudget('label:team/a', { period: 'day', hardLimitUsd: 5 });
    expect(fetch.mock.calls[0]?.[0]).toBe('/api/v1/budgets/label%3Ateam%2Fa');
    expect(fetch.mock.calls[0]?.[1]?.method).toBe('PUT');

    const gone = vi.fn<FetchLike>(async () => new Response(null, { status: 204 }));
    await createApiClient({ fetch: gone }).unsubscribePush('https://push.example/abc');
    expect(gone.mock.calls[0]?.[0]).toBe('/api/v1/push/subscriptions');
    expect(gone.mock.calls[0]?.[1]?.method).toBe('DELETE');
    expect(JSON.parse(String(gone.mock.calls[0]?.[1]?.body))).toEqual({ endpoint: 'https://push.example/abc' });
  });

  it('reads the patch as text with its truncation flag, and no patch as null', async () => {
    const diff = 'diff --git a/x b/x\n';
    const fetch = vi.fn<FetchLike>(
      async () =>
        new Response(diff, { headers: { 'content-type': 'text/x-diff', 'x-claudeops-patch-truncated': 'true' } }),
    );
    await expect(createApiClient({ fetch }).patch(execution.id)).resolves.toEqual({ text: diff, truncated: true });
    expect(fetch.mock.calls[0]?.[0]).toBe(`/api/v1/executions/${execution.id}/patch`);
    const none = fakeFetch(404, { error: { code: 'NOT_FOUND', message: 'no patch' } });
    await expect(createApiClient({ fetch: none }).patch(execution.id)).resolves.toBeNull();
  });

  it('pauses, resumes, decides a review, lists checkpoints and rewinds through the same client', async () => {
    const id = execution.id;
    const fetch = fakeFetch(200, { ...execution, status: 'paused', pausedReason: 'user' });
    const api = createApiClient({ fetch });
    await expect(api.pauseExecution(id, 'lunch')).resolves.toMatchObject({ status: 'paused' });
    await api.resumeExecution(id);
    expect(fetch.mock.calls.map(([url, init]) => [url, init?.method])).toEqual([
      [`/api/v1/executions/${id}/pause`, 'POST'],
      [`/api/v1/executions/${id}/resume`, 'POST'],
    ]);
    expect(JSON.parse(String(fetch.mock.calls[0]?.[1]?.body))).toEqual({ message: 'lunch' });

    const reviewed = fakeFetch(200, { execution: { ...execution, status: 'failed' }, followup: null });
    await createApiClient({ fetch: reviewed }).reviewExecution(id, { decision: 'reject' });
    expect(JSON.parse(String(reviewed.mock.calls[0]?.[1]?.body))).toEqual({ decision: 'reject' });

    const checkpoint = {
      seq: 7,
      ts: '2026-11-21T06:07:00.000Z',
      n: 1,
      messageId: 'msg_1',
      ref: `refs/claudeops/checkpoints/${id}/1`,
      commit: 'abc123',
      files: [{ path: 'a.ts', insertions: 1, deletions: 0 }],
      insertions: 1,
      deletions: 0,
      patch: 'diff --git a/a.ts b/a.ts\n',
      patchTruncated: false,
    };
    const listed = fakeFetch(200, { items: [checkpoint] });
    await expect(createApiClient({ fetch: listed }).checkpoints(id)).resolves.toEqual([checkpoint]);
    expect(listed.mock.calls[0]?.[0]).toBe(`/api/v1/executions/${id}/checkpoints`);

    const rewound = fakeFetch(202, { execution: { ...execution, status: 'running' }, followup: null });
    const result = await createApiClient({ fetch: rewound }).rewindExecution(id, { checkpoint: 1, conversation: true });
    expect(result.followup).toBeNull();
    expect(rewound.mock.calls[0]?.[0]).toBe(`/api/v1/executions/${id}/rewind`);
  });
});
