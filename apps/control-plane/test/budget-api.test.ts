// /api/v1/budgets over HTTP: PUT sets a budget (the scope in the path, ':' plain or encoded), GET lists every
// budget with its live spend, DELETE removes one; a removed or never-set scope is a 404.
import { describe, expect, it } from 'vitest';
import { newExecutionId } from '../src/lib/ids';
import { Budget, page } from '../src/protocol';
import { api, expectError } from './api-support';
import { guardOf, newLabelScope } from './budget-support';

const path = (scope: string) => `/api/v1/budgets/${encodeURIComponent(scope)}`;

async function listed(scope: string): Promise<Budget | undefined> {
  const response = await api('/api/v1/budgets');
  expect(response.status).toBe(200);
  const body = page(Budget).parse(await response.json());
  expect(body.nextCursor).toBeNull();
  return body.items.find((budget) => budget.scope === scope);
}

describe('/api/v1/budgets', () => {
  it('sets a budget and lists it with its live spend', async () => {
    const { scope } = newLabelScope();
    const put = await api(path(scope), { method: 'PUT', body: { period: 'month', softLimitUsd: 4, hardLimitUsd: 8 } });
    expect(put.status).toBe(200);
    const budget = Budget.parse(await put.json());
    expect(budget).toMatchObject({
      scope,
      period: 'month',
      softLimitUsd: 4,
      hardLimitUsd: 8,
      spentUsd: 0,
      state: 'ok',
    });

    await guardOf(scope).charge(scope, newExecutionId(), 'c-1', 5);
    expect(await listed(scope)).toMatchObject({ spentUsd: 5, remainingUsd: 3, state: 'soft_exceeded' });
  });

  it('replaces the limits on a second PUT: a limit left out is removed', async () => {
    const { scope } = newLabelScope();
    await api(path(scope), { method: 'PUT', body: { period: 'day', softLimitUsd: 1, hardLimitUsd: 2 } });
    const again = await api(path(scope), { method: 'PUT', body: { period: 'day', hardLimitUsd: 3 } });
    expect(Budget.parse(await again.json())).toMatchObject({ softLimitUsd: null, hardLimitUsd: 3 });
    expect(await listed(scope)).toMatchObject({ softLimitUsd: null, hardLimitUsd: 3 });
  });

  it("takes the scope's ':' plain or percent-encoded, and a label's '/' encoded", async () => {
    const agent = `agent:a-${crypto.randomUUID().slice(0, 8)}`;
    const plain = await api(`/api/v1/budgets/${agent}`, { method: 'PUT', body: { period: 'total', hardLimitUsd: 1 } });
    expect(Budget.parse(await plain.json()).scope).toBe(agent);
    const label = `label:team/${crypto.randomUUID().slice(0, 8)}`;
    const encoded = await api(path(label), { method: 'PUT', body: { period: 'day' } });
    expect(encoded.status).toBe(200);
    expect(Budget.parse(await encoded.json())).toMatchObject({ scope: label, hardLimitUsd: null, remainingUsd: null });
    expect(await listed(label)).toBeDefined();
  });

  it('removes a budget: 204, gone from the list, then 404', async () => {
    const { scope } = newLabelScope();
    await api(path(scope), { method: 'PUT', body: { period: 'day', hardLimitUsd: 1 } });
    expect((await api(path(scope), { method: 'DELETE' })).status).toBe(204);
    expect(await listed(scope)).toBeUndefined();
    expect(await guardOf(scope).view(scope)).toBeNull();
    await expectError(await api(path(scope), { method: 'DELETE' }), 404, 'NOT_FOUND', scope);
  });

  it('needs the admin token', async () => {
    await expectError(await api('/api/v1/budgets', { token: null }), 401, 'UNAUTHORIZED');
    const { scope } = newLabelScope();
    const put = await api(path(scope), { method: 'PUT', token: null, body: { period: 'day' } });
    await expectError(put, 401, 'UNAUTHORIZED');
  });
});
