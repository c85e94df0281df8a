// The OpenAPI document as the real control plane serves it (`wrangler dev`), checked by an independent validator
// (@readme/openapi-parser: the OpenAPI 3.1 schema, then its own rules: unique operationIds, path parameters
// declared, $refs that resolve), and equal to the one `npm run api:types` builds in-process for the typed client.
import { validate } from '@readme/openapi-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servedDocument } from '../../scripts/api-types';
import { startControlPlane, type ControlPlane } from '../fixtures/control-plane';

let controlPlane: ControlPlane;
let served: Record<string, unknown>;

beforeAll(async () => {
  controlPlane = await startControlPlane();
  const response = await fetch(`${controlPlane.url}/api/v1/openapi.json`);
  expect(response.status).toBe(200);
  served = (await response.json()) as Record<string, unknown>;
}, 180_000);

afterAll(async () => {
  await controlPlane?.dispose();
});

describe('the served OpenAPI document', () => {
  it('is valid OpenAPI 3.1 for an independent validator', async () => {
    // The validator dereferences in place: give it its own copy.
    const result = await validate(structuredClone(served) as never);
    expect(result.valid ? [] : result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(served).toMatchObject({ openapi: '3.1.0' });
  });

  it('is the document the typed client is generated from', async () => {
    expect(await servedDocument()).toEqual(served);
  });

  it('is refused to a validator when broken (the check can fail)', async () => {
    const broken = structuredClone(served) as { paths: Record<string, Record<string, { parameters?: unknown[] }>> };
    // A path parameter nobody declares.
    broken.paths['/api/v1/executions/{id}']!.get!.parameters = [];
    const result = await validate(broken as never);
    expect(result.valid).toBe(false);
  });
});
