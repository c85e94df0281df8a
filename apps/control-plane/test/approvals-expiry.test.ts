// Approvals nobody answers: denied as expired by the hub's alarm, and cancelled when the execution ends; both reach
// the runner or close with the log, are mirrored to D1 and audited, and refuse a late answer.
import { runDurableObjectAlarm } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { auditOf } from './agents-support';
import { expectError } from './api-support';
import { approval, decide, requestedEvent } from './approvals-support';
import {
  connectHubRunner,
  eventually,
  executionRow,
  hubOf,
  seedExecution,
  sendBatch,
  statusEvent,
  storedEvents,
} from './do-support';

describe('approvals nobody answers', () => {
  it('expires at its deadline: denied by timeout, sent to the runner, audited', async () => {
    const id = await seedExecution({ status: 'assigned' });
    const runner = await connectHubRunner(id);
    const request = requestedEvent(2, { timeoutMs: 1_000 });
    await sendBatch(runner, [statusEvent(1, 'running'), request, statusEvent(3, 'awaiting_approval')]);
    const { approvalId } = request.data;

    await eventually(async () => {
      await runDurableObjectAlarm(hubOf(id));
      expect((await approval(approvalId)).status).toBe('expired');
    });
    expect(await approval(approvalId)).toMatchObject({
      decision: 'deny',
      decidedBy: 'timeout',
      reason: 'nobody answered within 1 second',
    });
    expect((await runner.next('exec.approval.result')).decision).toEqual({
      approvalId,
      status: 'expired',
      decision: 'deny',
      decidedBy: 'timeout',
      message: null,
      remember: null,
      reason: 'nobody answered within 1 second',
    });
    expect((await auditOf(approvalId))[0]).toMatchObject({ action: 'approval.expired', actor: 'timeout' });
    const late = await decide(approvalId, { decision: 'allow' });
    await expectError(late, 409, 'CONFLICT', /already answered \(expired at .*: nobody answered within 1 second\)/);
  });

  it('is cancelled when the execution ends, and the execution ends in D1 whatever it was waiting for', async () => {
    const id = await seedExecution({ status: 'assigned' });
    const runner = await connectHubRunner(id);
    const request = requestedEvent(2);
    await sendBatch(runner, [statusEvent(1, 'running'), request, statusEvent(3, 'awaiting_approval')]);
    await eventually(async () => expect((await executionRow(id))?.status).toBe('awaiting_approval'));

    await hubOf(id).close(id, 'lost', 'runner stopped heartbeating');
    const { approvalId } = request.data;
    expect(await approval(approvalId)).toMatchObject({
      status: 'cancelled',
      decision: 'deny',
      decidedBy: 'system',
      reason: 'the execution ended (lost)',
    });
    expect((await auditOf(approvalId))[0]).toMatchObject({ action: 'approval.cancelled', actor: 'system' });
    expect((await executionRow(id))?.status).toBe('lost');
    expect((await storedEvents(id)).at(-1)).toMatchObject({ type: 'status', data: { status: 'lost' } });
    await expectError(await decide(approvalId, { decision: 'allow' }), 409, 'CONFLICT', 'cancelled at');
  });

  it('does not open an approval twice when the runner resends the request', async () => {
    const id = await seedExecution({ status: 'running', startedAt: Date.now() });
    const runner = await connectHubRunner(id);
    const request = requestedEvent(1);
    await sendBatch(runner, [request]);
    const first = await eventually(() => approval(request.data.approvalId));
    expect(await sendBatch(runner, [request])).toBe(1);
    expect(await approval(request.data.approvalId)).toEqual(first);
  });
});
