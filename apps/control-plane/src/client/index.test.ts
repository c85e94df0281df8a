// The typed client over the generated paths: calls type-check against the OpenAPI document's shapes (a wrong path or
// body is a compile error, checked by tsc), go to the right URL with the token, and every failure is an ApiError.
import { describe, expect, it } from 'vitest';
import { ApiError, createApiClient, unwrap } from './index';

const EXECUTION_ID = 'ex_01jbz6k8x6k6v8v7m3y5d2q9rt';

function recorder(answer: (request: Request) => Response) {
  const requests: Request[] = [];
  const fetch = async (request: Request) => {
    requests.push(request.clone());
    return answer(request);
  };
  return { requests, fetch };
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('createApiClient', () => {
  it('sends typed calls to their paths with the Bearer token', async () => {
    const { requests, fetch } = recorder(() => json({ id: EXECUTION_ID, status: 'queued' }, 201));
    const client = createApiClient({ baseUrl: 'http://127.0.0.1:8787', token: 'coa_x', fetch });
    const created = await unwrap(client.POST('/api/v1/executions', { body: { prompt: 'hello', labels: ['a'] } }));
    expect(created.id).toBe(EXECUTION_ID);
    await unwrap(client.GET('/api/v1/executions/{id}', { params: { path: { id: EXECUTION_ID } } }));
    await unwrap(client.GET('/api/v1/executions', { params: { query: { status: 'running', limit: 5 } } }));
    expect(requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST http://127.0.0.1:8787/api/v1/executions',
      `GET http://127.0.0.1:8787/api/v1/executions/${EXECUTION_ID}`,
      'GET http://127.0.0.1:8787/api/v1/executions?status=running&limit=5',
    ]);
    expect(requests[0]!.headers.get('authorization')).toBe('Bearer coa_x');
    expect(await requests[0]!.json()).toEqual({ prompt: 'hello', labels: ['a'] });
  });

  it('rejects wrong paths and bodies at compile time', () => {
    const client = createApiClient({ fetch: async () => json({}) });
    // Never called: these lines are for tsc.
    void (() => {
      // @ts-expect-error no such path
      void client.GET('/api/v1/nothing');
      // @ts-expect-error a prompt is a string
      void client.POST('/api/v1/executions', { body: { prompt: 42 } });
      // @ts-expect-error an unknown status
      void client.GET('/api/v1/executions', { params: { query: { status: 'sleeping' } } });
      // @ts-expect-error the path parameter is required
      void client.GET('/api/v1/executions/{id}', {});
    });
  });

  it('throws an ApiError with the API message on a non-2xx, after onUnauthorized on a 401', async () => {
    let told = 0;
    const client = createApiClient({
      fetch: async () => json({ error: { code: 'UNAUTHORIZED', message: 'the token is not valid' } }, 401),
      onUnauthorized: () => told++,
      baseUrl: 'http://localhost',
    });
    const error = await unwrap(client.GET('/api/v1/me')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 401, code: 'UNAUTHORIZED', message: 'the token is not valid' });
    expect(told).toBe(1);
  });

  it('throws a NETWORK ApiError naming the origin when the control plane cannot be reached', async () => {
    const client = createApiClient({
      baseUrl: 'http://127.0.0.1:1',
      fetch: async () => {
        throw new TypeError('fetch failed');
      },
    });
    await expect(unwrap(client.GET('/api/v1/health'))).rejects.toMatchObject({
      status: 0,
      code: 'NETWORK',
      message: 'the control plane at http://127.0.0.1:1 cannot be reached',
    });
  });
});
