// The MCP server's supervision tools through the official MCP client, inside workerd: pause_execution and
// resume_execution on a running execution (the runner hears exec.pause / exec.resume), and review_execution on one
// that needs review, with the API's conflicts coming back as readable error results.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Execution, ReviewDecisionResult } from '../src/protocol';
import { eventually, executionRow, sendBatch, statusEvent } from './do-support';
import { mcpClient, ok, toolError } from './mcp-support';
import { runningExecution } from './supervision-support';

let client: Client;

beforeAll(async () => {
  client = await mcpClient();
});
afterAll(async () => {
  await client.close();
});

describe('MCP supervision tools', () => {
  it('pauses and resumes a running execution; resuming one that is not paused is a conflict', async () => {
    const { id, runner } = await runningExecution();
    Execution.parse(await ok(client, 'pause_execution', { id, message: 'hold on' }));
    expect(await runner.next('exec.pause')).toMatchObject({ reason: 'user', message: 'hold on' });
    Execution.parse(await ok(client, 'resume_execution', { id }));
    expect(await runner.next('exec.resume')).toEqual({ type: 'exec.resume' });
    expect(await toolError(client, 'resume_execution', { id })).toMatch(/^CONFLICT \(HTTP 409\): .*is not paused/);
  });

  it('accepts an execution that needs review, and refuses feedback without a message', async () => {
    const { id, runner } = await runningExecution();
    await sendBatch(runner, [statusEvent(2, 'needs_review', 'check `npm test` exited 1')]);
    await eventually(async () => expect((await executionRow(id))?.status).toBe('needs_review'));
    expect(await toolError(client, 'review_execution', { id, decision: 'feedback' })).toMatch(/BAD_REQUEST/);
    const { execution, followup } = ReviewDecisionResult.parse(
      await ok(client, 'review_execution', { id, decision: 'accept' }),
    );
    expect(execution.status).toBe('succeeded');
    expect(followup).toBeNull();
  });
});
