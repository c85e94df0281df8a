// Who may call what: admin Bearer token, runner tokens, the dashboard's session cookie, the generated admin token.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createDb } from '../src/db/client';
import { isAdminToken } from '../src/middleware/auth';
import { ensureAdminToken } from '../src/middleware/admin-bootstrap';
import { api, expectError, newRegistrationToken, registerRunner } from './api-support';

const EXECUTIONS = '/api/v1/executions';

describe('bearer tokens', () => {
  it('asks for credentials when there are none', async () => {
    const response = await api(EXECUTIONS, { token: null });
    await expectError(response, 401, 'UNAUTHORIZED', /Authorization: Bearer/);
  });

  it('refuses a wrong token and a malformed Authorization header', async () => {
    await expectError(await api(EXECUTIONS, { token: 'coa_wrong' }), 401, 'UNAUTHORIZED', 'not valid');
    await expectError(await api(EXECUTIONS, { token: 'cor_unknown' }), 401, 'UNAUTHORIZED', 'runner token');
    const basic = await api(EXECUTIONS, { token: null, headers: { authorization: 'Basic YWRtaW46YWRtaW4=' } });
    await expectError(basic, 401, 'UNAUTHORIZED', 'Bearer');
  });

  it('accepts the admin token', async () => {
    expect((await api(EXECUTIONS)).status).toBe(200);
  });

  it('refuses a runner token on admin endpoints with 403', async () => {
    const { runnerToken } = await registerRunner();
    await expectError(await api(EXECUTIONS, { token: runnerToken }), 403, 'FORBIDDEN', 'admin token');
    const create = await api(EXECUTIONS, { method: 'POST', token: runnerToken, body: { prompt: 'hi' } });
    await expectError(create, 403, 'FORBIDDEN');
    const mint = await api('/api/v1/runners/registration-tokens', { method: 'POST', token: runnerToken });
    await expectError(mint, 403, 'FORBIDDEN');
  });

  it('refuses the admin token on runner endpoints with 403', async () => {
    const connect = await api('/api/v1/runners/connect', { headers: { upgrade: 'websocket' } });
    await expectError(connect, 403, 'FORBIDDEN', 'runner token');
  });

  it('does not take a registration token as a credential', async () => {
    const token = await newRegistrationToken();
    await expectError(await api(EXECUTIONS, { token }), 401, 'UNAUTHORIZED', 'registers a runner');
  });
});

describe('session cookie', () => {
  async function login(url = 'http://localhost/api/v1/sessions'): Promise<{ cookie: string; setCookie: string }> {
    const response = await api(url, { method: 'POST', token: null, body: { token: env.CLAUDEOPS_ADMIN_TOKEN } });
    expect(response.status).toBe(201);
    const setCookie = response.headers.get('set-cookie') ?? '';
    const cookie = setCookie.split(';')[0]!;
    expect(cookie).toMatch(/^claudeops_session=cos_/);
    return { cookie, setCookie };
  }

  it('logs in with the admin token: an HttpOnly, SameSite=Strict cookie, Secure except on plain local http', async () => {
    const local = await login();
    expect(local.setCookie).toMatch(/HttpOnly/);
    expect(local.setCookie).toMatch(/SameSite=Strict/);
    expect(local.setCookie).toMatch(/Path=\//);
    expect(local.setCookie).not.toMatch(/Secure/);
    const remote = await login('https://claudeops.example.com/api/v1/sessions');
    expect(remote.setCookie).toMatch(/Secure/);
  });

  it('refuses a login with a wrong token', async () => {
    const response = await api('/api/v1/sessions', { method: 'POST', token: null, body: { token: 'coa_nope' } });
    await expectError(response, 401, 'UNAUTHORIZED');
    expect(response.headers.get('set-cookie')).toBeNull();
  });

  it('lets the cookie read, and write from our own or a listed origin only', async () => {
    const { cookie } = await login();
    expect((await api(EXECUTIONS, { token: null, headers: { cookie } })).status).toBe(200);

    const post = (origin?: string) =>
      api(EXECUTIONS, {
        method: 'POST',
        token: null,
        body: { prompt: 'from the dashboard' },
        headers: origin ? { cookie, origin } : { cookie },
      });
    expect((await post()).status).toBe(201);
    expect((await post('http://localhost')).status).toBe(201);
    expect((await post('http://localhost:5173')).status).toBe(201);
    expect((await post('https://dash.example.com')).status).toBe(201);
    await expectError(await post('https://evil.example.com'), 403, 'FORBIDDEN', 'evil.example.com');
  });

  it('checks the origin of a WebSocket upgrade made with the cookie', async () => {
    const { cookie } = await login();
    const created = await api(EXECUTIONS, { method: 'POST', body: { prompt: 'watch me' } });
    const { id } = (await created.json()) as { id: string };
    const upgrade = await api(`${EXECUTIONS}/${id}/events`, {
      token: null,
      headers: { cookie, upgrade: 'websocket', origin: 'https://evil.example.com' },
    });
    await expectError(upgrade, 403, 'FORBIDDEN');
  });

  it('logs out: the cookie is cleared and no longer works', async () => {
    const { cookie } = await login();
    const response = await api('/api/v1/sessions', { method: 'DELETE', token: null, headers: { cookie } });
    expect(response.status).toBe(200);
    expect(response.headers.get('set-cookie')).toMatch(/claudeops_session=;.*Max-Age=0/);
    await expectError(await api(EXECUTIONS, { token: null, headers: { cookie } }), 401, 'UNAUTHORIZED', 'log in');
  });

  it('answers CORS preflights for listed dashboard origins only', async () => {
    const preflight = (origin: string) =>
      api(EXECUTIONS, {
        method: 'OPTIONS',
        token: null,
        headers: { origin, 'access-control-request-method': 'POST' },
      });
    const listed = await preflight('http://localhost:5173');
    expect(listed.status).toBe(204);
    expect(listed.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(listed.headers.get('access-control-allow-credentials')).toBe('true');
    expect((await preflight('https://evil.example.com')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses a made-up session cookie', async () => {
    const response = await api(EXECUTIONS, { token: null, headers: { cookie: 'claudeops_session=cos_forged' } });
    await expectError(response, 401, 'UNAUTHORIZED');
  });
});

describe('generated admin token (no CLAUDEOPS_ADMIN_TOKEN)', () => {
  it('is created once, stored hashed, and then authenticates', async () => {
    const db = createDb(env.DB);
    const unset = { ...env, CLAUDEOPS_ADMIN_TOKEN: undefined };
    const token = await ensureAdminToken(db);
    expect(token).toMatch(/^coa_[A-Za-z0-9_-]{43}$/);
    expect(await ensureAdminToken(db)).toBeNull();

    const stored = await env.DB.prepare("SELECT token_hash FROM api_tokens WHERE kind = 'admin'").all();
    expect(stored.results).toHaveLength(1);
    expect(JSON.stringify(stored.results)).not.toContain(token!);

    expect(await isAdminToken(unset, db, token!)).toBe(true);
    expect(await isAdminToken(unset, db, 'coa_other')).toBe(false);
    // With the variable set, only the variable's token is the admin token.
    expect(await isAdminToken(env, db, token!)).toBe(false);
  });
});
