// Messages to an ended execution start a follow-up in the same conversation (trigger followup, resuming the session
// on the same runner in the same workspace); while that follow-up is live the next message goes to it; the
// conversation lists every turn; bad input is a 4xx.
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { executions } from '../src/db/schema';
import { Conversation, MAX_MESSAGE_CHARS } from '../src/protocol';
import { api, expectError } from './api-support';
import { pinnedReason } from '../src/domain/dispatch';
import { db, executionRow, runnerRow, seedExecution } from './do-support';
import { endedWithSession, said, sendMessage } from './messages-support';

const conversation = async (id: string) => {
  const response = await api(`/api/v1/executions/${id}/conversation`);
  expect(response.status).toBe(200);
  return Conversation.parse(await response.json());
};

describe('a message to an ended execution', () => {
  it('starts a follow-up that resumes its session on its runner, in its workspace, in its conversation', async () => {
    const { id, runnerId } = await endedWithSession({ outputSchema: { type: 'object' }, inputs: { a: 'b' } });
    const source = await executionRow(id);
    const sent = await said(id, 'now fix the failing test', 'followup');
    expect(sent.messageId).toBeNull();
    expect(sent.execution).toMatchObject({
      status: 'queued',
      prompt: 'now fix the failing test',
      trigger: { kind: 'followup', id },
      followupOf: id,
      conversationId: id,
      pinnedRunnerId: runnerId,
      labels: ['messages-test'],
      model: 'claude-test',
      maxBudgetUsd: 3,
      // Its runner is offline: the follow-up says whom it waits for from the start.
      blockedReason: pinnedReason((await runnerRow(runnerId))!.name),
    });
    const row = await executionRow(sent.execution.id);
    expect(row).toMatchObject({
      resumeSessionId: (source?.result as { sessionId: string }).sessionId,
      workspaceOf: id,
      pinnedRunnerId: runnerId,
      // A reply is not the first turn's task: no structured output, no template inputs.
      outputSchema: null,
      inputs: null,
    });
  });

  it('goes to the live follow-up while one runs (never two turns at once), and 409s while it is queued', async () => {
    const { id } = await endedWithSession();
    const first = await said(id, 'turn two', 'followup');
    await expectError(await sendMessage(id, { text: 'turn three' }), 409, 'CONFLICT', /not started yet/);

    await db().update(executions).set({ status: 'running' }).where(eq(executions.id, first.execution.id));
    const live = await said(id, 'turn three', 'live');
    expect(live.execution.id).toBe(first.execution.id);

    // Once that one ended, a message to the first execution continues the conversation's newest turn.
    await db()
      .update(executions)
      .set({
        status: 'succeeded',
        runnerId: first.execution.pinnedRunnerId,
        result: {
          sessionId: 'session-2',
          subtype: 'success',
          isError: false,
          totalCostUsd: 0,
          numTurns: 1,
          durationMs: 1,
        },
      })
      .where(eq(executions.id, first.execution.id));
    const next = await said(id, 'turn four', 'followup');
    expect(next.execution).toMatchObject({ followupOf: first.execution.id, conversationId: id });
    expect((await executionRow(next.execution.id))?.workspaceOf).toBe(id);

    const listed = await conversation(next.execution.id);
    expect(listed.conversationId).toBe(id);
    expect(listed.items.map((e) => e.id)).toEqual([id, first.execution.id, next.execution.id]);
    expect((await conversation(id)).items).toHaveLength(3);
  });

  it('is a 409 when the execution never started a session (cancelled while queued)', async () => {
    const id = await seedExecution({ status: 'cancelled' });
    await expectError(await sendMessage(id, { text: 'hello?' }), 409, 'CONFLICT', /before Claude Code started/);
  });

  it('is a 409 while the execution has not started yet', async () => {
    const id = await seedExecution({ status: 'queued' });
    await expectError(await sendMessage(id, { text: 'hello?' }), 409, 'CONFLICT', /has not started yet \(queued\)/);
  });
});

describe('messages: bad input', () => {
  it('answers 400 for an empty, missing or oversized text and unknown fields, 404 for an unknown execution', async () => {
    const { id } = await endedWithSession();
    await expectError(await sendMessage(id, { text: '   ' }), 400, 'BAD_REQUEST', /text must not be empty/);
    await expectError(await sendMessage(id, {}), 400, 'BAD_REQUEST');
    await expectError(await sendMessage(id, { text: 'x', extra: 1 }), 400, 'BAD_REQUEST');
    const big = await sendMessage(id, { text: 'x'.repeat(MAX_MESSAGE_CHARS + 1) });
    expect([400, 413]).toContain(big.status);
    await expectError(await sendMessage('ex_00000000000000000000000000', { text: 'hi' }), 404, 'NOT_FOUND');
    await expectError(await sendMessage('nope', { text: 'hi' }), 400, 'BAD_REQUEST');
    const unknown = await api('/api/v1/executions/ex_00000000000000000000000000/conversation');
    await expectError(unknown, 404, 'NOT_FOUND');
    // Nothing was started by the refusals.
    expect((await conversation(id)).items).toHaveLength(1);
  });
});
