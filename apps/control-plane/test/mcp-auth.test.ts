// Who may use /mcp and how it answers outside the tools: the admin Bearer token only (none or a bad one: 401 with
// `WWW-Authenticate: Bearer`; a runner token: 403; a session cookie: 401), no tokens in the URL, the body limit,
// the HTTP rate limit, and 405 for the session-only GET and DELETE of a stateless server.
import { createExecutionContext } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { app } from '../src/app';
import { describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../src/middleware/validate';
import { ADMIN_TOKEN, api, BASE, expectError, registerRunner } from './api-support';
import { initialize, mcpClient, rawPost } from './mcp-support';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('/mcp access', () => {
  it('refuses a request without a token with 401, a JSON error and a Bearer challenge', async () => {
    const response = await rawPost({});
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
    await expectError(response, 401, 'UNAUTHORIZED', /Authorization: Bearer/);
    await expect(mcpClient(null)).rejects.toThrow();
  });

  it('refuses a wrong admin token with 401', async () => {
    const response = await rawPost(bearer('coa_not-the-admin-token'));
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
    await expectError(response, 401, 'UNAUTHORIZED', /not valid/);
  });

  it('refuses a runner token with 403', async () => {
    const { runnerToken } = await registerRunner({ name: 'mcp-refused-runner' });
    await expectError(await rawPost(bearer(runnerToken)), 403, 'FORBIDDEN', /admin token/);
  });

  it('refuses a dashboard session cookie: an MCP client sends the token itself', async () => {
    const login = await api('/api/v1/sessions', { method: 'POST', token: null, body: { token: ADMIN_TOKEN } });
    expect(login.status).toBe(201);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    await expectError(await rawPost({ cookie }), 401, 'UNAUTHORIZED', /Authorization: Bearer/);
  });

  it('takes the admin token and answers initialize as a stateless MCP server', async () => {
    const response = await rawPost(bearer(ADMIN_TOKEN));
    expect(response.status).toBe(200);
    expect(response.headers.get('mcp-session-id')).toBeNull();
    const body = (await response.json()) as { result: { serverInfo: { name: string }; capabilities: object } };
    expect(body.result.serverInfo.name).toBe('claudeops');
    expect(body.result.capabilities).toHaveProperty('tools');
  });

  it('answers the transport’s own HTTP errors in the API’s error shape', async () => {
    const wrongAccept = await rawPost({ ...bearer(ADMIN_TOKEN), accept: 'application/json' });
    await expectError(wrongAccept, 406, 'BAD_REQUEST', /text\/event-stream/);
    const notJsonRpc = await rawPost(bearer(ADMIN_TOKEN), { hello: 'world' });
    await expectError(notJsonRpc, 400, 'BAD_REQUEST');
  });

  it('refuses a token in the URL', async () => {
    await expectError(await rawPost(bearer(ADMIN_TOKEN), undefined, '/mcp?token=x'), 400, 'BAD_REQUEST', /URL/);
  });

  it('refuses a body over the limit with 413', async () => {
    const big = { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { pad: 'x'.repeat(MAX_BODY_BYTES) } };
    await expectError(await rawPost(bearer(ADMIN_TOKEN), big), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('answers GET and DELETE with 405 (no sessions), after checking the token', async () => {
    for (const method of ['GET', 'DELETE']) {
      const unauthenticated = await exports.default.fetch(new Request(new URL('/mcp', BASE), { method }));
      expect(unauthenticated.status).toBe(401);
      const response = await exports.default.fetch(
        new Request(new URL('/mcp', BASE), {
          method,
          headers: { ...bearer(ADMIN_TOKEN), accept: 'text/event-stream' },
        }),
      );
      expect(response.headers.get('allow')).toBe('POST');
      await expectError(response, 405, 'BAD_REQUEST', /stateless/);
    }
  });

  it('counts MCP requests against the caller’s HTTP rate limit', async () => {
    // The limit set low, as an operator would in wrangler.toml; a token nobody else uses, so the bucket is this
    // test's alone (the limiter answers before authentication, as on /api).
    const env3 = { ...env, CLAUDEOPS_RATE_LIMIT_HTTP: '3' };
    const token = `coa_rate-limit-${crypto.randomUUID()}`;
    const send = () => app.fetch(initialize(bearer(token)), env3, createExecutionContext());
    for (let i = 0; i < 3; i++) expect((await send()).status).toBe(401);
    const refused = await send();
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    await expectError(refused, 429, 'RATE_LIMITED', /at most 3 per 60 s/);
  });
});
