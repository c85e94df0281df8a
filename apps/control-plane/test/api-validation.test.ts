// Bad input on every endpoint gets a clear 4xx naming what is wrong: never a 500, never a crash.
import { beforeAll, describe, expect, it } from 'vitest';
import { env } from 'cloudflare:workers';
import { MAX_PATCH_BYTES, PATCH_TRUNCATED_HEADER, type ErrorCode } from '../src/protocol';
import { api, expectError, registerRunner } from './api-support';

type Case = {
  name: string;
  method: string;
  path: string | (() => string);
  body?: unknown;
  headers?: Record<string, string>;
  runner?: boolean;
  status: number;
  code: ErrorCode;
  words: string | RegExp;
};
type Path = Case['path'];
type More = Partial<Omit<Case, 'name' | 'path' | 'words'>>;

const BAD_ID = 'ex_NOT-AN-ID';
const ID = `ex_${'4'.repeat(26)}`;
const EXECUTIONS = '/api/v1/executions';
const BUDGETS = '/api/v1/budgets';
const COSTS = '/api/v1/costs/summary';
const AGENTS = '/api/v1/agents';
const APPROVALS = '/api/v1/approvals';
const AUDIT = '/api/v1/audit';
const APPROVAL_ID = `ap_${'4'.repeat(26)}`;
const RUNNER_ID = `rn_${'4'.repeat(26)}`;
const PUSH_SUBS = '/api/v1/push/subscriptions';
const PUSH_URL = 'https://push.example.test/send/1';
/** Well-formed keys (only their encoding is checked before the lengths). */
const KEYS = { p256dh: `B${'A'.repeat(86)}`, auth: 'A'.repeat(22) };
let runnerToken = '';
let queuedId = '';
let assignedId = '';
const queued = (suffix: string) => () => `${EXECUTIONS}/${queuedId}${suffix}`;
/** An execution assigned to the runner whose token the `runner: true` cases carry. */
const assigned = (suffix: string) => () => `${EXECUTIONS}/${assignedId}${suffix}`;

const bad = (method: string, name: string, path: Path, words: string | RegExp, more: More = {}): Case => ({
  name,
  method,
  path,
  words,
  status: 400,
  code: 'BAD_REQUEST',
  ...more,
});
const get = (name: string, path: Path, words: string | RegExp, more?: More) => bad('GET', name, path, words, more);
const post = (name: string, path: Path, body: unknown, words: string | RegExp, more?: More) =>
  bad('POST', name, path, words, { body, ...more });
const put = (name: string, path: Path, body: unknown, words: string | RegExp, more?: More) =>
  bad('PUT', name, path, words, { body, ...more });
/** A body sent as these exact bytes, labelled JSON. */
const raw = (text: string): More => ({ body: text, headers: { 'content-type': 'application/json' } });
const upgrade: More = { headers: { upgrade: 'websocket' } };
const diff: More = { headers: { 'content-type': 'text/x-diff' } };
const NOT_JSON = 'not valid JSON';
const IN_URL = 'never accepted in URLs';

const CASES: Case[] = [
  // POST /api/v1/executions
  post('create: no body', EXECUTIONS, undefined, 'JSON body'),
  post('create: malformed JSON', EXECUTIONS, undefined, NOT_JSON, raw('{"prompt": ')),
  post('create: a form', EXECUTIONS, 'prompt=hi', 'Content-Type must be application/json', {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  }),
  post('create: an array', EXECUTIONS, [1, 2], 'body'),
  post('create: no prompt', EXECUTIONS, {}, 'body.prompt'),
  post('create: blank prompt', EXECUTIONS, { prompt: '   ' }, 'prompt must not be empty'),
  post('create: prompt a number', EXECUTIONS, { prompt: 42 }, 'body.prompt'),
  post('create: negative budget', EXECUTIONS, { prompt: 'x', maxBudgetUsd: -1 }, 'body.maxBudgetUsd'),
  post('create: bad label', EXECUTIONS, { prompt: 'x', labels: ['has space'] }, 'body.labels.0'),
  post('create: unknown field', EXECUTIONS, { prompt: 'x', priority: 1 }, 'priority'),
  post(
    'create: repo with credentials',
    EXECUTIONS,
    { prompt: 'x', repo: 'https://me:hunter2@github.com/acme/app.git' },
    'must not carry credentials',
  ),
  post('create: relative repo path', EXECUTIONS, { prompt: 'x', repo: 'checkouts/app' }, 'body.repo: repo must be'),
  post('create: repo not a string', EXECUTIONS, { prompt: 'x', repo: 7 }, 'body.repo'),
  post('create: ref without repo', EXECUTIONS, { prompt: 'x', ref: 'main' }, 'body.ref: `ref` needs `repo`'),
  post('create: ref like an option', EXECUTIONS, { prompt: 'x', repo: '/srv/app', ref: '--upload-pack=x' }, 'body.ref'),
  post('create: ref with ..', EXECUTIONS, { prompt: 'x', repo: '/srv/app', ref: 'main..dev' }, 'body.ref'),
  post('create: no attempts', EXECUTIONS, { prompt: 'x', maxAttempts: 0 }, 'body.maxAttempts'),
  post('create: too many attempts', EXECUTIONS, { prompt: 'x', maxAttempts: 11 }, 'body.maxAttempts'),
  post('create: fractional attempts', EXECUTIONS, { prompt: 'x', maxAttempts: 1.5 }, 'body.maxAttempts'),
  post('create: attempts a string', EXECUTIONS, { prompt: 'x', maxAttempts: '2' }, 'body.maxAttempts'),
  post('create: too large', EXECUTIONS, { prompt: 'x'.repeat(1_100_000) }, 'larger than', {
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  }),
  // GET /api/v1/executions
  get('list: limit 0', `${EXECUTIONS}?limit=0`, 'query.limit'),
  get('list: limit not a number', `${EXECUTIONS}?limit=ten`, 'query.limit'),
  get('list: limit too big', `${EXECUTIONS}?limit=100000`, 'query.limit'),
  get('list: unknown status', `${EXECUTIONS}?status=sleeping`, 'query.status'),
  get('list: repeated status', `${EXECUTIONS}?status=queued&status=running`, 'query.status'),
  get('list: unknown parameter', `${EXECUTIONS}?sort=asc`, 'sort'),
  get('list: bad cursor', `${EXECUTIONS}?cursor=%%%`, 'cursor'),
  get('list: bad runner id', `${EXECUTIONS}?runner=runner-1`, 'query.runner'),
  get('list: bad label', `${EXECUTIONS}?label=has%20space`, 'query.label'),
  get('list: blank search', `${EXECUTIONS}?q=%20%20`, 'query.q'),
  get('list: search too long', `${EXECUTIONS}?q=${'x'.repeat(201)}`, 'query.q'),
  get(
    'list: search with too many words',
    `${EXECUTIONS}?q=${Array.from({ length: 17 }, (_, i) => `w${i}`).join('+')}`,
    'at most 16 words',
  ),
  get('list: repeated label', `${EXECUTIONS}?label=a&label=b`, 'query.label'),
  // GET /api/v1/executions/:id
  get('get: bad id', `${EXECUTIONS}/${BAD_ID}`, 'path.id: must be an execution id'),
  get('get: unknown id', `${EXECUTIONS}/${ID}`, ID, { status: 404, code: 'NOT_FOUND' }),
  // POST /api/v1/executions/:id/cancel
  post('cancel: bad id', `${EXECUTIONS}/${BAD_ID}/cancel`, undefined, 'path.id'),
  post('cancel: unknown field', queued('/cancel'), { force: true }, 'force'),
  post('cancel: malformed JSON', queued('/cancel'), undefined, NOT_JSON, raw('{')),
  // POST /api/v1/executions/:id/retry
  post('retry: bad id', `${EXECUTIONS}/${BAD_ID}/retry`, undefined, 'path.id'),
  post('retry: unknown field', queued('/retry'), { attempts: 3 }, 'attempts'),
  post('retry: malformed JSON', queued('/retry'), undefined, NOT_JSON, raw('{')),
  post('retry: unknown id', `${EXECUTIONS}/${ID}/retry`, undefined, ID, { status: 404, code: 'NOT_FOUND' }),
  post('retry: not ended', queued('/retry'), undefined, 'has not ended', { status: 409, code: 'CONFLICT' }),
  // PUT/GET /api/v1/executions/:id/patch
  put('patch: bad id', `${EXECUTIONS}/${BAD_ID}/patch`, 'diff', 'path.id', { runner: true, ...diff }),
  put('patch: JSON', assigned('/patch'), { diff: 'x' }, 'Content-Type must be text/x-diff', { runner: true }),
  // Bytes, because a string body would be labelled text/plain by fetch.
  put('patch: no content type', assigned('/patch'), new TextEncoder().encode('diff'), 'not absent', { runner: true }),
  put('patch: bad truncated flag', assigned('/patch'), 'diff', `${PATCH_TRUNCATED_HEADER} must be true or false`, {
    runner: true,
    headers: { 'content-type': 'text/x-diff', [PATCH_TRUNCATED_HEADER]: 'maybe' },
  }),
  put('patch: too large', assigned('/patch'), 'x'.repeat(MAX_PATCH_BYTES + 1), 'larger than', {
    runner: true,
    ...diff,
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  }),
  put('patch: unknown id', `${EXECUTIONS}/${ID}/patch`, 'diff', ID, {
    runner: true,
    ...diff,
    status: 404,
    code: 'NOT_FOUND',
  }),
  get('patch read: bad id', `${EXECUTIONS}/${BAD_ID}/patch`, 'path.id'),
  get('patch read: none yet', queued('/patch'), 'has no patch', { status: 404, code: 'NOT_FOUND' }),
  // GET /api/v1/executions/:id/events, plain and upgraded
  get('events: bad id', `${EXECUTIONS}/${BAD_ID}/events`, 'path.id'),
  get('events: negative after', queued('/events?after=-1'), 'query.after'),
  get('events: after not a number', queued('/events?after=last'), 'query.after'),
  get('events: fractional after', queued('/events?after=1.5'), 'query.after'),
  get('events: limit too big', queued('/events?limit=1000000'), 'query.limit'),
  get('events: unknown parameter', queued('/events?since=3'), 'since'),
  get('events socket: bad after', queued('/events?after=x'), 'query.after', upgrade),
  // GET /api/v1/executions/:id/stream
  get('stream: bad id', `${EXECUTIONS}/${BAD_ID}/stream`, 'path.id', { runner: true, ...upgrade }),
  get('stream: not a WebSocket', queued('/stream'), 'WebSocket', {
    runner: true,
    status: 426,
    code: 'UPGRADE_REQUIRED',
  }),
  // GET /api/v1/runners
  get('runners: limit 0', '/api/v1/runners?limit=0', 'query.limit'),
  get('runners: unknown parameter', '/api/v1/runners?status=online', 'status'),
  get('runners: bad cursor', '/api/v1/runners?cursor=abc', 'cursor'),
  // GET /api/v1/runners/:id and /api/v1/runners/:id/metrics
  get('runner: bad id', '/api/v1/runners/rn_NOPE', 'path.id: must be a runner id'),
  get('runner: an execution id', `/api/v1/runners/${ID}`, 'path.id: must be a runner id'),
  get('runner: unknown id', `/api/v1/runners/${RUNNER_ID}`, RUNNER_ID, { status: 404, code: 'NOT_FOUND' }),
  get('metrics: bad id', '/api/v1/runners/rn_NOPE/metrics', 'path.id'),
  get('metrics: from not a time', `/api/v1/runners/${RUNNER_ID}/metrics?from=yesterday`, 'query.from'),
  get(
    'metrics: from after to',
    `/api/v1/runners/${RUNNER_ID}/metrics?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z`,
    '`from` must be before `to`',
  ),
  get('metrics: limit 0', `/api/v1/runners/${RUNNER_ID}/metrics?limit=0`, 'query.limit'),
  get('metrics: limit too big', `/api/v1/runners/${RUNNER_ID}/metrics?limit=5001`, 'query.limit'),
  get('metrics: unknown parameter', `/api/v1/runners/${RUNNER_ID}/metrics?step=60`, 'step'),
  get(
    'metrics: repeated from',
    `/api/v1/runners/${RUNNER_ID}/metrics?from=2026-01-01T00:00:00Z&from=2026-01-02T00:00:00Z`,
    'query.from',
  ),
  get('metrics: unknown runner', `/api/v1/runners/${RUNNER_ID}/metrics`, RUNNER_ID, { status: 404, code: 'NOT_FOUND' }),
  // POST /api/v1/runners/registration-tokens
  post('registration token: ttl too short', '/api/v1/runners/registration-tokens', { ttlSeconds: 1 }, 'ttlSeconds'),
  post('registration token: ttl a string', '/api/v1/runners/registration-tokens', { ttlSeconds: '1' }, 'ttlSeconds'),
  post('registration token: unknown field', '/api/v1/runners/registration-tokens', { uses: 3 }, 'uses'),
  post('registration token: malformed JSON', '/api/v1/runners/registration-tokens', undefined, NOT_JSON, raw('no')),
  // POST /api/v1/runners/register
  post('register: no registration token', '/api/v1/runners/register', { name: 'box' }, 'body.registrationToken'),
  post('register: blank name', '/api/v1/runners/register', { registrationToken: 'cog_x', name: ' ' }, 'body.name'),
  post(
    'register: no slots',
    '/api/v1/runners/register',
    { registrationToken: 'cog_x', name: 'box', maxConcurrent: 0 },
    'body.maxConcurrent',
  ),
  post(
    'register: labels not a list',
    '/api/v1/runners/register',
    { registrationToken: 'cog_x', name: 'box', labels: 'gpu' },
    'body.labels',
  ),
  post('register: malformed JSON', '/api/v1/runners/register', undefined, NOT_JSON, raw('{"name":')),
  post('register: token in URL', '/api/v1/runners/register?registrationToken=cog_x', { name: 'box' }, IN_URL),
  // GET /api/v1/runners/connect
  get('connect: not a WebSocket', '/api/v1/runners/connect', 'WebSocket', {
    runner: true,
    status: 426,
    code: 'UPGRADE_REQUIRED',
  }),
  get('connect: token in URL', '/api/v1/runners/connect?token=cor_x', IN_URL, upgrade),
  // POST/DELETE /api/v1/sessions
  post('login: no token', '/api/v1/sessions', {}, 'body.token'),
  post('login: not JSON', '/api/v1/sessions', 'token=x', 'Content-Type', { headers: { 'content-type': 'text/plain' } }),
  post('login: token in URL', '/api/v1/sessions?token=coa_x', { token: 'coa_x' }, IN_URL),
  bad('DELETE', 'logout: token in URL', '/api/v1/sessions?session_token=x', 'session_token'),
  // PUT/GET/DELETE /api/v1/budgets
  put('budget: unknown scope kind', `${BUDGETS}/team:ml`, { period: 'day' }, 'path.scope: a budget scope is'),
  put('budget: empty agent', `${BUDGETS}/agent:`, { period: 'day' }, 'path.scope'),
  put('budget: label with a space', `${BUDGETS}/label:has%20space`, { period: 'day' }, 'path.scope'),
  put('budget: no body', `${BUDGETS}/global`, undefined, 'JSON body'),
  put('budget: no period', `${BUDGETS}/global`, { hardLimitUsd: 1 }, 'body.period'),
  put('budget: unknown period', `${BUDGETS}/global`, { period: 'week' }, 'body.period'),
  put('budget: negative limit', `${BUDGETS}/global`, { period: 'day', hardLimitUsd: -1 }, 'body.hardLimitUsd'),
  put('budget: limit a string', `${BUDGETS}/global`, { period: 'day', softLimitUsd: '5' }, 'body.softLimitUsd'),
  put(
    'budget: soft above hard',
    `${BUDGETS}/global`,
    { period: 'day', softLimitUsd: 6, hardLimitUsd: 5 },
    'softLimitUsd must not exceed hardLimitUsd',
  ),
  put('budget: unknown field', `${BUDGETS}/global`, { period: 'day', currency: 'EUR' }, 'currency'),
  put('budget: malformed JSON', `${BUDGETS}/global`, undefined, NOT_JSON, raw('{"period":')),
  get('budgets: unknown parameter', `${BUDGETS}?limit=5`, 'limit'),
  bad('DELETE', 'budget delete: bad scope', `${BUDGETS}/nope`, 'path.scope'),
  bad('DELETE', 'budget delete: never set', `${BUDGETS}/label:never-set-${'x'.repeat(8)}`, 'no budget', {
    status: 404,
    code: 'NOT_FOUND',
  }),
  // GET /api/v1/costs/summary
  get('costs: unknown groupBy', `${COSTS}?groupBy=week`, 'query.groupBy'),
  get('costs: from not a time', `${COSTS}?from=yesterday`, 'query.from'),
  get('costs: from after to', `${COSTS}?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z`, 'before'),
  get('costs: unknown parameter', `${COSTS}?model=opus`, 'model'),
  get('costs: repeated groupBy', `${COSTS}?groupBy=day&groupBy=model`, 'query.groupBy'),
  // Executions from agent templates
  post('create: prompt and agent', EXECUTIONS, { prompt: 'x', agent: 'code-task' }, 'either `prompt` or `agent`'),
  post('create: inputs without agent', EXECUTIONS, { prompt: 'x', inputs: { a: 'b' } }, '`inputs` needs `agent`'),
  post('create: bad input name', EXECUTIONS, { agent: 'code-task', inputs: { 'a-b': 'x' } }, 'body.inputs'),
  post('create: bad agent name', EXECUTIONS, { agent: 'has space' }, 'body.agent'),
  post('create: bad permission rule', EXECUTIONS, { prompt: 'x', permissions: { allow: ['Bash npm'] } }, 'rule'),
  post(
    'create: short approval timeout',
    EXECUTIONS,
    { prompt: 'x', approvalTimeoutSeconds: 1 },
    'body.approvalTimeout',
  ),
  // /api/v1/agents
  post('agent: no prompt', AGENTS, { name: 'x' }, 'body.prompt'),
  post('agent: named default', AGENTS, { name: 'default', prompt: 'x' }, '`default` names executions'),
  post('agent: bad name', AGENTS, { name: '-x', prompt: 'x' }, 'body.name'),
  post(
    'agent: schema not an object',
    AGENTS,
    { name: 'x', prompt: 'x', outputSchema: { type: 'array' } },
    'outputSchema',
  ),
  post('agent: unknown field', AGENTS, { name: 'x', prompt: 'x', colour: 'red' }, 'colour'),
  bad('PATCH', 'agent: empty change', `${AGENTS}/code-task`, 'at least one field', { body: {} }),
  bad('PATCH', 'agent: bad labels', `${AGENTS}/code-task`, 'body.labels', { body: { labels: 'gpu' } }),
  get('agent: bad name in path', `${AGENTS}/-x`, 'path.name'),
  get('agents: bad cursor', `${AGENTS}?cursor=nope`, 'cursor is not valid'),
  // /api/v1/approvals and /api/v1/audit
  get('approvals: unknown status', `${APPROVALS}?status=waiting`, 'query.status'),
  get('approvals: bad execution id', `${APPROVALS}?executionId=${BAD_ID}`, 'query.executionId'),
  get('approval: bad id', `${APPROVALS}/ap_nope`, 'path.id'),
  post('decision: unknown decision', `${APPROVALS}/${APPROVAL_ID}/decision`, { decision: 'maybe' }, 'body.decision'),
  post(
    'decision: bad remember',
    `${APPROVALS}/${APPROVAL_ID}/decision`,
    { decision: 'allow', remember: 'x' },
    'remember',
  ),
  post('decision: no body', `${APPROVALS}/${APPROVAL_ID}/decision`, undefined, 'JSON body'),
  post('decision: unknown approval', `${APPROVALS}/${APPROVAL_ID}/decision`, { decision: 'allow' }, 'does not exist', {
    status: 404,
    code: 'NOT_FOUND',
  }),
  // /api/v1/push
  post('subscribe: no body', PUSH_SUBS, undefined, 'JSON body'),
  post('subscribe: no keys', PUSH_SUBS, { endpoint: 'https://push.example.test/1' }, 'body.keys'),
  post('subscribe: plain http', PUSH_SUBS, { endpoint: 'http://push.example.test/1', keys: KEYS }, 'must be https'),
  post('subscribe: not a URL', PUSH_SUBS, { endpoint: 'somewhere', keys: KEYS }, 'body.endpoint'),
  post(
    'subscribe: keys not base64url',
    PUSH_SUBS,
    { endpoint: PUSH_URL, keys: { ...KEYS, auth: 'a+b/' } },
    'base64url',
  ),
  post('subscribe: unknown topic', PUSH_SUBS, { endpoint: PUSH_URL, keys: KEYS, topics: ['news'] }, 'body.topics.0'),
  post('subscribe: no topics', PUSH_SUBS, { endpoint: PUSH_URL, keys: KEYS, topics: [] }, 'body.topics'),
  post('subscribe: unknown field', PUSH_SUBS, { endpoint: PUSH_URL, keys: KEYS, mute: true }, 'mute'),
  post('subscribe: as a runner', PUSH_SUBS, { endpoint: PUSH_URL, keys: KEYS }, 'admin token', {
    runner: true,
    status: 403,
    code: 'FORBIDDEN',
  }),
  bad('DELETE', 'unsubscribe: no endpoint', PUSH_SUBS, 'body.endpoint', { body: {} }),
  bad('DELETE', 'unsubscribe: unknown endpoint', PUSH_SUBS, 'no push subscription', {
    body: { endpoint: PUSH_URL },
    status: 404,
    code: 'NOT_FOUND',
  }),
  get('audit: unknown action', `${AUDIT}?action=approval.maybe`, 'query.action'),
  get('audit: bad cursor', `${AUDIT}?cursor=x`, 'cursor is not valid'),
  // Anything else
  bad('PUT', 'unknown method on a resource', EXECUTIONS, 'PUT /api/v1/executions', {
    status: 404,
    code: 'NOT_FOUND',
    body: { prompt: 'x' },
  }),
];

beforeAll(async () => {
  const runner = await registerRunner();
  runnerToken = runner.runnerToken;
  const created = await api(EXECUTIONS, { method: 'POST', body: { prompt: 'target of bad requests' } });
  queuedId = ((await created.json()) as { id: string }).id;
  // A label no runner carries keeps it queued; then it is handed to this file's runner as a Fleet claim would.
  const other = await api(EXECUTIONS, {
    method: 'POST',
    body: { prompt: 'patch target', labels: ['nobody-has-this'] },
  });
  assignedId = ((await other.json()) as { id: string }).id;
  await env.DB.prepare("UPDATE executions SET status = 'assigned', runner_id = ? WHERE id = ?")
    .bind(runner.runnerId, assignedId)
    .run();
});

describe('bad input', () => {
  it.each(CASES)('$name → $status', async (c) => {
    const path = typeof c.path === 'function' ? c.path() : c.path;
    const response = await api(path, {
      method: c.method,
      body: c.body,
      headers: c.headers ?? {},
      ...(c.runner ? { token: runnerToken } : {}),
    });
    await expectError(response, c.status, c.code, c.words);
  });

  it('left the target executions untouched', async () => {
    const response = await api(`${EXECUTIONS}/${queuedId}`);
    expect((await response.json()) as { status: string; attempts: unknown[] }).toMatchObject({
      status: 'queued',
      attempts: [{ id: queuedId }],
    });
    await expectError(await api(`${EXECUTIONS}/${assignedId}/patch`), 404, 'NOT_FOUND', 'has no patch');
  });
});
