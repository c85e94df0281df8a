// Agent templates over HTTP: create (201, 409), read (404), list by name with a cursor, change (null clears),
// delete (204), every change audited with who made it.
import { describe, expect, it } from 'vitest';
import { Agent } from '../src/protocol';
import { AGENTS, AgentPage, auditOf, createAgent, getAgent, uniqueAgentName } from './agents-support';
import { ADMIN_TOKEN, api, expectError } from './api-support';

describe('agent templates', () => {
  it('creates a template with defaults and lists its inputs in order of first use', async () => {
    const name = uniqueAgentName();
    const created = await createAgent({ name, prompt: 'In {{repo}}: {{task}}. Again: {{ repo }}.' });
    expect(created).toMatchObject({
      name,
      description: '',
      model: null,
      permissions: null,
      maxTurns: null,
      maxBudgetUsd: null,
      labels: [],
      repo: null,
      ref: null,
      appendSystemPrompt: null,
      outputSchema: null,
      tools: null,
      approvalTimeoutSeconds: null,
      hostSnapshot: false,
      inputs: ['repo', 'task'],
      builtin: false,
    });
    expect(await getAgent(name)).toEqual(created);
    const [entry] = await auditOf(name);
    expect(entry).toMatchObject({ action: 'agent.created', actor: 'admin', subject: name, executionId: null });
    expect(Agent.parse(entry?.details.agent)).toEqual(created);
  });

  it('answers 409 for a name that is taken and 404 for one that does not exist', async () => {
    const { name } = await createAgent();
    const again = await api(AGENTS, { method: 'POST', body: { name, prompt: 'other' } });
    await expectError(again, 409, 'CONFLICT', `named ${name} already exists`);
    expect(await auditOf(name)).toHaveLength(1);
    await expectError(await api(`${AGENTS}/no-such-agent`), 404, 'NOT_FOUND', 'no-such-agent does not exist');
    const patch = await api(`${AGENTS}/no-such-agent`, { method: 'PATCH', body: { description: 'x' } });
    await expectError(patch, 404, 'NOT_FOUND');
    await expectError(await api(`${AGENTS}/no-such-agent`, { method: 'DELETE' }), 404, 'NOT_FOUND');
  });

  it('changes the fields given, clears those set to null, and audits the result', async () => {
    const { name, createdAt } = await createAgent({
      model: 'claude-sonnet-4-5',
      permissions: { allow: ['Read'], ask: [], deny: [] },
      labels: ['gpu'],
    });
    const response = await api(`${AGENTS}/${name}`, {
      method: 'PATCH',
      body: { model: null, prompt: 'Review {{ref}}', maxTurns: 12, hostSnapshot: true },
    });
    expect(response.status).toBe(200);
    const changed = Agent.parse(await response.json());
    expect(changed).toMatchObject({
      model: null,
      prompt: 'Review {{ref}}',
      inputs: ['ref'],
      maxTurns: 12,
      hostSnapshot: true,
      labels: ['gpu'],
      permissions: { allow: ['Read'], ask: [], deny: [] },
      createdAt,
    });
    const entries = await auditOf(name);
    // Newest first; two entries of the same millisecond may come in either order.
    expect(entries.map((e) => e.action).sort()).toEqual(['agent.created', 'agent.updated']);
    const updated = entries.find((e) => e.action === 'agent.updated');
    expect(updated?.details.agent).toMatchObject({ model: null, maxTurns: 12 });
  });

  it('deletes a template (built-in ones too) and audits it', async () => {
    const { name } = await createAgent();
    expect((await api(`${AGENTS}/${name}`, { method: 'DELETE' })).status).toBe(204);
    await expectError(await api(`${AGENTS}/${name}`), 404, 'NOT_FOUND');
    expect((await auditOf(name)).map((e) => e.action).sort()).toEqual(['agent.created', 'agent.deleted']);
  });

  it('lists templates by name, a page at a time', async () => {
    const stem = uniqueAgentName('page');
    for (const suffix of ['c', 'a', 'b']) await createAgent({ name: `${stem}-${suffix}` });
    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? '?limit=2' : `?limit=2&cursor=${cursor}`;
      const response = await api(`${AGENTS}${query}`);
      expect(response.status).toBe(200);
      const body = AgentPage.parse(await response.json());
      expect(body.items.length).toBeLessThanOrEqual(2);
      names.push(...body.items.map((a) => a.name));
      cursor = body.nextCursor;
    } while (cursor !== null);
    expect(names).toEqual([...names].sort());
    expect(names.filter((n) => n.startsWith(stem))).toEqual([`${stem}-a`, `${stem}-b`, `${stem}-c`]);
    expect(names).toEqual(expect.arrayContaining(['bug-fixer', 'code-task', 'pr-reviewer', 'system-health-reporter']));
  });

  it('records a session as the dashboard in the audit log', async () => {
    const login = await api('/api/v1/sessions', { method: 'POST', token: null, body: { token: ADMIN_TOKEN } });
    expect(login.status).toBe(201);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const name = uniqueAgentName();
    const response = await api(AGENTS, {
      method: 'POST',
      token: null,
      headers: { cookie, origin: 'http://localhost' },
      body: { name, prompt: 'hello' },
    });
    expect(response.status).toBe(201);
    expect((await auditOf(name))[0]?.actor).toBe('dashboard');
  });
});
