// What a route says about itself for the OpenAPI document: `doc({...})` is a pass-through middleware placed first in
// a route's handler list; the generator (openapi/generate.ts) reads it, the validators' schemas (middleware/
// validate.ts) and the auth middleware from `app.routes`. Nothing here is hand-written JSON Schema: bodies are the
// protocol's zod schemas, converted when the document is built.
import type { MiddlewareHandler } from 'hono';
import type { z } from 'zod';

export interface ResponseDoc {
  description: string;
  /** The JSON body's schema; omit for an empty body or when `contentType` is not JSON. */
  schema?: z.ZodType;
  /** Defaults to application/json when `schema` is set. */
  contentType?: string;
}

export interface RouteDoc {
  summary: string;
  description?: string;
  /** The resource it belongs to; defaults to the path's first segment after /api/v1. */
  tags?: string[];
  /** Success responses by status (2xx, 101). The error responses (4xx with ErrorBody) are added by the generator. */
  responses: Record<number, ResponseDoc>;
  /** A request body that is not JSON (e.g. a patch upload): its media types and a description. */
  rawBody?: { contentTypes: string[]; description: string };
  /** Query or header parameters that are read without a zod schema (rare: prefer `query(schema)`). */
  extraParameters?: Array<{ name: string; in: 'query' | 'header'; description: string; required?: boolean }>;
}

export const ROUTE_DOC = Symbol.for('claudeops.routeDoc');
export const ROUTE_INPUT = Symbol.for('claudeops.routeInput');
export const ROUTE_AUTH = Symbol.for('claudeops.routeAuth');

export type InputTarget = 'json' | 'query' | 'param';
export type AuthKind = 'admin' | 'runner' | 'admin-or-runner' | 'registration';

/** Tags a middleware with a value the generator can find on `app.routes[i].handler`. */
export function tag<M extends (...args: never[]) => unknown>(handler: M, key: symbol, value: unknown): M {
  (handler as unknown as Record<symbol, unknown>)[key] = value;
  return handler;
}

/** Describes a route; does nothing at request time. */
export function doc(description: RouteDoc): MiddlewareHandler {
  return tag(async (_c, next) => next(), ROUTE_DOC, description);
}
