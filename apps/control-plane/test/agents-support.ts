// Helpers for the agents-*.test.ts and approvals-*.test.ts files: agent templates created through the API.
import { expect } from 'vitest';
import { Agent, AuditEntry, page } from '../src/protocol';
import { api } from './api-support';

export const AGENTS = '/api/v1/agents';
export const AgentPage = page(Agent);
export const AuditPage = page(AuditEntry);

/** A name no other test uses. */
export const uniqueAgentName = (stem = 'agent') => `${stem}-${crypto.randomUUID().slice(0, 8)}`;

export async function createAgent(body: Record<string, unknown> = {}): Promise<Agent> {
  const response = await api(AGENTS, {
    method: 'POST',
    body: { name: uniqueAgentName(), prompt: 'Fix {{issue}} in {{repo}}.', ...body },
  });
  expect(response.status).toBe(201);
  return Agent.parse(await response.json());
}

export async function getAgent(name: string): Promise<Agent> {
  const response = await api(`${AGENTS}/${name}`);
  expect(response.status).toBe(200);
  return Agent.parse(await response.json());
}

/** The audit entries about one subject (an agent name or an approval id), newest first. */
export async function auditOf(subject: string): Promise<AuditEntry[]> {
  const response = await api(`/api/v1/audit?subject=${encodeURIComponent(subject)}`);
  expect(response.status).toBe(200);
  return AuditPage.parse(await response.json()).items;
}
