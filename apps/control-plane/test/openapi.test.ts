// GET /api/v1/openapi.json as a client gets it (no credentials): every route the app serves is in it and nothing
// else, each operation says how it is authenticated as its middleware does, and its bodies are the protocol's own zod
// schemas converted (not hand-written). The independent validation is tests/unit/openapi-validate.test.ts.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { app } from '../src/app';
import { requireAdmin, requireRunner } from '../src/middleware/auth';
import { CreateExecutionBody, EXECUTION_STATUSES, Execution, ErrorBody } from '../src/protocol';
import { api } from './api-support';

type Operation = {
  operationId: string;
  summary: string;
  security: Array<Record<string, string[]>>;
  parameters?: Array<{ name: string; in: string; required: boolean; schema: Record<string, unknown> }>;
  requestBody?: { required: boolean; content: Record<string, { schema: { $ref?: string } }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: { $ref?: string } }> }>;
  'x-undocumented'?: boolean;
};
type Document = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Record<string, unknown>>; securitySchemes: Record<string, unknown> };
};

const fetchDocument = async (): Promise<Document> => {
  const response = await api('/api/v1/openapi.json', { token: null });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  return (await response.json()) as Document;
};

/** The routes the app answers (method + Hono path) with their handlers; ALL entries are the `use` middleware. */
function servedRoutes(): Map<string, unknown[]> {
  const routes = new Map<string, unknown[]>();
  for (const route of app.routes) {
    if (route.method === 'ALL') continue;
    const key = `${route.method} ${route.path}`;
    routes.set(key, [...(routes.get(key) ?? []), route.handler]);
  }
  return routes;
}

const toOpenApi = (key: string) => {
  const [method, path] = key.split(' ') as [string, string];
  return { method: method.toLowerCase(), path: path.replace(/:(\w+)/g, '{$1}') };
};

const converted = (schema: z.ZodType, io: 'input' | 'output') => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  return rest;
};

describe('GET /api/v1/openapi.json', () => {
  it('is an OpenAPI 3.1 document every client can fetch without credentials, the same on each call', async () => {
    const document = await fetchDocument();
    expect(document.openapi).toBe('3.1.0');
    expect(await fetchDocument()).toEqual(document);
  });

  it('has every route the app serves, and no route it does not', async () => {
    const document = await fetchDocument();
    const served = [...servedRoutes().keys()].map(toOpenApi).map(({ method, path }) => `${method} ${path}`);
    const documented = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method} ${path}`),
    );
    expect(documented.sort()).toEqual(served.sort());
    // The ones other parts of the issue added are there too.
    expect(documented).toEqual(
      expect.arrayContaining([
        'post /mcp',
        'get /mcp',
        'delete /mcp',
        'get /api/v1/executions/{id}/export',
        'get /api/v1/openapi.json',
      ]),
    );
  });

  it('documents every operation with doc(): a summary and its success and error responses', async () => {
    const document = await fetchDocument();
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const where = `${method.toUpperCase()} ${path}`;
        expect(operation['x-undocumented'], `${where} has no doc()`).toBeUndefined();
        expect(operation.summary, where).toMatch(/\w/);
        const statuses = Object.keys(operation.responses).map(Number);
        // A success, an upgrade, or (GET and DELETE /mcp, which a stateless MCP server refuses) a 405.
        const answered = statuses.some((status) => status === 101 || status === 405 || (status >= 200 && status < 300));
        expect(answered, where).toBe(true);
        expect(statuses, where).toEqual(expect.arrayContaining([400, 429]));
        for (const status of statuses.filter((s) => s >= 400 && s !== 405)) {
          expect(operation.responses[status]!.content?.['application/json']?.schema, `${where} ${status}`).toEqual({
            $ref: '#/components/schemas/ErrorBody',
          });
        }
      }
    }
    expect(document.components.schemas.ErrorBody).toEqual(converted(ErrorBody, 'output'));
  });

  it('says how each operation is authenticated, as its middleware does', async () => {
    const document = await fetchDocument();
    expect(Object.keys(document.components.securitySchemes).sort()).toEqual([
      'adminBearer',
      'runnerBearer',
      'sessionCookie',
    ]);
    for (const [key, handlers] of servedRoutes()) {
      const { method, path } = toOpenApi(key);
      const operation = document.paths[path]![method]!;
      const schemes = operation.security.flatMap((requirement) => Object.keys(requirement)).sort();
      if (handlers.includes(requireAdmin)) {
        expect(schemes, key).toEqual(expect.arrayContaining(['adminBearer']));
        expect(schemes, key).not.toContain('runnerBearer');
      } else if (handlers.includes(requireRunner)) {
        expect(schemes, key).toEqual(['runnerBearer']);
      } else {
        expect(operation.security, key).toEqual([]);
      }
      if (operation.security.length > 0) {
        expect(Object.keys(operation.responses).map(Number), key).toEqual(expect.arrayContaining([400, 401, 404, 429]));
      }
    }
    expect(document.paths['/api/v1/health']!.get!.security).toEqual([]);
    expect(document.paths['/api/v1/executions']!.post!.security).toEqual([{ adminBearer: [] }, { sessionCookie: [] }]);
  });

  it("converts the protocol's own zod schemas for bodies, responses and query parameters", async () => {
    const document = await fetchDocument();
    const create = document.paths['/api/v1/executions']!.post!;
    expect(create.requestBody).toMatchObject({
      required: true,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/CreateExecutionBody' } } },
    });
    expect(document.components.schemas.CreateExecutionBody).toEqual(converted(CreateExecutionBody, 'input'));
    expect(create.responses[201]!.content!['application/json']!.schema).toEqual({
      $ref: '#/components/schemas/Execution',
    });
    expect(document.components.schemas.Execution).toEqual(converted(Execution, 'output'));

    const list = document.paths['/api/v1/executions']!.get!;
    const status = list.parameters!.find((parameter) => parameter.name === 'status')!;
    expect(status).toMatchObject({ in: 'query', required: false, schema: { enum: [...EXECUTION_STATUSES] } });
    expect(list.parameters!.find((parameter) => parameter.name === 'limit')).toMatchObject({
      required: false,
      schema: { type: 'integer', maximum: 200, default: 50 },
    });

    const read = document.paths['/api/v1/executions/{id}']!.get!;
    expect(read.parameters).toEqual([
      expect.objectContaining({ name: 'id', in: 'path', required: true, schema: expect.objectContaining({}) }),
    ]);
    // An optional body (`{}` or nothing) is not required.
    expect(document.paths['/api/v1/executions/{id}/cancel']!.post!.requestBody!.required).toBe(false);
  });

  it('documents WebSocket upgrades as GET with a 101', async () => {
    const document = await fetchDocument();
    for (const path of [
      '/api/v1/runners/connect',
      '/api/v1/executions/{id}/stream',
      '/api/v1/executions/{id}/events',
    ]) {
      const operation = document.paths[path]!.get!;
      expect(operation.responses[101]?.description, path).toMatch(/\w/);
    }
    expect(document.paths['/api/v1/runners/connect']!.get!.responses[426]).toBeDefined();
  });
});
