// Unit tests of the model proxy riding out 429/529: a loopback model API scripted to rate-limit, Claude Code's side a
// real HTTP client, and the proxy's wait replaced by one that records it (resolving at once, or on abort).
import { once } from 'node:events';
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ModelCredential } from './model-credential';
import { startModelProxy, type ModelProxy, type ModelProxyOptions, type PermitAnswer } from './model-proxy';
import type { RateLimitInfo } from './rate-limit';
import { executionId, waitFor } from '../testing/test-helpers';

const ID = executionId(7);
const BODY = '{"model":"claude-sonnet-4-5","stream":true,"messages":[{"role":"user","content":"hi"}]}';
const rateLimited = (message: string) =>
  JSON.stringify({ type: 'error', error: { type: 'rate_limit_error', message } });

interface Scripted {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}
interface Received {
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let server: Server;
let script: Scripted[];
let received: Received[];
let proxy: ModelProxy;
let permits: (() => PermitAnswer)[];
let permitsAsked: number;
let sleeps: number[];
let sleep: (ms: number, signal: AbortSignal) => Promise<void>;
let limited: { id: string; info: RateLimitInfo }[];
let cleared: string[];
let keys: string[];

/** The next scripted answer; the last one answers every call after it. */
const answerFor = (n: number) => script[Math.min(n, script.length - 1)]!;

beforeEach(async () => {
  script = [{ status: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' }];
  received = [];
  permits = [];
  permitsAsked = 0;
  sleeps = [];
  sleep = async (ms) => void sleeps.push(ms);
  limited = [];
  cleared = [];
  keys = ['sk-ant-api03-real-key'];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const { status, headers = {}, body: answer = '' } = answerFor(received.length);
      received.push({ url: req.url ?? '', headers: req.headers, body });
      res.writeHead(status, headers).end(answer);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  await startProxy();
});
afterEach(async () => {
  await proxy.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function startProxy(extra: Partial<ModelProxyOptions> = {}): Promise<void> {
  proxy = await startModelProxy({
    upstream: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    execution: (id) =>
      id === ID
        ? {
            requestPermit: async () => {
              const answer = permits[permitsAsked] ?? (() => ({ allowed: true, reason: null }));
              permitsAsked += 1;
              return answer();
            },
          }
        : undefined,
    credential: (): ModelCredential => ({ kind: 'api-key', value: keys.at(-1)!, source: 'ANTHROPIC_API_KEY' }),
    onRateLimited: (id, info) => limited.push({ id, info }),
    onRateLimitCleared: (id) => cleared.push(id),
    sleep: (ms, signal) => sleep(ms, signal),
    ...extra,
  });
}

/** Claude Code's side: one model call through the proxy. */
function call(path = '/v1/messages?beta=true'): {
  req: ReturnType<typeof request>;
  response: Promise<IncomingMessage>;
} {
  const req = request(`${proxy.baseUrl(ID)}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-claudeops-placeholder' },
  });
  const response = once(req, 'response').then(([res]) => res as IncomingMessage);
  response.catch(() => undefined);
  req.end(BODY);
  return { req, response };
}

async function reply(path?: string): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  const res = await call(path).response;
  let body = '';
  for await (const chunk of res) body += String(chunk);
  return { status: res.statusCode ?? 0, headers: res.headers, body };
}

describe('model proxy under rate limits', () => {
  it('holds a 429, tells the runner until when, asks a new permit and answers Claude Code with the retry', async () => {
    script = [
      { status: 429, headers: { 'retry-after': '1' }, body: rateLimited('Number of requests exceeded') },
      { status: 200, headers: { 'content-type': 'application/json', 'request-id': 'req_2' }, body: '{"id":"msg_1"}' },
    ];
    const before = Date.now();
    const answer = await reply();
    const after = Date.now();
    expect(answer).toMatchObject({ status: 200, body: '{"id":"msg_1"}', headers: { 'request-id': 'req_2' } });
    expect(received.map((r) => r.body)).toEqual([BODY, BODY]);
    expect(received.map((r) => r.url)).toEqual(['/v1/messages?beta=true', '/v1/messages?beta=true']);
    expect(permitsAsked).toBe(2);
    expect(sleeps).toEqual([1_000]);
    expect(limited).toHaveLength(1);
    const [{ id, info }] = limited as [{ id: string; info: RateLimitInfo }];
    expect(id).toBe(ID);
    expect(info).toMatchObject({
      status: 429,
      source: 'retry-after',
      attempt: 1,
      message: 'Number of requests exceeded',
    });
    expect(info.until.getTime()).toBeGreaterThanOrEqual(before + 1_000);
    expect(info.until.getTime()).toBeLessThanOrEqual(after + 1_000);
    expect(cleared).toEqual([ID]);
  });

  it('holds a 529 the same way, and each try goes with the credential of the moment', async () => {
    script = [
      { status: 529, headers: { 'retry-after': '2' }, body: '{"type":"error","error":{"type":"overloaded_error"}}' },
      { status: 529, headers: { 'retry-after': '3' } },
      { status: 200, headers: { 'content-type': 'text/event-stream' }, body: 'event: message_stop\ndata: {}\n\n' },
    ];
    sleep = async (ms) => {
      sleeps.push(ms);
      keys.push(`sk-ant-api03-refreshed-${sleeps.length}`);
    };
    const answer = await reply();
    expect(answer).toMatchObject({ status: 200, body: 'event: message_stop\ndata: {}\n\n' });
    expect(sleeps).toEqual([2_000, 3_000]);
    expect(limited.map(({ info }) => [info.status, info.attempt, info.message])).toEqual([
      [529, 1, 'the model API is overloaded'],
      [529, 2, 'the model API is overloaded'],
    ]);
    expect(permitsAsked).toBe(3);
    expect(received.map((r) => r.headers['x-api-key'])).toEqual([
      'sk-ant-api03-real-key',
      'sk-ant-api03-refreshed-1',
      'sk-ant-api03-refreshed-2',
    ]);
    expect(cleared).toEqual([ID]);
  });

  it('waits for the earliest rate limit to reset when there is no retry-after', async () => {
    const reset = new Date(Date.now() + 30_000);
    script = [
      {
        status: 429,
        headers: {
          'anthropic-ratelimit-tokens-reset': reset.toISOString(),
          'anthropic-ratelimit-requests-reset': String(Math.ceil(reset.getTime() / 1000) + 60),
        },
        body: rateLimited('tokens'),
      },
      { status: 200, body: 'ok' },
    ];
    expect((await reply()).status).toBe(200);
    expect(limited.map(({ info }) => [info.source, info.until.getTime()])).toEqual([['reset', reset.getTime()]]);
    expect(sleeps[0]).toBeGreaterThan(0);
    expect(sleeps[0]).toBeLessThanOrEqual(30_000);
  });

  it('waits at least a second between tries, even when told retry-after: 0', async () => {
    script = [
      { status: 429, headers: { 'retry-after': '0' } },
      { status: 200, body: 'ok' },
    ];
    expect((await reply()).status).toBe(200);
    expect(sleeps).toEqual([1_000]);
  });

  it('stops waiting when Claude Code hangs up, and calls the model API no more', async () => {
    script = [{ status: 429, headers: { 'retry-after': '60' }, body: rateLimited('later') }];
    let waiting: AbortSignal | undefined;
    sleep = (ms, signal) =>
      new Promise((resolve) => {
        sleeps.push(ms);
        waiting = signal;
        signal.addEventListener('abort', () => resolve());
      });
    const { req } = call();
    await waitFor(() => waiting !== undefined, 'the proxy to hold the call');
    req.destroy();
    await waitFor(() => cleared.length === 1, 'the held call to be given up');
    expect(waiting!.aborted).toBe(true);
    expect(received).toHaveLength(1);
    expect(permitsAsked).toBe(1);
    expect(limited).toHaveLength(1);
  });

  it('stops waiting when the proxy closes', async () => {
    script = [{ status: 429, headers: { 'retry-after': '60' } }];
    let waiting: AbortSignal | undefined;
    sleep = (_ms, signal) =>
      new Promise((resolve) => {
        waiting = signal;
        signal.addEventListener('abort', () => resolve());
      });
    const { response } = call();
    await waitFor(() => waiting !== undefined, 'the proxy to hold the call');
    await proxy.close();
    await expect(response).rejects.toThrow();
    expect(cleared).toEqual([ID]);
    expect(received).toHaveLength(1);
    await startProxy(); // for afterEach
  });

  it('answers a refused permit after the wait as a refused permit, without calling the model again', async () => {
    script = [{ status: 429, headers: { 'retry-after': '1' } }];
    permits = [() => ({ allowed: true, reason: null }), () => ({ allowed: false, reason: 'budget global: paused' })];
    const answer = await reply();
    expect(answer.status).toBe(400);
    expect(answer.headers['x-should-retry']).toBe('false');
    expect(JSON.parse(answer.body)).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'ClaudeOps: budget global: paused' },
    });
    expect(received).toHaveLength(1);
    expect(cleared).toEqual([ID]);
  });

  it('gives up once the next wait would pass maxRateLimitWaitMs, and passes the last 429 through', async () => {
    await proxy.close();
    await startProxy({ maxRateLimitWaitMs: 2_500 });
    script = [{ status: 429, headers: { 'retry-after': '1', 'request-id': 'req_9' }, body: rateLimited('still') }];
    const answer = await reply();
    expect(answer).toMatchObject({ status: 429, body: rateLimited('still'), headers: { 'retry-after': '1' } });
    expect(answer.headers['request-id']).toBe('req_9');
    expect(sleeps).toEqual([1_000, 1_000]);
    expect(received).toHaveLength(3);
    expect(permitsAsked).toBe(3);
    expect(limited.map(({ info }) => info.attempt)).toEqual([1, 2]);
    expect(cleared).toEqual([ID]);
  });

  it('passes other answers, and a 429 to a call that needs no permit, straight through', async () => {
    script = [{ status: 503, headers: { 'retry-after': '1' }, body: 'unavailable' }];
    expect(await reply()).toMatchObject({ status: 503, body: 'unavailable' });
    script = [{ status: 429, headers: { 'retry-after': '1' }, body: 'count later' }];
    received = [];
    expect(await reply('/v1/messages/count_tokens')).toMatchObject({ status: 429, body: 'count later' });
    expect(received).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(limited).toEqual([]);
    expect(cleared).toEqual([]);
  });
});
