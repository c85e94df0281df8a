// Who may call what, for every route the app has (read from Hono's route table): each route × no token, a wrong
// token, the admin token, the owning runner, another runner, a revoked runner, a registration token, an expired
// session, a live session, and a live session from a foreign Origin. A route with no row in ACCESS fails the test,
// so a new route must say who may call it.
import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody, Execution } from '../src/protocol';
import { ADMIN_TOKEN, api, BASE, newRegistrationToken, registerRunner } from './api-support';
import {
  answered,
  appRoutes,
  buildWorld,
  expiredSessionCookie,
  routeKey,
  sessionCookie,
  type Route,
  type World,
} from './fuzz-world';

/**
 * Who a route is for. `admin`: the admin token or a session (a cookie from a foreign Origin only for safe reads);
 * `owner`: the runner the execution is assigned to; `runner`: any live runner; `public`: anyone; `logout`: anyone,
 * but a cookie from a foreign Origin is refused; `adminBearer`: the admin token in the Authorization header only (a
 * machine client such as an MCP client; a dashboard session is not enough).
 */
type Access = 'admin' | 'adminBearer' | 'owner' | 'runner' | 'public' | 'logout';
/**
 * `upgrade`: the route is a WebSocket, so it is asked with a plain request and with an upgrade; `'only'`: it is
 * nothing but one, so a plain request from any runner is a 426 before the execution is even looked up (it tells
 * nothing about it); the upgrade is where ownership is checked.
 */
type Row = { access: Access; upgrade?: 'also' | 'only' };

const ACCESS: Record<string, Row> = {
  'GET /api/v1/health': { access: 'public' },
  'POST /api/v1/executions': { access: 'admin' },
  'GET /api/v1/executions': { access: 'admin' },
  'GET /api/v1/executions/:id': { access: 'admin' },
  'POST /api/v1/executions/:id/retry': { access: 'admin' },
  'POST /api/v1/executions/:id/cancel': { access: 'admin' },
  'GET /api/v1/executions/:id/events': { access: 'admin', upgrade: 'also' },
  'PUT /api/v1/executions/:id/patch': { access: 'owner' },
  'GET /api/v1/executions/:id/patch': { access: 'admin' },
  'GET /api/v1/executions/:id/export': { access: 'admin' },
  'GET /api/v1/executions/:id/stream': { access: 'owner', upgrade: 'only' },
  'POST /api/v1/executions/:id/messages': { access: 'admin' },
  'GET /api/v1/executions/:id/conversation': { access: 'admin' },
  'POST /api/v1/executions/:id/pause': { access: 'admin' },
  'POST /api/v1/executions/:id/resume': { access: 'admin' },
  'POST /api/v1/executions/:id/review': { access: 'admin' },
  'GET /api/v1/executions/:id/checkpoints': { access: 'admin' },
  'POST /api/v1/executions/:id/rewind': { access: 'admin' },
  'GET /api/v1/runners': { access: 'admin' },
  'POST /api/v1/runners/registration-tokens': { access: 'admin' },
  'POST /api/v1/runners/register': { access: 'public' },
  'GET /api/v1/runners/connect': { access: 'runner', upgrade: 'only' },
  'GET /api/v1/runners/:id': { access: 'admin' },
  'DELETE /api/v1/runners/:id': { access: 'admin' },
  'GET /api/v1/runners/:id/metrics': { access: 'admin' },
  'POST /api/v1/sessions': { access: 'public' },
  'DELETE /api/v1/sessions': { access: 'logout' },
  'POST /api/v1/admin-token/rotate': { access: 'admin' },
  'GET /api/v1/budgets': { access: 'admin' },
  'PUT /api/v1/budgets/:scope': { access: 'admin' },
  'DELETE /api/v1/budgets/:scope': { access: 'admin' },
  'GET /api/v1/costs/summary': { access: 'admin' },
  'POST /api/v1/agents': { access: 'admin' },
  'GET /api/v1/agents': { access: 'admin' },
  'GET /api/v1/agents/:name': { access: 'admin' },
  'PATCH /api/v1/agents/:name': { access: 'admin' },
  'DELETE /api/v1/agents/:name': { access: 'admin' },
  'GET /api/v1/approvals': { access: 'admin' },
  'GET /api/v1/approvals/:id': { access: 'admin' },
  'POST /api/v1/approvals/:id/decision': { access: 'admin' },
  'GET /api/v1/audit': { access: 'admin' },
  'GET /api/v1/me': { access: 'admin' },
  'GET /api/v1/push/vapid': { access: 'admin' },
  'POST /api/v1/push/subscriptions': { access: 'admin' },
  'GET /api/v1/push/subscriptions': { access: 'admin' },
  'DELETE /api/v1/push/subscriptions': { access: 'admin' },
  'GET /api/v1/settings/retention': { access: 'admin' },
  'PUT /api/v1/settings/retention': { access: 'admin' },
  'POST /api/v1/schedules': { access: 'admin' },
  'GET /api/v1/schedules': { access: 'admin' },
  'GET /api/v1/schedules/:id': { access: 'admin' },
  'PATCH /api/v1/schedules/:id': { access: 'admin' },
  'DELETE /api/v1/schedules/:id': { access: 'admin' },
  'POST /api/v1/schedules/:id/run': { access: 'admin' },
  'GET /api/v1/schedules/:id/runs': { access: 'admin' },
  'GET /api/v1/openapi.json': { access: 'public' },
  'POST /api/v1/webhooks': { access: 'admin' },
  'GET /api/v1/webhooks': { access: 'admin' },
  'GET /api/v1/webhooks/:id': { access: 'admin' },
  'PATCH /api/v1/webhooks/:id': { access: 'admin' },
  'DELETE /api/v1/webhooks/:id': { access: 'admin' },
  'GET /api/v1/webhooks/:id/deliveries': { access: 'admin' },
  'GET /api/v1/webhooks/:id/deliveries/:deliveryId': { access: 'admin' },
  'POST /api/v1/webhooks/:id/deliveries/:deliveryId/redeliver': { access: 'admin' },
  // No token: the webhook's HMAC signature is its credential (webhooks-*.test.ts checks it); public to token auth.
  'POST /hooks/:id': { access: 'public' },
  'POST /mcp': { access: 'adminBearer' },
  'GET /mcp': { access: 'adminBearer' },
  'DELETE /mcp': { access: 'adminBearer' },
};

const CREDENTIALS = [
  'none',
  'wrong',
  'admin',
  'owner',
  'otherRunner',
  'revokedRunner',
  'registration',
  'expiredSession',
  'session',
  'foreignSession',
] as const;
type Credential = (typeof CREDENTIALS)[number];

/** 401: who you are is not known; 403: known, but not allowed here; ok: past auth (any 2xx-4xx but 401/403). */
type Expected = 401 | 403 | 'ok';

/** What a credential must get on a route; `unsafe`: a method that changes something, or a WebSocket upgrade;
 * `plainToSocket`: a plain request to a route that is only a WebSocket. */
function expected(access: Access, credential: Credential, unsafe: boolean, plainToSocket: boolean): Expected {
  if (access === 'public') return 'ok';
  if (access === 'logout') return credential === 'foreignSession' ? 403 : 'ok';
  if (access === 'adminBearer') {
    if (credential === 'admin') return 'ok';
    // A foreign Origin's cookie on a write meets the CSRF check first.
    if (credential === 'foreignSession' && unsafe) return 403;
    return credential === 'owner' || credential === 'otherRunner' ? 403 : 401;
  }
  switch (credential) {
    case 'none':
    case 'wrong':
    case 'revokedRunner':
    case 'registration':
    case 'expiredSession':
      return 401;
    case 'admin':
    case 'session':
      return access === 'admin' ? 'ok' : 403;
    case 'foreignSession':
      return access === 'admin' && !unsafe ? 'ok' : 403;
    case 'owner':
      return access === 'admin' ? 403 : 'ok';
    case 'otherRunner':
      return access === 'runner' || (access === 'owner' && plainToSocket) ? 'ok' : 403;
  }
}

type Tokens = Record<'registration' | 'session' | 'expiredSession' | 'otherRunner' | 'revokedRunner', string>;

let world: World;
let tokens: Tokens;
/** A queued execution the admin rows may cancel or retry without touching the one the owner streams. */
let victim: string;

beforeAll(async () => {
  world = await buildWorld();
  const revoked = await registerRunner({ name: 'matrix-revoked' });
  expect((await api(`/api/v1/runners/${revoked.runnerId}`, { method: 'DELETE' })).status).toBe(200);
  tokens = {
    registration: await newRegistrationToken(),
    session: await sessionCookie(),
    expiredSession: await expiredSessionCookie(),
    otherRunner: world.other.runnerToken,
    revokedRunner: revoked.runnerToken,
  };
  const created = await api('/api/v1/executions', { method: 'POST', body: { prompt: 'x', labels: ['matrix-none'] } });
  victim = Execution.parse(await created.json()).id;
}, 60_000);

/** The route's path with real values: the owner's execution for runner routes, the spare runner (DELETE may revoke
 * it), the world's approval, agent and budget. */
function pathOf(route: Route, row: Row): string {
  return route.path.replace(/:(\w+)/g, (_, name: string) => {
    const resource = route.path.split('/')[3];
    if (resource === 'executions') return row.access === 'owner' ? world.executionId : victim;
    if (resource === 'runners') return world.spare.runnerId;
    if (resource === 'approvals') return world.approvalId;
    if (resource === 'agents') return world.agentName;
    if (resource === 'budgets') return world.budgetScope;
    if (resource === 'schedules') return 'matrix-no-such-schedule'; // a 404 is past auth, which is what counts
    if (resource === 'webhooks' || route.path.startsWith('/hooks/')) return 'matrix-no-such-webhook';
    throw new Error(`no value for :${name} in ${route.path}: add one to the auth matrix`);
  });
}

/** Bodies that pass validation where a route needs one, so `ok` rows reach the handler. */
async function bodyOf(route: Route): Promise<unknown> {
  switch (routeKey(route)) {
    case 'POST /api/v1/sessions':
      return { token: ADMIN_TOKEN };
    case 'POST /api/v1/runners/register':
      return { registrationToken: await newRegistrationToken(), name: 'matrix-registered' };
    case 'POST /api/v1/executions':
      return { prompt: 'matrix', labels: ['matrix-none'] };
    case 'PUT /api/v1/budgets/:scope':
      return { period: 'day' };
    default:
      return undefined;
  }
}

async function ask(route: Route, row: Row, credential: Credential, upgrade: boolean): Promise<Response> {
  const headers = new Headers();
  const bearer = { admin: ADMIN_TOKEN, owner: world.owner.runnerToken, wrong: 'coa_not-the-admin-token' } as const;
  if (credential in bearer) headers.set('authorization', `Bearer ${bearer[credential as keyof typeof bearer]}`);
  if (credential === 'otherRunner' || credential === 'revokedRunner' || credential === 'registration') {
    headers.set('authorization', `Bearer ${tokens[credential]}`);
  }
  if (credential === 'session' || credential === 'foreignSession') headers.set('cookie', tokens.session);
  if (credential === 'expiredSession') headers.set('cookie', tokens.expiredSession);
  if (credential === 'foreignSession') headers.set('origin', 'https://evil.example');
  if (upgrade) headers.set('upgrade', 'websocket');
  const body = await bodyOf(route);
  if (body !== undefined) headers.set('content-type', 'application/json');
  const url = `${BASE}${pathOf(route, row)}`;
  const init = { method: route.method, headers, body: body === undefined ? undefined : JSON.stringify(body) };
  return answered(exports.default.fetch(new Request(url, init)), `${route.method} ${url}`);
}

/** The status class a response falls in, closing any socket it opened; an auth refusal must be the error shape. */
async function outcome(response: Response): Promise<Expected | number> {
  if (response.status === 101) {
    response.webSocket?.accept();
    response.webSocket?.close(1000, 'matrix done');
    return 'ok';
  }
  const text = await response.text();
  if (response.status === 401 || response.status === 403) {
    const body = ErrorBody.parse(JSON.parse(text));
    expect(body.error.code).toBe(response.status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN');
    return response.status;
  }
  return response.status < 500 ? 'ok' : response.status;
}

/** Admin rows that end what later rows need run last: a logout ends the shared session. */
const LAST = new Set(['DELETE /api/v1/sessions']);
const routes = appRoutes().sort((a, b) => Number(LAST.has(routeKey(a))) - Number(LAST.has(routeKey(b))));

describe('auth matrix: every route × every kind of caller', () => {
  it('has a row for every route the app has, and none for a route it does not', () => {
    const known = new Set(routes.map(routeKey));
    expect(routes.filter((route) => ACCESS[routeKey(route)] === undefined).map(routeKey)).toEqual([]);
    expect(Object.keys(ACCESS).filter((key) => !known.has(key))).toEqual([]);
  });

  for (const route of routes) {
    const row = ACCESS[routeKey(route)];
    if (row === undefined) continue;
    const variants = row.upgrade === undefined ? [false] : [false, true];
    for (const upgrade of variants) {
      it(`${routeKey(route)}${upgrade ? ' (WebSocket upgrade)' : ''}`, async () => {
        const unsafe = upgrade || !['GET', 'HEAD', 'OPTIONS'].includes(route.method);
        const got: Record<string, Expected | number> = {};
        const want: Record<string, Expected> = {};
        // The foreign-Origin session comes before the plain one: a logout with the plain one ends the session.
        const order = [...CREDENTIALS].sort((a, b) => Number(a === 'session') - Number(b === 'session'));
        for (const credential of order) {
          want[credential] = expected(row.access, credential, unsafe, row.upgrade === 'only' && !upgrade);
          got[credential] = await outcome(await ask(route, row, credential, upgrade));
        }
        expect(got).toEqual(want);
      });
    }
  }
});
