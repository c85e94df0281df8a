// The committed apps/control-plane/src/client/api-types.ts is what `npm run api:types` generates from the routes
// now: a route, a body or a response schema changed without regenerating fails here.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { API_TYPES_FILE, renderApiTypes, servedDocument } from './api-types';

describe('npm run api:types', () => {
  it('has been run since the routes last changed', async () => {
    const committed = await readFile(API_TYPES_FILE, 'utf8');
    const fresh = await renderApiTypes(await servedDocument());
    // On failure: run `npm run api:types` and commit apps/control-plane/src/client/api-types.ts.
    expect(committed === fresh, 'api-types.ts is stale: run npm run api:types').toBe(true);
  });

  it('types every path of the document', async () => {
    const document = (await servedDocument()) as { paths: Record<string, unknown> };
    const text = await renderApiTypes(document);
    for (const path of Object.keys(document.paths)) expect(text).toContain(`'${path}': {`);
  });
});
