// Unit tests of the model proxy between a loopback client (Claude Code's place) and a loopback model API.
import { once } from 'node:events';
import {
  createServer,
  request,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ModelCredential } from './model-credential';
import { startModelProxy, type ModelProxy, type PermitAnswer } from './model-proxy';
import { executionId, waitFor } from '../testing/test-helpers';

const ID = executionId(1);

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A model API on loopback: records each request, then lets the test's handler answer it. */
class Upstream {
  received: Received[] = [];
  handler: (req: IncomingMessage, res: ServerResponse, received: Received) => void = (_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  private server!: Server;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
        this.received.push(received);
        this.handler(req, res, received);
      });
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/base`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Claude Code's side: one HTTP call through the proxy, the response streamed back. */
function call(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): { req: ReturnType<typeof request>; response: Promise<IncomingMessage> } {
  const req = request(url, { method: options.method ?? 'POST', headers: options.headers });
  const response = once(req, 'response').then(([res]) => res as IncomingMessage);
  // Tests that hang up on purpose never read the response.
  response.catch(() => undefined);
  req.end(options.body);
  return { req, response };
}

async function fetchReply(url: string, options: Parameters<typeof call>[1] = {}): Promise<Reply> {
  const res = await call(url, options).response;
  let body = '';
  for await (const chunk of res) body += String(chunk);
  return { status: res.statusCode ?? 0, headers: res.headers, body };
}

let upstream: Upstream;
let upstreamUrl: string;
let proxy: ModelProxy;
let permits: AbortSignal[];
let answer: (signal: AbortSignal) => Promise<PermitAnswer>;
const credential: ModelCredential = { kind: 'api-key', value: 'sk-ant-api03-real-key', source: 'ANTHROPIC_API_KEY' };

async function startProxy(upstreamUrl: string): Promise<void> {
  proxy = await startModelProxy({
    upstream: upstreamUrl,
    execution: (id) =>
      id === ID
        ? {
            requestPermit: (signal) => {
              permits.push(signal);
              return answer(signal);
            },
          }
        : undefined,
    credential: () => credential,
  });
}

beforeEach(async () => {
  permits = [];
  answer = async () => ({ allowed: true, reason: null });
  upstream = new Upstream();
  upstreamUrl = await upstream.start();
  await startProxy(upstreamUrl);
});
afterEach(async () => {
  await proxy.close();
  await upstream.close();
});

const messagesUrl = () => `${proxy.baseUrl(ID)}/v1/messages?beta=true`;

describe('model proxy', () => {
  it('forwards method, path, query, headers, body and the answer, minus hop-by-hop headers and with the real key', async () => {
    upstream.handler = (_req, res) =>
      res
        .writeHead(503, 'Service Unavailable', { 'retry-after': '7', 'request-id': 'req_1', 'x-upstream': 'yes' })
        .end('{"type":"error","error":{"type":"api_error","message":"slow down"}}');
    const reply = await fetchReply(messagesUrl(), {
      headers: {
        'x-api-key': 'sk-ant-claudeops-placeholder',
        'anthropic-version': '2023-06-01',
        'content-type': 'application/json',
        connection: 'keep-alive, x-hop',
        'x-hop': 'for this connection only',
      },
      body: '{"model":"claude-sonnet-4-5","stream":true}',
    });
    expect(upstream.received).toHaveLength(1);
    const [received] = upstream.received;
    expect(received).toMatchObject({
      method: 'POST',
      url: '/base/v1/messages?beta=true',
      body: '{"model":"claude-sonnet-4-5","stream":true}',
      headers: {
        'x-api-key': 'sk-ant-api03-real-key',
        'anthropic-version': '2023-06-01',
        'content-type': 'application/json',
        host: new URL(upstreamUrl).host,
      },
    });
    expect(received!.headers['x-hop']).toBeUndefined();
    expect(reply.status).toBe(503);
    expect(reply.headers).toMatchObject({ 'retry-after': '7', 'request-id': 'req_1', 'x-upstream': 'yes' });
    expect(JSON.parse(reply.body)).toEqual({
      type: 'error',
      error: { type: 'api_error', message: 'slow down' },
    });
  });

  it('streams SSE chunk by chunk: the first event arrives while the model is still answering', async () => {
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    let upstreamDone = false;
    upstream.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: message_start\ndata: {"type":"message_start"}\n\n');
      void finished.then(() => {
        res.end('event: message_stop\ndata: {"type":"message_stop"}\n\n');
        upstreamDone = true;
      });
    };
    const res = await call(messagesUrl(), { body: '{}' }).response;
    expect(res.headers['content-type']).toBe('text/event-stream');
    const [first] = (await once(res, 'data')) as [Buffer];
    expect(String(first)).toContain('message_start');
    expect(upstreamDone).toBe(false);
    finish();
    let rest = '';
    for await (const chunk of res) rest += String(chunk);
    expect(rest).toContain('message_stop');
  });

  it('asks one permit per model call, and none for other calls', async () => {
    await fetchReply(messagesUrl(), { body: '{}' });
    await fetchReply(`${proxy.baseUrl(ID)}/v1/messages/count_tokens?beta=true`, { body: '{}' });
    await fetchReply(`${proxy.baseUrl(ID)}/v1/models`, { method: 'GET' });
    await fetchReply(`${proxy.baseUrl(ID)}/v1/messages`, { body: '{}' });
    expect(permits).toHaveLength(2);
    expect(upstream.received.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST /base/v1/messages?beta=true',
      'POST /base/v1/messages/count_tokens?beta=true',
      'GET /base/v1/models',
      'POST /base/v1/messages',
    ]);
  });

  it('answers a refused permit with an Anthropic-shaped 400 and never calls the model', async () => {
    answer = async () => ({ allowed: false, reason: 'budget global: hard limit $5.00 reached ($5.12 spent this day)' });
    const reply = await fetchReply(messagesUrl(), { body: '{"model":"claude-sonnet-4-5"}' });
    expect(reply.status).toBe(400);
    expect(reply.headers['x-should-retry']).toBe('false');
    expect(JSON.parse(reply.body)).toEqual({
      type: 'error',
      error: {
        type: 'invalid_request_error',
        message: 'ClaudeOps: budget global: hard limit $5.00 reached ($5.12 spent this day)',
      },
    });
    expect(permits).toHaveLength(1);
    expect(upstream.received).toEqual([]);
  });

  it('gives up a call whose client hangs up while it waits for its permit', async () => {
    answer = (signal) =>
      new Promise((resolve) =>
        signal.addEventListener('abort', () => resolve({ allowed: false, reason: 'abandoned' })),
      );
    const { req } = call(messagesUrl(), { body: '{}' });
    await waitFor(() => permits.length === 1, 'the permit question');
    req.destroy();
    await waitFor(() => permits[0]!.aborted, 'the question to be abandoned');
    await fetchReply(`${proxy.baseUrl(ID)}/v1/models`, { method: 'GET' });
    expect(upstream.received.map((r) => r.url)).toEqual(['/base/v1/models']);
  });

  it('aborts the model call upstream when Claude Code hangs up mid-stream', async () => {
    const upstreamClosed = new Promise<boolean>((resolve) => {
      upstream.handler = (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('event: ping\ndata: {"type":"ping"}\n\n');
        res.once('close', () => resolve(res.writableFinished));
      };
    });
    const { req, response } = call(messagesUrl(), { body: '{}' });
    const res = await response;
    res.on('error', () => undefined);
    await once(res, 'data');
    req.destroy();
    expect(await upstreamClosed).toBe(false);
  });

  it('answers 502 with an Anthropic-shaped error when the model API is unreachable', async () => {
    await proxy.close();
    await upstream.close(); // a port nobody listens on any more
    await startProxy(upstreamUrl);
    const reply = await fetchReply(messagesUrl(), { body: '{}' });
    expect(reply.status).toBe(502);
    const body = JSON.parse(reply.body) as { type: string; error: { type: string; message: string } };
    expect(body.type).toBe('error');
    expect(body.error.type).toBe('api_error');
    expect(body.error.message).toContain(`ClaudeOps: the model API at ${new URL(upstreamUrl).origin} is unreachable`);
    upstream = new Upstream();
    await upstream.start(); // for afterEach
  });

  it('answers 404 for an execution that does not run here, and for paths outside /x/<id>', async () => {
    const unknown = await fetchReply(`${proxy.baseUrl(executionId(2))}/v1/messages`, { body: '{}' });
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body)).toEqual({
      type: 'error',
      error: {
        type: 'not_found_error',
        message: `ClaudeOps: execution ${executionId(2)} is not running on this runner`,
      },
    });
    const outside = await fetchReply(`${new URL(proxy.baseUrl(ID)).origin}/v1/messages`, { body: '{}' });
    expect(outside.status).toBe(404);
    expect(permits).toEqual([]);
    expect(upstream.received).toEqual([]);
  });
});
