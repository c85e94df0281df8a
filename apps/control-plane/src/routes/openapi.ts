// GET /api/v1/openapi.json: the OpenAPI 3.1 document of this API, no auth, generated from the app's own routes
// (openapi/generate.ts) once per isolate. Outside clients generate their types from it
// (`npx openapi-typescript http://127.0.0.1:8787/api/v1/openapi.json`); so does scripts/api-types.ts.
import { Hono } from 'hono';
import type { RouterRoute } from 'hono/types';
import packageJson from '../../package.json';
import type { AppEnv } from '../env';
import { doc } from '../openapi/describe';
import { generateOpenApi } from '../openapi/generate';
import { OpenApiDocument } from '../protocol';

/** `routes` is read on the first request, when the app has mounted everything (app.ts mounts this last). */
export function openapiRoutes(routes: () => readonly RouterRoute[]) {
  let cached: string | null = null;
  return new Hono<AppEnv>().get(
    '/',
    doc({
      summary: 'This OpenAPI 3.1 document',
      description: 'Generated from the zod schemas the routes parse with; the typed client is generated from it.',
      tags: ['meta'],
      responses: { 200: { description: 'The OpenAPI document', schema: OpenApiDocument } },
    }),
    (c) => {
      cached ??= JSON.stringify(generateOpenApi(routes(), { version: packageJson.version }));
      return c.body(cached, 200, { 'content-type': 'application/json; charset=utf-8' });
    },
  );
}
