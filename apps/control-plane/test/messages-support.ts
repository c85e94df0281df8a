// Helpers for the messages-*.test.ts files: sending a message to an execution through the API, the user.message
// event a runner records once it handed one to Claude Code, and an ended execution with a session to follow up.
import { expect } from 'vitest';
import { PostMessageResult, type ExecutionEvent } from '../src/protocol';
import { api } from './api-support';
import { seedExecution, seedRunner } from './do-support';

export const sendMessage = (id: string, body: unknown) =>
  api(`/api/v1/executions/${id}/messages`, { method: 'POST', body });

/** Sends `text` and expects the given delivery (202 live, 201 followup). */
export async function said(id: string, text: string, delivery: 'live' | 'followup'): Promise<PostMessageResult> {
  const response = await sendMessage(id, { text });
  expect(response.status).toBe(delivery === 'live' ? 202 : 201);
  const result = PostMessageResult.parse(await response.json());
  expect(result.delivery).toBe(delivery);
  return result;
}

export const userMessageEvent = (seq: number, messageId: string, text: string): ExecutionEvent => ({
  seq,
  ts: new Date().toISOString(),
  type: 'user.message',
  data: { messageId, text, from: 'admin' },
});

export const sessionResult = (sessionId: string) => ({
  subtype: 'success',
  isError: false,
  text: 'done',
  totalCostUsd: 0.01,
  numTurns: 1,
  durationMs: 1000,
  sessionId,
});

/** An execution that ran on a runner and ended with a Claude Code session. */
export async function endedWithSession(fields: Parameters<typeof seedExecution>[0] = {}) {
  const runnerId = await seedRunner({ name: `holder-${crypto.randomUUID().slice(0, 6)}` });
  const id = await seedExecution({
    status: 'succeeded',
    runnerId,
    result: sessionResult(`session-${crypto.randomUUID().slice(0, 8)}`),
    labels: ['messages-test'],
    model: 'claude-test',
    maxBudgetUsd: 3,
    ...fields,
  });
  return { id, runnerId };
}
