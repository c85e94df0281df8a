// Property-based fuzz of every HTTP route the app has (read from Hono's route table): bodies and queries generated
// from the protocol schemas with one hostile part, hostile shapes on their own, broken JSON, odd content types, odd
// path segments and query strings, odd credentials. Every answer is a 2xx/4xx, an error is `{ error: { code,
// message } }`, none is a 5xx and none hangs.
import { exports } from 'cloudflare:workers';
import fc from 'fast-check';
import type { z } from 'zod';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ApprovalDecisionBody,
  CancelExecutionBody,
  CostSummaryQuery,
  CreateAgentBody,
  CreateExecutionBody,
  CreateRegistrationTokenBody,
  CreateSessionBody,
  DeletePushSubscriptionBody,
  EventsQuery,
  ListAgentsQuery,
  ListApprovalsQuery,
  ListAuditQuery,
  ListExecutionsQuery,
  ListRunnersQuery,
  MetricsQuery,
  PushSubscriptionBody,
  PutBudgetBody,
  RegisterRunnerBody,
  RetentionSettings,
  RetryExecutionBody,
  RotateAdminTokenBody,
  UpdateAgentBody,
} from '../src/protocol';
import { ADMIN_TOKEN, api, BASE, expectError } from './api-support';
import { CONTENT_TYPES, fuzzValue, MALFORMED_BODIES, pathSegment, queryString } from './fuzz-arbitraries';
import { newSubscriber } from './push-support';
import { answered, answerProblems, appRoutes, buildWorld, routeKey, type Route, type World } from './fuzz-world';

/** Known-valid bodies per route, for what the JSON Schema cannot say (one of two fields, a URL scheme, a real key);
 * the fuzz sends them and mutates them. */
function examplesOf(world: World, push: { endpoint: string; keys: { p256dh: string; auth: string } }) {
  const quiet = ['fuzz-nobody'];
  return {
    'POST /api/v1/executions': [
      { prompt: 'hi', labels: quiet },
      { agent: world.agentName, inputs: { thing: 'x' }, labels: quiet },
      {
        prompt: 'x',
        repo: 'https://github.com/a/b',
        ref: 'main',
        labels: quiet,
        maxBudgetUsd: 1,
        permissions: { allow: ['Read'], ask: ['Bash(npm test:*)'], deny: [] },
        network: { allow: ['github.com'] },
        limits: { memoryMb: 512, cpus: 1, pids: 100 },
        requireSandbox: true,
      },
    ],
    'POST /api/v1/agents': [
      { name: 'fuzz-made', prompt: 'p {{x}}', outputSchema: { type: 'object' }, secrets: ['NPM_TOKEN'] },
    ],
    'PATCH /api/v1/agents/:name': [{ description: 'd' }, { prompt: 'new {{y}}', network: 'model-only' }],
    'PUT /api/v1/budgets/:scope': [{ period: 'day', softLimitUsd: 1, hardLimitUsd: 5 }],
    'POST /api/v1/approvals/:id/decision': [
      { decision: 'allow' },
      { decision: 'deny', message: 'no', remember: 'agent' },
    ],
    'POST /api/v1/sessions': [{ token: ADMIN_TOKEN }, { token: 'coa_wrong' }],
    'POST /api/v1/runners/register': [{ registrationToken: 'cog_unknown', name: 'n', labels: ['a'], maxConcurrent: 2 }],
    'POST /api/v1/runners/registration-tokens': [{ ttlSeconds: 60, labels: ['a'], maxConcurrent: 2 }],
    'POST /api/v1/push/subscriptions': [{ ...push, topics: ['approval'] }],
    'DELETE /api/v1/push/subscriptions': [{ endpoint: push.endpoint }],
  } as Record<string, unknown[]>;
}

/** Requests per route; the whole file stays well under two minutes on two cores. */
const RUNS = 50;

/** The body schema of the routes that read one; a route missing here is fuzzed with hostile JSON alone. */
const BODIES: Record<string, z.ZodType> = {
  'POST /api/v1/executions': CreateExecutionBody,
  'POST /api/v1/executions/:id/retry': RetryExecutionBody,
  'POST /api/v1/executions/:id/cancel': CancelExecutionBody,
  'POST /api/v1/runners/registration-tokens': CreateRegistrationTokenBody,
  'POST /api/v1/runners/register': RegisterRunnerBody,
  'POST /api/v1/sessions': CreateSessionBody,
  'PUT /api/v1/budgets/:scope': PutBudgetBody,
  'POST /api/v1/agents': CreateAgentBody,
  'PATCH /api/v1/agents/:name': UpdateAgentBody,
  'POST /api/v1/approvals/:id/decision': ApprovalDecisionBody,
  'POST /api/v1/push/subscriptions': PushSubscriptionBody,
  'DELETE /api/v1/push/subscriptions': DeletePushSubscriptionBody,
  'POST /api/v1/admin-token/rotate': RotateAdminTokenBody,
  'PUT /api/v1/settings/retention': RetentionSettings,
};

/** The query schema of the routes that read one; elsewhere unknown keys, repeats and bad escapes still go. */
const QUERIES: Record<string, z.ZodType> = {
  'GET /api/v1/executions': ListExecutionsQuery,
  'GET /api/v1/executions/:id/events': EventsQuery,
  'GET /api/v1/runners': ListRunnersQuery,
  'GET /api/v1/runners/:id/metrics': MetricsQuery,
  'GET /api/v1/costs/summary': CostSummaryQuery,
  'GET /api/v1/agents': ListAgentsQuery,
  'GET /api/v1/approvals': ListApprovalsQuery,
  'GET /api/v1/audit': ListAuditQuery,
};

/** `right`: the credential the route takes (admin, or the owning runner's token where the admin token gets 403). */
type Auth = 'right' | 'admin' | 'owner' | 'none' | 'garbage';

/** Which token a route takes, asked of the route itself: the admin token, unless it answers that with a 403. */
async function rightToken(world: World, route: Route): Promise<string> {
  const path = route.path.replace(/:\w+/g, 'x');
  const headers = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const response = await exports.default.fetch(new Request(`${BASE}${path}`, { method: route.method, headers }));
  await response.body?.cancel();
  return response.status === 403 ? world.owner.runnerToken : ADMIN_TOKEN;
}

const GARBAGE_AUTH = [
  'Bearer',
  'Bearer ',
  'Basic YWRtaW46YWRtaW4=',
  'Bearer a b',
  'bearer coa_',
  'Bearer cor_%FF%FE',
  'Bearer cog_expired',
  `Bearer ${'x'.repeat(8000)}`,
  'Bearer ex_00000000000000000000000000',
];

/** A Cloudflare Access token that names no key (so it is refused without fetching the team's keys). */
const KEYLESS_JWT = `${btoa('{"alg":"RS256","typ":"JWT"}')}.${btoa('{"email":"x@example.com"}')}.c2ln`;

const ODD_COOKIES = [
  'claudeops_session=%zz',
  'claudeops_session=',
  'claudeops_session=cos_forged',
  'a=b; ; =;',
  'CF_Authorization=x.y.z',
  `CF_Authorization=${KEYLESS_JWT}`,
  'CF_Authorization=%E0%A4%A',
];

/** Paths and methods no route has, or has with another spelling. */
const STRAY_PATHS = [
  '/',
  '/api',
  '/api/v1',
  '/api/v2/executions',
  '/API/V1/HEALTH',
  '/api/v1/health/',
  '//api//v1//health',
  '/api/v1/executions/ex_00000000000000000000000000/nope/deeper',
  '/api/v1/%2e%2e/v1/health',
  '/api/v1/runners/connect/extra',
  '/api/v1/%zz',
  `/api/v1/${'a/'.repeat(500)}`,
];
const STRAY_METHODS = ['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE', 'PROPFIND', 'PURGE'];

/** Known values for a path parameter, by the resource whose path it is in. */
function knownValues(world: World, resource: string): string[] {
  const byResource: Record<string, string[]> = {
    executions: [world.executionId, 'ex_00000000000000000000000000'],
    runners: [world.spare.runnerId, 'rn_00000000000000000000000000'],
    approvals: [world.approvalId, 'ap_00000000000000000000000000'],
    agents: [world.agentName, 'no-such-agent'],
    budgets: [world.budgetScope, encodeURIComponent(world.budgetScope), 'agent:no-such-agent'],
  };
  return byResource[resource] ?? Object.values(byResource).flat();
}

/** The route's path with each `:param` filled by a known value or an odd one. */
function pathOf(world: World, route: Route): fc.Arbitrary<string> {
  const parts = route.path.split('/');
  return fc
    .tuple(
      ...parts.map((part, i) =>
        part.startsWith(':') ? pathSegment(knownValues(world, parts[i - 1] ?? '')) : fc.constant(part),
      ),
    )
    .map((filled) => filled.join('/'));
}

type Fuzzed = {
  path: string;
  query: string;
  body: string | Uint8Array | undefined;
  contentType: string | undefined;
  auth: Auth;
  garbage: string;
  upgrade: boolean;
  cookie: string | undefined;
};

function requestOf(world: World, route: Route, examples: Record<string, unknown[]>): fc.Arbitrary<Fuzzed> {
  const schema = BODIES[routeKey(route)] ?? null;
  const bodyless = route.method === 'GET' || route.method === 'HEAD';
  const body: fc.Arbitrary<string | Uint8Array | undefined> = bodyless
    ? fc.constant(undefined)
    : fc.oneof(
        {
          weight: 6,
          arbitrary: fuzzValue(schema, examples[routeKey(route)]).map((value) => JSON.stringify(value) ?? 'undefined'),
        },
        { weight: 2, arbitrary: fc.constantFrom(...MALFORMED_BODIES) },
        { weight: 1, arbitrary: fc.constant(undefined) },
      );
  return fc.record({
    path: pathOf(world, route),
    query: queryString(QUERIES[routeKey(route)] ?? null),
    body,
    contentType: fc.constantFrom(...CONTENT_TYPES),
    auth: fc.constantFrom<Auth>('right', 'right', 'right', 'right', 'right', 'admin', 'owner', 'none', 'garbage'),
    garbage: fc.constantFrom(...GARBAGE_AUTH),
    upgrade: bodyless ? fc.boolean() : fc.constant(false),
    cookie: fc.constantFrom(undefined, undefined, undefined, ...ODD_COOKIES),
  });
}

function send(world: World, route: Route, fuzzed: Fuzzed, right: string): Promise<Response> {
  const headers = new Headers();
  if (fuzzed.auth === 'right') headers.set('authorization', `Bearer ${right}`);
  if (fuzzed.auth === 'admin') headers.set('authorization', `Bearer ${ADMIN_TOKEN}`);
  if (fuzzed.auth === 'owner') headers.set('authorization', `Bearer ${world.owner.runnerToken}`);
  if (fuzzed.auth === 'garbage') headers.set('authorization', fuzzed.garbage);
  if (fuzzed.contentType !== undefined) headers.set('content-type', fuzzed.contentType);
  if (fuzzed.upgrade) headers.set('upgrade', 'websocket');
  if (fuzzed.cookie !== undefined) headers.set('cookie', fuzzed.cookie);
  const url = `${BASE}${fuzzed.path}${fuzzed.query === '' ? '' : `?${fuzzed.query}`}`;
  return exports.default.fetch(new Request(url, { method: route.method, headers, body: fuzzed.body }));
}

const describeRequest = (route: Route, fuzzed: Fuzzed) => {
  const body =
    typeof fuzzed.body === 'string' ? fuzzed.body.slice(0, 300) : fuzzed.body && `${fuzzed.body.length} bytes`;
  return `${route.method} ${fuzzed.path.slice(0, 200)}?${fuzzed.query.slice(0, 200)} auth=${fuzzed.auth} type=${fuzzed.contentType} body=${body}`;
};

let world: World;
let examples: Record<string, unknown[]>;
beforeAll(async () => {
  world = await buildWorld();
  // A real browser key, with an endpoint on loopback that refuses at once (no push leaves this machine).
  const { keys } = await newSubscriber();
  examples = examplesOf(world, { endpoint: 'http://127.0.0.1:9/push', keys });
}, 60_000);

describe('every route answers hostile input with a 4xx, never a 5xx', () => {
  it('has routes to fuzz', () => {
    expect(appRoutes().length).toBeGreaterThan(20);
  });

  for (const route of appRoutes()) {
    it(`${route.method} ${route.path}`, { timeout: 90_000 }, async () => {
      const right = await rightToken(world, route);
      await fc.assert(
        fc.asyncProperty(requestOf(world, route, examples), async (fuzzed) => {
          const what = describeRequest(route, fuzzed);
          const response = await answered(send(world, route, fuzzed, right), what);
          expect(await answerProblems(response, route.method), what).toEqual([]);
        }),
        { numRuns: RUNS },
      );
    });
  }

  it('refuses a lone surrogate in a JSON body (D1 would store it as U+FFFD) with a 400 that says so', async () => {
    for (const prompt of ['\uD800', 'a\uDFFFb']) {
      const response = await api('/api/v1/executions', { method: 'POST', body: { prompt, labels: ['fuzz-nobody'] } });
      await expectError(response, 400, 'BAD_REQUEST', /not valid Unicode/);
    }
    const key = await api('/api/v1/executions', { method: 'POST', body: { prompt: 'x', inputs: { '\uD800': 'y' } } });
    await expectError(key, 400, 'BAD_REQUEST', /not valid Unicode/);
    const paired = await api('/api/v1/executions', { method: 'POST', body: { prompt: '👩‍💻', labels: ['fuzz-nobody'] } });
    expect(paired.status).toBe(201);
  });

  it(
    'any method on any path: a route table miss, a preflight or a HEAD is never a 5xx',
    { timeout: 90_000 },
    async () => {
      const known = appRoutes().map((route) => route.path.replace(/:\w+/g, world.executionId));
      const stray = fc.record({
        method: fc.constantFrom(...STRAY_METHODS),
        path: fc.constantFrom(...STRAY_PATHS, ...known),
        origin: fc.constantFrom(undefined, 'null', 'https://evil.example', 'http://localhost:5173'),
        preflight: fc.boolean(),
        token: fc.constantFrom<string | null>(null, ADMIN_TOKEN, world.owner.runnerToken),
      });
      await fc.assert(
        fc.asyncProperty(stray, async ({ method, path, origin, preflight, token }) => {
          const headers = new Headers();
          if (origin !== undefined) headers.set('origin', origin);
          if (preflight) headers.set('access-control-request-method', 'DELETE');
          if (token !== null) headers.set('authorization', `Bearer ${token}`);
          const what = `${method} ${path.slice(0, 120)} origin=${origin} preflight=${preflight}`;
          const request = exports.default.fetch(new Request(`${BASE}${path}`, { method, headers }));
          const response = await answered(request, what);
          expect(await answerProblems(response, method), what).toEqual([]);
        }),
        { numRuns: RUNS * 2 },
      );
    },
  );
});
