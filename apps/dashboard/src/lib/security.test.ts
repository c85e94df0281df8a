// The Security section's logic: what rotating the admin token shows after each answer, and the retention form.
import { describe, expect, it } from 'vitest';
import { ApiError } from './api-client';
import { readRetention, retentionSummary, retentionToText, rotate } from './security';

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

describe('the retention form', () => {
  it('keeps everything when a field is empty, and reads whole days', () => {
    expect(retentionToText({ auditDays: null, approvalsDays: 30, executionsDays: 365 })).toEqual({
      auditDays: '',
      approvalsDays: '30',
      executionsDays: '365',
    });
    expect(readRetention({ auditDays: ' ', approvalsDays: '30', executionsDays: ' 365 ' })).toEqual({
      ok: true,
      days: { auditDays: null, approvalsDays: 30, executionsDays: 365 },
    });
  });

  it('says which field is not a whole number of days', () => {
    const read = readRetention({ auditDays: '0', approvalsDays: '1.5', executionsDays: 'forever' });
    expect(read.ok).toBe(false);
    if (!read.ok) expect(Object.keys(read.errors).sort()).toEqual(['approvalsDays', 'auditDays', 'executionsDays']);
  });

  it('summarises a setting in words', () => {
    expect([retentionSummary(null), retentionSummary(1), retentionSummary(90)]).toEqual(['kept', '1 day', '90 days']);
  });
});
