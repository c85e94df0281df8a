// Cloudflare Access as a way in, and GET /me: a valid Access token (header or cookie) is an admin named by its
// email, in /me and in the audit log; a token for another application, another team, expired or forged is a 401;
// the Access cookie gets the same Origin check as the session cookie.
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import { env } from 'cloudflare:workers';
import { Me } from '../src/protocol';
import { auditOf, uniqueAgentName } from './agents-support';
import { accessToken, newTeam, TEAM_DOMAIN, type TestTeam } from './access-support';
import { api, expectError } from './api-support';

const ME = '/api/v1/me';
let team: TestTeam;
let forger: TestTeam;
let certs: MockInstance<typeof fetch>;

const viaHeader = (token: string) => ({ token: null, headers: { 'cf-access-jwt-assertion': token } });
const viaCookie = (token: string, more: Record<string, string> = {}) => ({
  token: null,
  headers: { cookie: `CF_Authorization=${token}`, ...more },
});

beforeAll(async () => {
  team = await newTeam();
  forger = await newTeam(team.kid);
  const real = globalThis.fetch;
  // The team's keys, as Access publishes them; the Worker runs in this isolate, so this is the fetch it makes.
  certs = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const url = new Request(input, init).url;
    if (url === `${TEAM_DOMAIN}/cdn-cgi/access/certs`) return Response.json(team.jwks);
    return real(input, init);
  });
});
afterAll(() => certs.mockRestore());

describe('GET /me', () => {
  it('names the admin token and a session as the audit log does', async () => {
    expect(Me.parse(await (await api(ME)).json())).toEqual({ actor: 'admin', via: 'bearer' });
    const login = await api('/api/v1/sessions', {
      method: 'POST',
      token: null,
      body: { token: env.CLAUDEOPS_ADMIN_TOKEN },
    });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect(Me.parse(await (await api(ME, { token: null, headers: { cookie } })).json())).toEqual({
      actor: 'dashboard',
      via: 'session',
    });
  });

  it('needs credentials', async () => {
    await expectError(await api(ME, { token: null }), 401, 'UNAUTHORIZED');
  });
});

describe('Cloudflare Access', () => {
  it('takes a valid token in the header or the cookie, and names its email', async () => {
    const token = await accessToken(team, { email: 'grace@example.com' });
    for (const init of [viaHeader(token), viaCookie(token)]) {
      const response = await api(ME, init);
      expect(response.status).toBe(200);
      expect(Me.parse(await response.json())).toEqual({ actor: 'grace@example.com', via: 'access' });
    }
  });

  it('records the email as the actor in the audit log', async () => {
    const name = uniqueAgentName();
    const token = await accessToken(team, { email: 'grace@example.com' });
    const created = await api('/api/v1/agents', {
      method: 'POST',
      body: { name, prompt: 'Tidy up.' },
      ...viaHeader(token),
    });
    expect(created.status).toBe(201);
    expect((await auditOf(name)).map((entry) => entry.actor)).toEqual(['grace@example.com']);
  });

  it.each([
    ['another application', { aud: ['another-app'] }, 'aud does not match'],
    ['another team', { iss: 'https://evil.cloudflareaccess.com' }, 'issued by https://evil'],
    ['an expired token', { exp: Math.floor(Date.now() / 1000) - 3600 }, 'expired'],
  ])('refuses %s with a 401', async (_name, claims, words) => {
    const response = await api(ME, viaHeader(await accessToken(team, claims)));
    await expectError(response, 401, 'UNAUTHORIZED', words);
  });

  it('refuses a forged signature and garbage with a 401, never a 500', async () => {
    await expectError(await api(ME, viaHeader(await accessToken(forger))), 401, 'UNAUTHORIZED', 'signature');
    await expectError(await api(ME, viaCookie('garbage')), 401, 'UNAUTHORIZED', 'Cloudflare Access token');
    const [header, payload] = (await accessToken(team)).split('.');
    await expectError(await api(ME, viaHeader(`${header}.${payload}.AAAA`)), 401, 'UNAUTHORIZED', 'signature');
  });

  it('checks the Origin of a change made with the Access cookie, as for the session cookie', async () => {
    const token = await accessToken(team);
    const body = { prompt: 'from a page elsewhere' };
    const foreign = await api('/api/v1/executions', {
      method: 'POST',
      body,
      ...viaCookie(token, { origin: 'https://evil.example.com' }),
    });
    await expectError(foreign, 403, 'FORBIDDEN', 'origin https://evil.example.com');
    const own = await api('/api/v1/executions', {
      method: 'POST',
      body,
      ...viaCookie(token, { origin: 'http://localhost' }),
    });
    expect(own.status).toBe(201);
    // A client with a service token sends the header and no cookie: no Origin to check.
    const service = await accessToken(team, { email: undefined, common_name: 'ci.access' });
    const cli = await api(ME, viaHeader(service));
    expect(Me.parse(await cli.json())).toEqual({ actor: 'service-token:ci.access', via: 'access' });
  });
});
