// Every execution says what started it: the API, the MCP server or a retry here (schedules, webhooks and follow-ups
// have their own tests), returned by the API and filterable with ?trigger= and ?triggerId=.
import { describe, expect, it } from 'vitest';
import { Execution, ExecutionPage } from '../src/protocol';
import { api, expectError } from './api-support';
import { createExecution, EXECUTIONS, retry, setStatus } from './attempts-support';
import { uniqueLabel } from './do-support';
import { mcpClient, ok } from './mcp-support';

async function list(query: string): Promise<Execution[]> {
  const response = await api(`${EXECUTIONS}?limit=200&${query}`);
  expect(response.status).toBe(200);
  return ExecutionPage.parse(await response.json()).items;
}

describe('trigger', () => {
  it('is api for POST /api/v1/executions, and a first execution starts its own conversation', async () => {
    const created = await createExecution();
    expect(created.trigger).toEqual({ kind: 'api' });
    expect(created.conversationId).toBe(created.id);
    expect(created.followupOf).toBeNull();
    expect(created.openPullRequest).toBe(false);
  });

  it('is mcp for start_execution, and a client cannot claim it by sending the header itself', async () => {
    const label = uniqueLabel();
    const client = await mcpClient();
    const started = await ok<Execution>(client, 'start_execution', { prompt: 'from an agent', labels: [label] });
    expect(started.trigger.kind).toBe('mcp');

    const forged = await api(EXECUTIONS, {
      method: 'POST',
      headers: { 'x-claudeops-in-process': 'mcp:guess' },
      body: { prompt: 'pretending', labels: [label] },
    });
    expect(forged.status).toBe(201);
    expect(Execution.parse(await forged.json()).trigger.kind).toBe('api');
    expect((await list(`label=${label}&trigger=mcp`)).map((e) => e.id)).toEqual([started.id]);
  });

  it('is retry, naming the attempt it retries, and keeps the conversation', async () => {
    const label = uniqueLabel();
    const first = await createExecution({ labels: [label] });
    await setStatus(first.id, 'failed');
    const second = Execution.parse(await (await retry(first.id)).json());
    expect(second.trigger).toEqual({ kind: 'retry', id: first.id, detail: 'retried by a person' });
    expect(second.conversationId).toBe(first.id);

    expect((await list(`label=${label}&trigger=retry`)).map((e) => e.id)).toEqual([second.id]);
    expect((await list(`label=${label}&trigger=api`)).map((e) => e.id)).toEqual([first.id]);
    expect((await list(`triggerId=${first.id}`)).map((e) => e.id)).toEqual([second.id]);
  });

  it('refuses an unknown trigger kind in the filter with a 400', async () => {
    await expectError(await api(`${EXECUTIONS}?trigger=cron`), 400, 'BAD_REQUEST', /query\.trigger/);
  });

  it('keeps openPullRequest as the body gave it', async () => {
    const created = await createExecution({ repo: 'https://github.com/acme/widgets.git', openPullRequest: true });
    expect(created.openPullRequest).toBe(true);
  });
});
