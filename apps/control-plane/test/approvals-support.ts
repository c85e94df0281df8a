// Helpers for the approvals-*.test.ts files: approval events as a runner sends them, and the approvals API.
import { expect } from 'vitest';
import { newApprovalId } from '../src/lib/ids';
import { Approval, page, type EventData, type ExecutionEvent } from '../src/protocol';
import { api } from './api-support';

export const APPROVALS = '/api/v1/approvals';
export const ApprovalPage = page(Approval);

export const requestedEvent = (
  seq: number,
  fields: Partial<EventData<'approval.requested'>> = {},
): ExecutionEvent & { type: 'approval.requested' } => ({
  seq,
  ts: new Date().toISOString(),
  type: 'approval.requested',
  data: {
    approvalId: newApprovalId(),
    tool: 'Bash',
    input: { command: 'npm test', description: 'run the tests' },
    summary: '$ npm test',
    pattern: 'Bash(npm test:*)',
    toolUseId: 'toolu_1',
    timeoutMs: 600_000,
    ...fields,
  },
});

export const decidedEvent = (seq: number, data: EventData<'approval.decided'>): ExecutionEvent => ({
  seq,
  ts: new Date().toISOString(),
  type: 'approval.decided',
  data,
});

export function decide(id: string, body: Record<string, unknown>): Promise<Response> {
  return api(`${APPROVALS}/${id}/decision`, { method: 'POST', body });
}

export async function approval(id: string): Promise<Approval> {
  const response = await api(`${APPROVALS}/${id}`);
  expect(response.status).toBe(200);
  return Approval.parse(await response.json());
}

export async function approvalsOf(executionId: string, status?: string): Promise<Approval[]> {
  const response = await api(`${APPROVALS}?executionId=${executionId}${status ? `&status=${status}` : ''}`);
  expect(response.status).toBe(200);
  return ApprovalPage.parse(await response.json()).items;
}
