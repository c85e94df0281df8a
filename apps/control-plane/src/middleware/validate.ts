// Parses request bodies, queries and path params with the protocol's zod schemas; bad input is a 400 naming the field.
// Each validator is tagged with its schema, which the OpenAPI document (openapi/generate.ts) is built from.
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { z } from 'zod';
import type { AppEnv } from '../env';
import { AppError } from '../errors';
import { ROUTE_INPUT, tag } from '../openapi/describe';

/** Largest request body accepted (a prompt is at most 100k characters). */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Refuses a body over MAX_BODY_BYTES with a 413, before any handler reads it (for /api/* and /mcp). */
export const limitBody = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw new AppError('PAYLOAD_TOO_LARGE', `the request body is larger than ${MAX_BODY_BYTES} bytes`);
  },
});

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

type Target = 'json' | 'query' | 'param';
type Validated<K extends Target, T extends z.ZodType> = MiddlewareHandler<
  AppEnv,
  string,
  { in: { [P in K]: z.input<T> }; out: { [P in K]: z.output<T> } }
>;

const LABEL: Record<Target, string> = { json: 'body', query: 'query', param: 'path' };

/** "body.prompt: Too small..." — where the fault is, then zod's words; at most three faults. */
export function describeIssues(error: z.ZodError, target: Target): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => {
      const where = [LABEL[target], ...issue.path.map(String)].join('.');
      return `${where}: ${issue.message}`;
    })
    .join('; ');
}

function parse<T extends z.ZodType>(schema: T, value: unknown, target: Target): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new AppError('BAD_REQUEST', describeIssues(result.error, target));
  return result.data;
}

async function readJson(c: Context, optional: boolean): Promise<unknown> {
  const contentType = c.req.header('content-type');
  const isJson = contentType !== undefined && JSON_MEDIA_TYPE.test(contentType.split(';')[0]!.trim());
  const wrongType = () =>
    new AppError('BAD_REQUEST', `Content-Type must be application/json, not ${contentType ?? 'absent'}`);
  if (contentType !== undefined && !isJson) {
    // An empty form post (curl -X POST -d '') carries no fields, which is all an optional body asks for.
    if (optional && c.req.header('content-length') === '0') return {};
    throw wrongType();
  }
  const text = await c.req.text();
  if (text.trim() === '') {
    if (optional) return {};
    throw new AppError('BAD_REQUEST', 'the request needs a JSON body');
  }
  if (!isJson) throw wrongType();
  let value: unknown;
  try {
    value = JSON.parse(text, noLoneSurrogates);
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError('BAD_REQUEST', 'the request body is not valid JSON');
  }
  return value;
}

/** In `u` mode a surrogate pair is one code point, so this matches only a half on its own. */
const LONE_SURROGATE = /\p{Cs}/u;

/** A `\ud800` escape parses to a string D1 cannot store as it is (it would come back as U+FFFD): refuse it here. */
function noLoneSurrogates(key: string, value: unknown): unknown {
  if ((typeof value === 'string' && LONE_SURROGATE.test(value)) || LONE_SURROGATE.test(key)) {
    throw new AppError('BAD_REQUEST', 'the request body has a string that is not valid Unicode (a lone surrogate)');
  }
  return value;
}

/** The JSON body, parsed with `schema`; `optional` lets an empty body stand for `{}`. */
export function jsonBody<T extends z.ZodType>(schema: T, opts: { optional?: boolean } = {}): Validated<'json', T> {
  const optional = opts.optional ?? false;
  const validate: Validated<'json', T> = async (c, next) => {
    const value = await readJson(c, optional);
    c.req.addValidatedData('json', parse(schema, value, 'json') as object);
    await next();
  };
  return tag(validate, ROUTE_INPUT, { target: 'json', schema, optional });
}

/** The query string, parsed with `schema` (a repeated parameter arrives as an array and fails a string field). */
export function query<T extends z.ZodType>(schema: T): Validated<'query', T> {
  const validate: Validated<'query', T> = async (c, next) => {
    const raw = Object.fromEntries(
      Object.entries(c.req.queries()).map(([key, values]) => [key, values.length === 1 ? values[0] : values]),
    );
    c.req.addValidatedData('query', parse(schema, raw, 'query') as object);
    await next();
  };
  return tag(validate, ROUTE_INPUT, { target: 'query', schema });
}

/** The path parameters, parsed with `schema`. */
export function params<T extends z.ZodType>(schema: T): Validated<'param', T> {
  const validate: Validated<'param', T> = async (c, next) => {
    c.req.addValidatedData('param', parse(schema, c.req.param(), 'param') as object);
    await next();
  };
  return tag(validate, ROUTE_INPUT, { target: 'param', schema });
}
