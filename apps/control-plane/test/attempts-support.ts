// Helpers for the attempts-*.test.ts files: executions created through the API (so each is the root of its chain),
// status moves a runner or the Fleet would make, and the detail view with its attempts.
import { env } from 'cloudflare:workers';
import { expect } from 'vitest';
import { Execution, ExecutionDetail, type ExecutionStatus } from '../src/protocol';
import { api } from './api-support';
import { uniqueLabel } from './do-support';

export const EXECUTIONS = '/api/v1/executions';

/** An execution created through the API; it carries a label of its own unless told otherwise, so only a test's
 * own runners are ever offered it. */
export async function createExecution(body: Record<string, unknown> = {}): Promise<Execution> {
  const response = await api(EXECUTIONS, {
    method: 'POST',
    body: { prompt: 'fix the flaky test', labels: [uniqueLabel()], ...body },
  });
  expect(response.status).toBe(201);
  return Execution.parse(await response.json());
}

/** Moves an execution as its runner's status events (or a Fleet's claim) would, without running anything. */
export async function setStatus(id: string, status: ExecutionStatus, runnerId: string | null = null): Promise<void> {
  await env.DB.prepare('UPDATE executions SET status = ?, runner_id = COALESCE(?, runner_id) WHERE id = ?')
    .bind(status, runnerId, id)
    .run();
}

export async function detail(id: string): Promise<ExecutionDetail> {
  const response = await api(`${EXECUTIONS}/${id}`);
  expect(response.status).toBe(200);
  return ExecutionDetail.parse(await response.json());
}

export function retry(id: string, body?: unknown): Promise<Response> {
  return api(`${EXECUTIONS}/${id}/retry`, { method: 'POST', body });
}
