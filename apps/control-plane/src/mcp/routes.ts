// /mcp: the remote MCP server (Streamable HTTP, the official @modelcontextprotocol/sdk), for Claude Code and other
// agents: `claude mcp add --transport http claudeops https://…/mcp --header "Authorization: Bearer $TOKEN"`.
//
// Stateless: every POST gets a fresh McpServer and WebStandardStreamableHTTPServerTransport (no session id, JSON
// responses), so any isolate answers any request. GET (the server-to-client SSE stream) and DELETE (ending a
// session) need sessions, so they are a 405, as the SDK's own stateless examples answer them.
//
// Auth: the admin Bearer token only (requireAdmin, then "via bearer": a dashboard cookie or an Access identity is
// not accepted here, since an MCP client is a program, not a browser page). 401s carry `WWW-Authenticate: Bearer`.
// The protections /api/* has in app.ts (no tokens in the URL, the HTTP rate limit, the body limit) apply here too.
//
// The tools call the API in-process: `callApi` sends a Request through the whole app (`app.fetch`) with the
// caller's Authorization header, so a tool runs the route's own validation, auth, logic and error mapping, nothing
// re-implemented. app.ts imports this file, so the app is imported lazily (`import('../app')` on the first tool
// call, when both modules have long finished loading): no import cycle at load time. Each tool call is a second
// request against the caller's rate-limit bucket; the default burst (1200 a minute) leaves ample room.
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { Hono, type Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import packageJson from '../../package.json';
import type { AppEnv } from '../env';
import { AppError } from '../errors';
import { adminBootstrap } from '../middleware/admin-bootstrap';
import { noTokenInUrl, requireAdmin } from '../middleware/auth';
import { rateLimit } from '../middleware/rate-limit';
import { limitBody } from '../middleware/validate';
import { doc, ROUTE_AUTH, tag } from '../openapi/describe';
import { ErrorBody as ErrorBodySchema, type ErrorBody, type ErrorCode } from '../protocol';
import { mcpCallHeaders } from '../executions/create';
import { createMcpServer, type ApiCall, type CallApi } from './tools';

const API_PREFIX = '/api/v1';

/** A 401 tells an MCP client how to authenticate (RFC 6750), beside the usual JSON error body. */
const bearerChallenge = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  if (c.res.status === 401) c.res.headers.set('WWW-Authenticate', 'Bearer realm="claudeops"');
});

/** The admin token as a Bearer header, nothing else (no cookie, no Access identity). Tagged for the OpenAPI
 * generator: after requireAdmin, it narrows the route's security to the admin Bearer token. */
const bearerOnly = tag(
  createMiddleware<AppEnv>(async (c, next) => {
    const identity = c.get('identity');
    if (identity.kind !== 'admin' || identity.via !== 'bearer') {
      throw new AppError(
        'UNAUTHORIZED',
        'the MCP endpoint takes the admin token: send "Authorization: Bearer <token>"',
      );
    }
    await next();
  }),
  ROUTE_AUTH,
  'admin-bearer',
);

function queryString(query: Record<string, unknown> | undefined): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null) search.set(key, String(value));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

function executionContext(c: Context<AppEnv>) {
  try {
    return c.executionCtx;
  } catch {
    return undefined; // Hono throws when the runtime gave none (app.request in a unit test)
  }
}

/** Sends `call` through the app with the caller's credentials, as if the caller had sent it. */
function inProcessApi(c: Context<AppEnv>): CallApi {
  const authorization = c.req.header('authorization')!;
  return async (call: ApiCall) => {
    const { app } = await import('../app');
    const url = new URL(`${API_PREFIX}${call.path}${queryString(call.query)}`, c.req.url);
    const headers = new Headers({ authorization, accept: 'application/json', ...mcpCallHeaders() });
    let body: string | undefined;
    if (call.body !== undefined) {
      body = JSON.stringify(call.body);
      headers.set('content-type', 'application/json');
    }
    const forwarded = c.req.header('cf-connecting-ip');
    if (forwarded !== undefined) headers.set('cf-connecting-ip', forwarded);
    const response = await app.fetch(
      new Request(url, { method: call.method, headers, body }),
      c.env,
      executionContext(c),
    );
    const text = await response.text();
    let parsed: unknown = null;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      parsed = { error: { code: 'INTERNAL', message: `the API answered HTTP ${response.status} without JSON` } };
    }
    return { status: response.status, body: parsed };
  };
}

/** The transport's own HTTP errors (406 without the right Accept, 400 for JSON that is no JSON-RPC, 415…) in the
 * API's error shape, as every 4xx of ClaudeOps is; MCP clients read an HTTP error's status and text, not JSON-RPC. */
async function asApiError(response: Response): Promise<Response> {
  if (response.status < 400 || response.status >= 500) return response;
  const text = await response.text();
  let message = text;
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } };
    if (typeof body.error?.message === 'string') message = body.error.message;
  } catch {
    // not JSON: the text is the message
  }
  const code: ErrorCode =
    response.status === 404 ? 'NOT_FOUND' : response.status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST';
  const headers = new Headers(response.headers);
  headers.set('content-type', 'application/json');
  headers.delete('content-length');
  const body: ErrorBody = { error: { code, message: message || `HTTP ${response.status}` } };
  return new Response(JSON.stringify(body), { status: response.status, headers });
}

const methodNotAllowed = (c: Context<AppEnv>) =>
  c.json(
    {
      error: {
        code: 'BAD_REQUEST',
        message: `${c.req.method} /mcp is not offered: this MCP server is stateless (no sessions); send every message with POST`,
      },
    } satisfies ErrorBody,
    405,
    { Allow: 'POST' },
  );

const sessionlessDoc = (what: string) =>
  doc({
    summary: `MCP Streamable HTTP ${what}: not offered (the server is stateless)`,
    description: 'Answers 405 (with the usual error body); every MCP message goes by POST /mcp.',
    tags: ['mcp'],
    responses: { 405: { description: 'Method not allowed: the server is stateless', schema: ErrorBodySchema } },
  });

export const mcpRoutes = new Hono<AppEnv>()
  .use('*', bearerChallenge, noTokenInUrl, rateLimit, limitBody, adminBootstrap)
  .post(
    '/',
    doc({
      summary: 'MCP server (Streamable HTTP, stateless)',
      description:
        'JSON-RPC 2.0 messages of the Model Context Protocol: initialize, tools/list, tools/call. Tools: ' +
        'start_execution, get_execution, list_executions, get_events, cancel_execution, list_approvals, ' +
        'decide_approval, list_runners, get_costs, send_message. Send `Accept: application/json, text/event-stream`.',
      tags: ['mcp'],
      rawBody: { contentTypes: ['application/json'], description: 'A JSON-RPC 2.0 message (or a batch)' },
      responses: {
        200: { description: 'The JSON-RPC response', contentType: 'application/json' },
        202: { description: 'Accepted (a notification or response; nothing to answer)' },
      },
    }),
    requireAdmin,
    bearerOnly,
    async (c) => {
      const transport = new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: undefined,
        enableJsonResponse: true,
      });
      const server = createMcpServer(inProcessApi(c), packageJson.version);
      await server.connect(transport);
      return asApiError(await transport.handleRequest(c.req.raw));
    },
  )
  .get('/', sessionlessDoc('GET (server-to-client stream)'), requireAdmin, bearerOnly, methodNotAllowed)
  .delete('/', sessionlessDoc('DELETE (end a session)'), requireAdmin, bearerOnly, methodNotAllowed);
