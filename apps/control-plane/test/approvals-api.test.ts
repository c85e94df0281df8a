// Remote approvals end to end inside workerd: a runner's approval.requested event becomes a pending approval in the
// API, the execution shows awaiting_approval, the first answer wins and reaches the runner (now, or in the welcome
// of its next connection until it records it), `remember: "agent"` widens the template, and answers are audited.
import { describe, expect, it } from 'vitest';
import { Approval } from '../src/protocol';
import { auditOf, createAgent, getAgent } from './agents-support';
import { expectError } from './api-support';
import { approval, approvalsOf, decide, decidedEvent, requestedEvent } from './approvals-support';
import {
  connectHubRunner,
  eventually,
  executionRow,
  logEvent,
  seedExecution,
  sendBatch,
  statusEvent,
} from './do-support';

/** An execution whose runner is connected and has asked for one approval (seq 1-3: running, request, awaiting). */
async function waitingExecution(fields: Parameters<typeof seedExecution>[0] = {}) {
  const id = await seedExecution({ status: 'assigned', ...fields });
  const runner = await connectHubRunner(id);
  await runner.next('exec.welcome');
  const request = requestedEvent(2);
  await sendBatch(runner, [statusEvent(1, 'running'), request, statusEvent(3, 'awaiting_approval')]);
  const [pending] = await eventually(async () => {
    const items = await approvalsOf(id, 'pending');
    expect(items).toHaveLength(1);
    return items;
  });
  return { id, runner, request: request.data, pending: pending! };
}

describe('approvals', () => {
  it('lists a requested approval as pending and the execution as awaiting_approval', async () => {
    const { id, request, pending } = await waitingExecution();
    expect(pending).toEqual({
      id: request.approvalId,
      executionId: id,
      agent: 'default',
      tool: 'Bash',
      input: { command: 'npm test', description: 'run the tests' },
      summary: '$ npm test',
      pattern: 'Bash(npm test:*)',
      status: 'pending',
      createdAt: expect.any(String),
      expiresAt: new Date(Date.parse(pending.createdAt) + 600_000).toISOString(),
      decision: null,
      decidedBy: null,
      decidedAt: null,
      message: null,
      remember: null,
      reason: null,
    });
    expect(await approval(request.approvalId)).toEqual(pending);
    await eventually(async () => expect((await executionRow(id))?.status).toBe('awaiting_approval'));
  });

  it('sends the first answer to the runner and refuses a second one', async () => {
    const { id, runner, request } = await waitingExecution();
    const response = await decide(request.approvalId, {
      decision: 'allow',
      message: 'go ahead',
      remember: 'execution',
    });
    expect(response.status).toBe(200);
    expect(Approval.parse(await response.json())).toMatchObject({
      status: 'allowed',
      decision: 'allow',
      decidedBy: 'admin',
      decidedAt: expect.any(String),
      message: 'go ahead',
      remember: 'execution',
    });
    expect(await runner.next('exec.approval.result')).toEqual({
      type: 'exec.approval.result',
      decision: {
        approvalId: request.approvalId,
        status: 'allowed',
        decision: 'allow',
        decidedBy: 'admin',
        message: 'go ahead',
        remember: 'execution',
        reason: null,
      },
      pattern: 'Bash(npm test:*)',
    });
    const again = await decide(request.approvalId, { decision: 'deny' });
    await expectError(
      again,
      409,
      'CONFLICT',
      `approval ${request.approvalId} was already answered (allowed by admin at`,
    );

    const [entry] = await auditOf(request.approvalId);
    expect(entry).toMatchObject({ action: 'approval.allowed', actor: 'admin', executionId: id });
    expect(entry?.details).toMatchObject({ tool: 'Bash', pattern: 'Bash(npm test:*)', message: 'go ahead' });

    // The runner records the answer and runs on: D1 follows the status back to running.
    const { status, decision, decidedBy, message, remember, reason } = (await approval(request.approvalId))!;
    const decided = {
      approvalId: request.approvalId,
      decision: decision!,
      decidedBy: decidedBy!,
      message,
      remember,
      reason,
    };
    await sendBatch(runner, [decidedEvent(4, { ...decided, status: status as 'allowed' }), statusEvent(5, 'running')]);
    await eventually(async () => expect((await executionRow(id))?.status).toBe('running'));
  });

  it('delivers an answer given while the runner was away in its next welcome, until the runner records it', async () => {
    const { id, runner, request } = await waitingExecution();
    runner.close();
    const response = await decide(request.approvalId, { decision: 'deny', message: 'not now' });
    expect(response.status).toBe(200);

    const back = await connectHubRunner(id);
    await back.next('exec.welcome');
    const frame = await back.next('exec.approval.result');
    expect(frame.decision).toMatchObject({ approvalId: request.approvalId, status: 'denied', message: 'not now' });
    expect(await sendBatch(back, [decidedEvent(4, frame.decision)])).toBe(4);

    const again = await connectHubRunner(id);
    await again.next('exec.welcome');
    expect(await sendBatch(again, [logEvent(5)])).toBe(5);
    expect(again.unread().filter((f) => f.type === 'exec.approval.result')).toEqual([]);
  });

  it('answers 404 for an unknown approval', async () => {
    const response = await decide(`ap_${'0'.repeat(26)}`, { decision: 'allow' });
    await expectError(response, 404, 'NOT_FOUND', 'does not exist');
  });

  it('remembers an allowed pattern on the agent template, audited', async () => {
    const { name } = await createAgent({ prompt: 'Do {{task}}', permissions: { allow: ['Read'], ask: [], deny: [] } });
    const { request } = await waitingExecution({ agent: name });
    const response = await decide(request.approvalId, { decision: 'allow', remember: 'agent' });
    expect(response.status).toBe(200);
    expect((await getAgent(name)).permissions).toEqual({ allow: ['Read', 'Bash(npm test:*)'], ask: [], deny: [] });
    expect((await auditOf(name)).map((e) => e.action)).toContain('agent.updated');
  });

  it('moves a remembered pattern out of the ask list, so the template stops asking, and a denial into deny', async () => {
    const asking = { allow: [], ask: ['Bash(npm test:*)', 'Write'], deny: [] };
    const { name } = await createAgent({ prompt: 'Do {{task}}', permissions: asking });
    const first = await waitingExecution({ agent: name });
    expect((await decide(first.request.approvalId, { decision: 'allow', remember: 'agent' })).status).toBe(200);
    expect((await getAgent(name)).permissions).toEqual({ allow: ['Bash(npm test:*)'], ask: ['Write'], deny: [] });
    const second = await waitingExecution({ agent: name });
    expect((await decide(second.request.approvalId, { decision: 'deny', remember: 'agent' })).status).toBe(200);
    expect((await getAgent(name)).permissions).toEqual({ allow: [], ask: ['Write'], deny: ['Bash(npm test:*)'] });
  });

  it('refuses remember "agent" for an execution without a template, before deciding', async () => {
    const { request } = await waitingExecution();
    const response = await decide(request.approvalId, { decision: 'allow', remember: 'agent' });
    await expectError(
      response,
      400,
      'BAD_REQUEST',
      'remember "agent" needs an execution started from an agent template',
    );
    expect((await approval(request.approvalId)).status).toBe('pending');
  });
});
