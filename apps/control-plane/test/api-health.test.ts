// GET /api/v1/health, unknown routes, and the rule that tokens never travel in URLs.
import { describe, expect, it } from 'vitest';
import packageJson from '../package.json';
import { Health } from '../src/protocol';
import { api, expectError } from './api-support';

describe('health', () => {
  it('answers without credentials, with the package version', async () => {
    const response = await api('/api/v1/health', { token: null });
    expect(response.status).toBe(200);
    expect(Health.parse(await response.json())).toEqual({ ok: true, version: packageJson.version });
  });

  it('answers an unknown route with a JSON 404', async () => {
    await expectError(await api('/api/v1/nothing-here'), 404, 'NOT_FOUND', 'GET /api/v1/nothing-here');
    await expectError(await api('/'), 404, 'NOT_FOUND');
  });

  it('refuses a token in the query string, even where no auth is needed', async () => {
    await expectError(
      await api('/api/v1/health?token=abc', { token: null }),
      400,
      'BAD_REQUEST',
      /never accepted in URLs/,
    );
    await expectError(await api('/api/v1/executions?access_token=abc'), 400, 'BAD_REQUEST', /access_token/);
  });
});
