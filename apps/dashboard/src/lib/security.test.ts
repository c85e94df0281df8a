// The Security section's logic: what rotating the admin token shows after each answer.
import { describe, expect, it } from 'vitest';
import { ApiError } from './api-client';
import { rotate } from './security';

describe('rotating the admin token', () => {
  it('shows the new token', async () => {
    expect(await rotate({ rotateAdminToken: async () => ({ token: 'coa_new' }) })).toEqual({
      kind: 'rotated',
      token: 'coa_new',
    });
  });

  it('shows the API’s own message when the token comes from CLAUDEOPS_ADMIN_TOKEN (409)', async () => {
    const message = 'the admin token is set by CLAUDEOPS_ADMIN_TOKEN; change it there';
    const refused = await rotate({
      rotateAdminToken: async () => Promise.reject(new ApiError(409, 'CONFLICT', message)),
    });
    expect(refused).toEqual({ kind: 'refused', message });
  });

  it('says it failed otherwise, with the API’s message when there is one', async () => {
    expect(
      await rotate({ rotateAdminToken: async () => Promise.reject(new ApiError(0, 'NETWORK', 'unreachable')) }),
    ).toEqual({ kind: 'failed', message: 'unreachable' });
    expect(await rotate({ rotateAdminToken: async () => Promise.reject(new Error('boom')) })).toEqual({
      kind: 'failed',
      message: 'The admin token could not be rotated.',
    });
  });
});
