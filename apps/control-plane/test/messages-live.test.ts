// Messages to a running execution: the hub stores them, sends `exec.message` to the runner's stream socket, re-sends
// every undelivered one after each reconnect until the runner's `user.message` event is stored; a message that raced
// the end becomes a follow-up, so none is lost.
import { describe, expect, it } from 'vitest';
import { api } from './api-support';
import {
  connectHubRunner,
  eventually,
  executionRow,
  resultEvent,
  seedExecution,
  sendBatch,
  statusEvent,
} from './do-support';
import { said, userMessageEvent } from './messages-support';
import { ExecutionPage, type HubToRunner } from '../src/protocol';

const running = () => seedExecution({ status: 'running', labels: ['messages-test'] });

async function followupsOf(id: string) {
  const response = await api(`/api/v1/executions?trigger=followup&triggerId=${id}`);
  expect(response.status).toBe(200);
  return ExecutionPage.parse(await response.json()).items;
}

describe('a message to a running execution', () => {
  it('reaches the runner as exec.message, again after each reconnect, until user.message is stored', async () => {
    const id = await running();
    const runner = await connectHubRunner(id);
    await runner.next('exec.welcome');

    const sent = await said(id, 'also run the linter', 'live');
    expect(sent.execution.id).toBe(id);
    expect(sent.messageId).toMatch(/^msg_/);
    expect(await runner.next('exec.message')).toEqual({
      type: 'exec.message',
      messageId: sent.messageId!,
      text: 'also run the linter',
      from: 'admin',
    } satisfies HubToRunner);

    // The runner went away before recording it: the hub sends it again on the next connection.
    const again = await connectHubRunner(id);
    await again.next('exec.welcome');
    expect((await again.next('exec.message')).messageId).toBe(sent.messageId);

    expect(await sendBatch(again, [userMessageEvent(1, sent.messageId!, 'also run the linter')])).toBe(1);
    const third = await connectHubRunner(id);
    await third.next('exec.welcome');
    expect(await sendBatch(third, [statusEvent(2, 'running')])).toBe(2);
    expect(third.unread().filter((f) => f.type === 'exec.message')).toEqual([]);
  });

  it('is recorded in the audit log with who sent it', async () => {
    const id = await running();
    const sent = await said(id, 'hello there', 'live');
    const response = await api(`/api/v1/audit?action=execution.message&executionId=${id}`);
    expect(response.status).toBe(200);
    const { items } = (await response.json()) as { items: { actor: string; subject: string; details: unknown }[] };
    expect(items).toEqual([
      expect.objectContaining({
        actor: 'admin',
        subject: id,
        details: { delivery: 'live', messageId: sent.messageId, to: id },
      }),
    ]);
  });

  it('that raced the end (never taken by the runner) becomes one follow-up with the texts joined', async () => {
    const id = await running();
    const runner = await connectHubRunner(id);
    await runner.next('exec.welcome');
    await said(id, 'first', 'live');
    await said(id, 'second', 'live');
    await sendBatch(runner, [resultEvent(1, 0.01), statusEvent(2, 'succeeded')]);

    const [followup] = await eventually(async () => {
      const items = await followupsOf(id);
      expect(items).toHaveLength(1);
      return items;
    });
    expect(followup).toMatchObject({ trigger: { kind: 'followup', id }, followupOf: id, conversationId: id });
    expect((await executionRow(followup!.id))?.prompt).toBe('first\n\nsecond');
    expect((await executionRow(followup!.id))?.resumeSessionId).toBe('session-1');
    expect(await followupsOf(id)).toHaveLength(1);
    // Recorded: each message's audit entry says it became this follow-up.
    await eventually(async () => {
      const audit = await api(`/api/v1/audit?action=execution.message&executionId=${followup!.id}`);
      const { items } = (await audit.json()) as { items: { details: { delivery: string; to: string } }[] };
      expect(items.map((e) => e.details)).toEqual([
        expect.objectContaining({ delivery: 'followup', to: followup!.id }),
        expect.objectContaining({ delivery: 'followup', to: followup!.id }),
      ]);
    });
  });

  it('that arrives after the hub closed the log (D1 still says running) becomes a follow-up at once', async () => {
    const id = await running();
    const runner = await connectHubRunner(id);
    await runner.next('exec.welcome');
    await sendBatch(runner, [resultEvent(1, 0.01), statusEvent(2, 'failed', 'tests failed')]);
    // The hub's sync may or may not have reached D1; either way the message is not lost.
    const response = await api(`/api/v1/executions/${id}/messages`, { method: 'POST', body: { text: 'try again' } });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { delivery: string; execution: { id: string; followupOf: string } };
    expect(body).toMatchObject({ delivery: 'followup', execution: { followupOf: id } });
    expect((await executionRow(body.execution.id))?.prompt).toBe('try again');
  });

  it('that raced a cancel starts nothing (a person stopped the run); a later message is a 409', async () => {
    const id = await running();
    const runner = await connectHubRunner(id);
    await runner.next('exec.welcome');
    await said(id, 'are you there?', 'live');
    await sendBatch(runner, [statusEvent(1, 'cancelled', 'cancelled by a person')]);
    const response = await api(`/api/v1/executions/${id}/messages`, { method: 'POST', body: { text: 'and now?' } });
    expect(response.status).toBe(409);
    expect(await followupsOf(id)).toEqual([]);
  });
});
