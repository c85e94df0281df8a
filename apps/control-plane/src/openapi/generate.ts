// Builds the OpenAPI 3.1 document of the HTTP API from the Hono app's `app.routes`: each route's `doc()` (summary,
// success responses), its validators' zod schemas (body, query, path) and its auth middleware, all found by the tags
// of openapi/describe.ts. Nothing is hand-written JSON Schema. Served by routes/openapi.ts; scripts/api-types.ts
// turns it into the typed client's paths.
import type { RouterRoute } from 'hono/types';
import type { z } from 'zod';
import { SESSION_COOKIE } from '../middleware/session-cookie';
import { ErrorBody } from '../protocol';
import { ROUTE_AUTH, ROUTE_DOC, ROUTE_INPUT, type AuthKind, type InputTarget, type RouteDoc } from './describe';
import { SchemaBook, toJsonSchema, type JsonSchema } from './schemas';

/** What a validator in middleware/validate.ts is tagged with. */
export interface RouteInput {
  target: InputTarget;
  schema: z.ZodType;
  optional?: boolean;
}

/** The auth tags the generator knows: describe.ts's kinds, and `admin-bearer` (the admin token as a Bearer header
 * only, no cookie: /mcp). */
export type RouteAuth = AuthKind | 'admin-bearer';

/** One method on one path, with everything its handlers say about it. */
export interface Operation {
  method: string;
  /** Hono's path, e.g. /api/v1/executions/:id */
  path: string;
  doc?: RouteDoc;
  inputs: RouteInput[];
  auth?: RouteAuth;
}

/** An `ALL` entry with a `doc()` (a route taking any method) is documented as these. */
const ALL_METHODS = ['GET', 'POST', 'DELETE'];

const tagOf = <T>(handler: unknown, key: symbol): T | undefined =>
  (handler as Record<symbol, T | undefined>)[key] ?? undefined;

/** Groups `app.routes` by method and path; `ALL` entries without a doc are middleware (`use`), not routes. */
export function collectOperations(routes: readonly RouterRoute[]): Operation[] {
  const byKey = new Map<string, Operation>();
  const middleware = new Map<string, RouterRoute[]>();
  for (const route of routes) {
    if (route.method === 'ALL') {
      const list = middleware.get(route.path) ?? [];
      middleware.set(route.path, [...list, route]);
      continue;
    }
    const key = `${route.method} ${route.path}`;
    const operation = byKey.get(key) ?? { method: route.method, path: route.path, inputs: [] };
    byKey.set(key, operation);
    absorb(operation, route.handler);
  }
  for (const [path, list] of middleware) {
    const docHandler = list.find((route) => tagOf(route.handler, ROUTE_DOC) !== undefined);
    if (docHandler === undefined || path.includes('*')) continue;
    for (const method of ALL_METHODS) {
      const operation: Operation = { method, path, inputs: [] };
      for (const route of list) absorb(operation, route.handler);
      byKey.set(`${method} ${path}`, byKey.get(`${method} ${path}`) ?? operation);
    }
  }
  return [...byKey.values()];
}

function absorb(operation: Operation, handler: unknown): void {
  operation.doc ??= tagOf<RouteDoc>(handler, ROUTE_DOC);
  const input = tagOf<RouteInput>(handler, ROUTE_INPUT);
  if (input !== undefined) operation.inputs.push(input);
  // The last auth middleware is the strictest (requireAdmin, then a bearer-only check).
  operation.auth = tagOf<RouteAuth>(handler, ROUTE_AUTH) ?? operation.auth;
}

/** Hono's `/:id` as OpenAPI's `/{id}`. */
export const openApiPath = (path: string): string => path.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, '{$1}');

const pascal = (text: string) =>
  text
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join('');

/** postExecutionsByIdCancel: the method and the path after /api/v1, each `{param}` as `By<Param>`. */
export function operationId(method: string, path: string): string {
  const words = openApiPath(path)
    .replace(/^\/api\/v1/, '')
    .split('/')
    .filter(Boolean)
    .map((segment) => (segment.startsWith('{') ? `By${pascal(segment)}` : pascal(segment)));
  return method.toLowerCase() + words.join('');
}

const SECURITY: Record<RouteAuth, Array<Record<string, string[]>>> = {
  admin: [{ adminBearer: [] }, { sessionCookie: [] }],
  'admin-bearer': [{ adminBearer: [] }],
  runner: [{ runnerBearer: [] }],
  'admin-or-runner': [{ adminBearer: [] }, { sessionCookie: [] }, { runnerBearer: [] }],
  // The registration token travels in the body, not in a header.
  registration: [],
};

const ERROR_TEXT: Record<number, string> = {
  400: 'Bad input: a field, the query, the path, or a token in the URL (the message names which)',
  401: 'No credentials, or credentials that are not valid',
  403: 'Credentials of the wrong kind (a runner token on an admin route), or a cookie from another origin',
  404: 'The resource does not exist',
  409: 'The resource is not in a state that allows this (already ended, already answered, exists)',
  413: 'The request body is larger than the limit',
  426: 'A WebSocket endpoint called without `Upgrade: websocket`',
  429: 'Too many requests; see Retry-After',
};

/** The error statuses a route can answer, from what it is made of. */
function errorStatuses(op: Operation, hasBody: boolean, socketOnly: boolean): number[] {
  const statuses = new Set<number>();
  // noTokenInUrl and the rate limit guard every route under /api and /mcp.
  if (op.path.startsWith('/api/') || op.path.startsWith('/mcp')) statuses.add(400).add(429);
  // /hooks/:id (webhook deliveries): its own rate limit, a signature (401), a disabled webhook (403), its body limit.
  if (op.path.startsWith('/hooks/')) statuses.add(400).add(401).add(403).add(413).add(429);
  if (op.inputs.length > 0) statuses.add(400);
  const authed = op.auth !== undefined && op.auth !== 'registration';
  if (authed) statuses.add(401).add(403).add(404);
  // A credential in the body (a registration token, the admin token at login) is a 401 when it is wrong.
  const jsonBody = op.inputs.some((input) => input.target === 'json');
  if (op.auth === 'registration' || (!authed && jsonBody && op.method === 'POST')) statuses.add(401);
  if (op.path.includes(':')) statuses.add(404);
  if (hasBody) statuses.add(413);
  if (authed && op.method !== 'GET') statuses.add(409);
  if (socketOnly) statuses.add(426);
  return [...statuses].sort((a, b) => a - b);
}

function parameters(op: Operation): JsonSchema[] {
  const out: JsonSchema[] = [];
  const pathSchema = op.inputs.find((input) => input.target === 'param');
  const pathProps = pathSchema
    ? (toJsonSchema(pathSchema.schema, 'input').properties as Record<string, JsonSchema>)
    : {};
  for (const [, name] of op.path.matchAll(/:([A-Za-z0-9_]+)/g)) {
    const schema = pathProps[name!] ?? { type: 'string' };
    out.push(withDescription({ name, in: 'path', required: true, schema }));
  }
  for (const input of op.inputs.filter((i) => i.target === 'query')) {
    const converted = toJsonSchema(input.schema, 'input');
    const required = new Set((converted.required as string[] | undefined) ?? []);
    for (const [name, schema] of Object.entries((converted.properties ?? {}) as Record<string, JsonSchema>)) {
      out.push(withDescription({ name, in: 'query', required: required.has(name), schema }));
    }
  }
  for (const extra of op.doc?.extraParameters ?? []) {
    out.push({ ...extra, required: extra.required ?? false, schema: { type: 'string' } });
  }
  return out;
}

/** A parameter's description is its schema's (`.describe(...)`), shown beside it. */
function withDescription(parameter: JsonSchema & { schema: JsonSchema }): JsonSchema {
  const description = parameter.schema.description;
  return typeof description === 'string' ? { ...parameter, description } : parameter;
}

function requestBody(op: Operation, id: string, book: SchemaBook): JsonSchema | undefined {
  const json = op.inputs.find((input) => input.target === 'json');
  if (json !== undefined) {
    return {
      required: !(json.optional ?? false),
      ...(json.optional ? { description: 'May be empty (stands for `{}`)' } : {}),
      content: { 'application/json': { schema: book.ref(json.schema, 'input', `${pascal(id)}Body`) } },
    };
  }
  const raw = op.doc?.rawBody;
  if (raw === undefined) return undefined;
  return {
    required: true,
    description: raw.description,
    content: Object.fromEntries(raw.contentTypes.map((type) => [type, { schema: { type: 'string' } }])),
  };
}

function responses(op: Operation, id: string, book: SchemaBook, hasBody: boolean): JsonSchema {
  const out: Record<string, JsonSchema> = {};
  const documented = op.doc?.responses ?? { 200: { description: 'Undocumented' } };
  for (const [status, response] of Object.entries(documented)) {
    const entry: JsonSchema = { description: response.description };
    if (response.schema !== undefined) {
      const schema = book.ref(response.schema, 'output', `${pascal(id)}${status}Response`);
      entry.content = { [response.contentType ?? 'application/json']: { schema } };
    } else if (response.contentType !== undefined) {
      entry.content = { [response.contentType]: { schema: {} } };
    }
    out[status] = entry;
  }
  const statuses = Object.keys(documented).map(Number);
  const socketOnly = statuses.includes(101) && !statuses.some((status) => status >= 200 && status < 300);
  const error = { 'application/json': { schema: book.ref(ErrorBody, 'output', 'ErrorBody') } };
  for (const status of errorStatuses(op, hasBody, socketOnly)) {
    out[String(status)] ??= { description: ERROR_TEXT[status]!, content: error };
  }
  return out;
}

const firstSegment = (path: string) =>
  path
    .replace(/^\/api\/v1/, '')
    .split('/')
    .filter(Boolean)[0] ?? 'api';

function operation(op: Operation, book: SchemaBook): JsonSchema {
  const id = operationId(op.method, op.path);
  const body = requestBody(op, id, book);
  const params = parameters(op);
  const result: JsonSchema = {
    operationId: id,
    summary: op.doc?.summary ?? `${op.method} ${op.path} (undocumented)`,
    ...(op.doc?.description === undefined ? {} : { description: op.doc.description }),
    tags: op.doc?.tags ?? [firstSegment(op.path)],
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(body === undefined ? {} : { requestBody: body }),
    responses: responses(op, id, book, body !== undefined),
    security: op.auth === undefined ? [] : SECURITY[op.auth],
  };
  if (op.doc === undefined) result['x-undocumented'] = true;
  return result;
}

export interface DocumentInfo {
  version: string;
}

/** The whole document. Operations without a `doc()` are still listed, marked `x-undocumented` (a test fails on
 * them); serving never fails for one. */
export function generateOpenApi(routes: readonly RouterRoute[], info: DocumentInfo): JsonSchema {
  const book = new SchemaBook();
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const op of collectOperations(routes)) {
    const item = (paths[openApiPath(op.path)] ??= {});
    item[op.method.toLowerCase()] = operation(op, book);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'ClaudeOps control plane',
      version: info.version,
      description:
        'HTTP API v1 of the ClaudeOps control plane, generated from the zod schemas the routes parse with. Errors are ' +
        "`{ error: { code, message } }`. Admin routes take the admin token as a Bearer header or the dashboard's " +
        'session cookie (POST /api/v1/sessions); runner routes take a runner token.',
    },
    paths,
    components: {
      schemas: book.components(),
      securitySchemes: {
        adminBearer: { type: 'http', scheme: 'bearer', description: 'The admin token (coa_…)' },
        sessionCookie: {
          type: 'apiKey',
          in: 'cookie',
          name: SESSION_COOKIE,
          description: 'The dashboard session, set by POST /api/v1/sessions',
        },
        runnerBearer: { type: 'http', scheme: 'bearer', description: 'A runner token (cor_…), from registration' },
      },
    },
  };
}
