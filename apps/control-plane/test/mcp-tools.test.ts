// The MCP server's tools through the official MCP client, inside workerd: the thirteen tools with the API's own input
// schemas, and each one doing what its HTTP route does (start, read, list, page events, cancel, list and decide
// approvals, runners, costs), with API errors and bad arguments coming back as readable error results.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  Approval,
  CostSummary,
  EventsResponse,
  Execution,
  ExecutionDetail,
  MCP_TOOL_NAMES,
  McpToolInputs,
  page,
  RunnerView,
} from '../src/protocol';
import { api } from './api-support';
import { approvalsOf, requestedEvent } from './approvals-support';
import { costRow, seedCostedExecution } from './budget-support';
import {
  connectHubRunner,
  eventually,
  logEvents,
  seedExecution,
  seedRunner,
  sendBatch,
  statusEvent,
  uniqueLabel,
} from './do-support';
import { call, mcpClient, ok, toolError } from './mcp-support';

let client: Client;

beforeAll(async () => {
  client = await mcpClient();
});
afterAll(async () => {
  await client.close();
});

describe('MCP tools', () => {
  it('lists the thirteen tools, each with the JSON Schema of the API schema it takes', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([...MCP_TOOL_NAMES].sort());
    for (const tool of tools) {
      const schema = McpToolInputs[tool.name as keyof typeof McpToolInputs];
      expect(tool.inputSchema.type).toBe('object');
      expect(Object.keys(tool.inputSchema.properties ?? {}).sort()).toEqual(Object.keys(schema.shape).sort());
      expect(tool.inputSchema).toMatchObject({ additionalProperties: false });
      expect(tool.description?.length ?? 0).toBeGreaterThan(80);
    }
    const start = tools.find((tool) => tool.name === 'start_execution')!;
    const expected = z.toJSONSchema(McpToolInputs.start_execution, { io: 'input', target: 'draft-7' }) as {
      properties: Record<string, unknown>;
    };
    expect(start.inputSchema.properties).toEqual(expected.properties);
    const events = tools.find((tool) => tool.name === 'get_events')!;
    expect(events.inputSchema.required).toEqual(['id']);
    expect(events.inputSchema.properties).toMatchObject({ after: { type: 'integer', minimum: 0, default: 0 } });
    expect(tools.find((tool) => tool.name === 'get_execution')!.annotations).toMatchObject({ readOnlyHint: true });
  });

  it('starts an execution, reads it back and finds it in the list', async () => {
    const label = uniqueLabel();
    const started = Execution.parse(
      await ok(client, 'start_execution', { prompt: 'say hi over MCP', labels: [label] }),
    );
    expect(started).toMatchObject({ status: 'queued', prompt: 'say hi over MCP', labels: [label], agent: 'default' });

    const detail = ExecutionDetail.parse(await ok(client, 'get_execution', { id: started.id }));
    expect(detail.attempts.map((attempt) => attempt.id)).toEqual([started.id]);
    const viaHttp = await api(`/api/v1/executions/${started.id}`);
    expect(detail).toEqual(ExecutionDetail.parse(await viaHttp.json()));

    const listed = page(Execution).parse(await ok(client, 'list_executions', { label }));
    expect(listed.items.map((execution) => execution.id)).toEqual([started.id]);
    const none = page(Execution).parse(await ok(client, 'list_executions', { label, status: 'running' }));
    expect(none.items).toEqual([]);
  });

  it('cancels a queued execution, and says why it cannot cancel it twice', async () => {
    const started = Execution.parse(
      await ok(client, 'start_execution', { prompt: 'to be cancelled', labels: [uniqueLabel()] }),
    );
    const cancelled = Execution.parse(await ok(client, 'cancel_execution', { id: started.id }));
    expect(cancelled.status).toBe('cancelled');
    expect(await toolError(client, 'cancel_execution', { id: started.id })).toMatch(
      new RegExp(`^CONFLICT \\(HTTP 409\\): execution ${started.id} has already ended \\(cancelled\\)`),
    );
  });

  it('sends a message through send_message, and says why a queued execution cannot take one yet', async () => {
    const started = Execution.parse(
      await ok(client, 'start_execution', { prompt: 'waiting', labels: [uniqueLabel()] }),
    );
    expect(await toolError(client, 'send_message', { id: started.id, text: 'and then?' })).toMatch(
      /^CONFLICT \(HTTP 409\): .*has not started yet \(queued\)/,
    );
    expect(await toolError(client, 'send_message', { id: started.id, text: '  ' })).toMatch(/text must not be empty/);
  });

  it('pages the event log by `after`, with hasMore and nextAfter', async () => {
    const id = await seedExecution({ status: 'assigned' });
    const runner = await connectHubRunner(id);
    await runner.next('exec.welcome');
    await sendBatch(runner, [statusEvent(1, 'running'), ...logEvents(2, 5)]);

    const first = EventsResponse.parse(await ok(client, 'get_events', { id, after: 0, limit: 3 }));
    expect(first.events.map((event) => event.seq)).toEqual([1, 2, 3]);
    expect(first).toMatchObject({ hasMore: true, nextAfter: 3 });
    const rest = EventsResponse.parse(await ok(client, 'get_events', { id, after: first.nextAfter, limit: 3 }));
    expect(rest.events.map((event) => event.seq)).toEqual([4, 5]);
    expect(rest).toMatchObject({ hasMore: false, nextAfter: 5 });
    const empty = EventsResponse.parse(await ok(client, 'get_events', { id, after: 5 }));
    expect(empty).toEqual({ events: [], hasMore: false, nextAfter: 5 });
    runner.ws.close();
  });

  it('lists a pending approval and decides it; a second answer is refused', async () => {
    const id = await seedExecution({ status: 'assigned' });
    const runner = await connectHubRunner(id);
    await runner.next('exec.welcome');
    const request = requestedEvent(2);
    await sendBatch(runner, [statusEvent(1, 'running'), request, statusEvent(3, 'awaiting_approval')]);
    await eventually(async () => expect(await approvalsOf(id, 'pending')).toHaveLength(1));

    const pending = page(Approval).parse(await ok(client, 'list_approvals', { executionId: id, status: 'pending' }));
    expect(pending.items.map((item) => [item.id, item.tool, item.summary])).toEqual([
      [request.data.approvalId, 'Bash', '$ npm test'],
    ]);
    const decided = Approval.parse(
      await ok(client, 'decide_approval', { id: request.data.approvalId, decision: 'allow', message: 'go ahead' }),
    );
    expect(decided).toMatchObject({ status: 'allowed', decision: 'allow', decidedBy: 'admin', message: 'go ahead' });
    // The runner hears the answer, as it does when the dashboard decides.
    expect(await runner.next('exec.approval.result')).toMatchObject({
      decision: { approvalId: request.data.approvalId, status: 'allowed', decision: 'allow' },
    });
    expect(await toolError(client, 'decide_approval', { id: request.data.approvalId, decision: 'deny' })).toMatch(
      /^CONFLICT \(HTTP 409\): approval .* was already answered/,
    );
    runner.ws.close();
  });

  it('lists runners', async () => {
    const runnerId = await seedRunner({ name: 'mcp-listed-runner' });
    const runners = page(RunnerView).parse(await ok(client, 'list_runners', { limit: 200 }));
    expect(runners.items.find((runner) => runner.id === runnerId)).toMatchObject({
      name: 'mcp-listed-runner',
      status: 'offline',
    });
  });

  it('sums costs by model between two times', async () => {
    const model = `claude-mcp-test-${crypto.randomUUID().slice(0, 6)}`;
    await seedCostedExecution({ startedAt: Date.parse('2033-02-01T10:00:00Z') }, [costRow(model, 1.25)]);
    const costs = CostSummary.parse(
      await ok(client, 'get_costs', { groupBy: 'model', from: '2033-02-01T00:00:00Z', to: '2033-02-02T00:00:00Z' }),
    );
    expect(costs.items.map((row) => [row.key, row.executions, row.costUsd])).toEqual([[model, 1, 1.25]]);
    expect(costs.totalUsd).toBe(1.25);
  });

  it('answers a bad argument with an error result naming the field', async () => {
    expect(await toolError(client, 'get_execution', { id: 'not-an-id' })).toMatch(/must be an execution id .* at id/);
    expect(await toolError(client, 'get_events', { id: 'ex_00000000000000000000000000', after: -1 })).toMatch(
      /at after/,
    );
    expect(await toolError(client, 'start_execution', { prompt: 'hi', colour: 'blue' })).toMatch(/colour/);
    expect(await toolError(client, 'start_execution', {})).toMatch(/give a `prompt`/);
    expect(await toolError(client, 'get_costs', { from: '2033-02-02T00:00:00Z', to: '2033-02-01T00:00:00Z' })).toMatch(
      /`from` must be before `to` at from/,
    );
    const missing = await call(client, 'get_execution', { id: 'ex_00000000000000000000000000' });
    expect(missing).toMatchObject({
      isError: true,
      structuredContent: { status: 404, error: { code: 'NOT_FOUND' } },
    });
  });
});
