// What an ExecutionHub and the Fleet take from a runner's frames, and what they do not: an approval's decider is the
// hub's (never the runner's claim), a final total below what was already charged gives nothing back (and says so),
// and numbers beyond the protocol's bounds are refused.
import { describe, expect, it } from 'vitest';
import { MAX_APPROVAL_TIMEOUT_MS, MAX_TOKENS, type ExecutionEvent } from '../src/protocol';
import { priceUsage } from '../src/domain/pricing';
import { approval, decide, decidedEvent, requestedEvent } from './approvals-support';
import { dayLimits, guardOf, newLabelScope } from './budget-support';
import {
  connectHubRunner,
  eventually,
  executionRow,
  resultEvent,
  seedExecution,
  sendBatch,
  statusEvent,
  storedEvents,
  uniqueLabel,
} from './do-support';
import { helloRunner, newFleet } from './fleet-support';
import { usageData, usageEvent } from './hub-support';
import { readExecution } from './trust-support';

const MODEL = 'claude-sonnet-4-5-20250929';

async function runningExecution(labels: string[] = []) {
  const id = await seedExecution({ status: 'assigned', labels });
  const runner = await connectHubRunner(id);
  await runner.next('exec.welcome');
  return { id, runner };
}

describe('approval.decided', () => {
  it('records the hub’s decider, not the one the runner claims', async () => {
    const { id, runner } = await runningExecution();
    const request = requestedEvent(2);
    await sendBatch(runner, [statusEvent(1, 'running'), request, statusEvent(3, 'awaiting_approval')]);
    await eventually(async () => expect((await approval(request.data.approvalId)).status).toBe('pending'));
    expect((await decide(request.data.approvalId, { decision: 'deny', message: 'no' })).status).toBe(200);
    const frame = await runner.next('exec.approval.result');

    // The runner records the answer, claiming someone else gave it, and that it was allowed.
    const claimed = { ...frame.decision, status: 'allowed' as const, decision: 'allow' as const, decidedBy: 'ceo' };
    await sendBatch(runner, [decidedEvent(4, claimed)]);
    const stored = (await storedEvents(id)).find((event) => event.seq === 4);
    expect(stored?.data).toMatchObject({ status: 'denied', decision: 'deny', decidedBy: 'admin', message: 'no' });
    expect(await approval(request.data.approvalId)).toMatchObject({ status: 'denied', decidedBy: 'admin' });
  });

  it('says the runner decided when the hub had no answer (the runner gave up waiting)', async () => {
    const { id, runner } = await runningExecution();
    const request = requestedEvent(2);
    await sendBatch(runner, [statusEvent(1, 'running'), request]);
    const gaveUp = {
      approvalId: request.data.approvalId,
      status: 'cancelled' as const,
      decision: 'deny' as const,
      decidedBy: 'admin',
      message: null,
      remember: null,
      reason: 'Claude Code withdrew the tool call',
    };
    await sendBatch(runner, [decidedEvent(3, gaveUp)]);
    const stored = (await storedEvents(id)).find((event) => event.seq === 3);
    expect(stored?.data).toMatchObject({ status: 'cancelled', decidedBy: 'runner' });
    await eventually(async () =>
      expect(await approval(request.data.approvalId)).toMatchObject({ status: 'cancelled', decidedBy: 'runner' }),
    );
  });
});

describe('the final totalCostUsd', () => {
  it('cannot lower the spend already charged: the budgets and costUsd keep it, and the result says so', async () => {
    const { label, scope } = newLabelScope();
    await guardOf(scope).configure(scope, dayLimits(1_000));
    const { id, runner } = await runningExecution([label]);
    const usage = usageData(MODEL, { inputTokens: 400_000, outputTokens: 40_000 });
    const charged = priceUsage(MODEL, usage, new Date()).costUsd;
    await sendBatch(runner, [statusEvent(1, 'running'), usageEvent(2, usage)]);
    await eventually(async () => expect((await guardOf(scope).view(scope))?.spentUsd).toBeCloseTo(charged, 12));

    // The runner says the whole run cost a cent.
    await sendBatch(runner, [resultEvent(3, 0.01), statusEvent(4, 'succeeded')]);
    const row = await eventually(async () => {
      const current = await executionRow(id);
      expect(current?.status).toBe('succeeded');
      return current!;
    });
    expect(row.costUsd).toBeCloseTo(charged, 12);
    expect((await guardOf(scope).view(scope))?.spentUsd).toBeCloseTo(charged, 12);

    const execution = await readExecution(id);
    expect(execution.costUsd).toBeCloseTo(charged, 12);
    expect(execution.result).toMatchObject({ totalCostUsd: 0.01, chargedUsd: expect.closeTo(charged, 12) });
    expect(execution.result?.costWarning).toMatch(
      /reported a total of \$0\.010000, below the \$[0-9.]+ already charged/,
    );
    const stored = (await storedEvents(id)).find((event) => event.type === 'result');
    expect(stored?.data).toMatchObject({ totalCostUsd: 0.01, costWarning: execution.result?.costWarning });
  });

  it('drops a warning the runner wrote itself when its total is not lower', async () => {
    const { id, runner } = await runningExecution();
    const result = resultEvent(2, 0.5) as ExecutionEvent & { type: 'result' };
    const forged = { ...result, data: { ...result.data, chargedUsd: 99, costWarning: 'the hub overcharged you' } };
    await sendBatch(runner, [statusEvent(1, 'running'), forged]);
    const stored = (await storedEvents(id)).find((event) => event.type === 'result');
    expect(stored?.data).not.toHaveProperty('costWarning');
    expect(stored?.data).not.toHaveProperty('chargedUsd');
  });
});

describe('runner-sent numbers are bounded', () => {
  it('refuses events with token counts or approval timeouts beyond the protocol’s limits, storing nothing', async () => {
    const { id, runner } = await runningExecution();
    runner.send({ type: 'exec.events', events: [usageEvent(1, usageData(MODEL, { inputTokens: MAX_TOKENS + 1 }))] });
    expect((await runner.next('error')).error).toMatchObject({ code: 'BAD_REQUEST' });
    runner.send({ type: 'exec.events', events: [requestedEvent(1, { timeoutMs: MAX_APPROVAL_TIMEOUT_MS + 1 })] });
    expect((await runner.next('error')).error.message).toContain('timeoutMs');
    runner.send({ type: 'exec.events', events: [{ ...statusEvent(1, 'running'), seq: 2 ** 40 }] });
    expect((await runner.next('error')).error.message).toContain('seq');
    expect(await storedEvents(id)).toEqual([]);
  });

  it('refuses a heartbeat whose metrics are absurd', async () => {
    const fleet = newFleet();
    const runner = await helloRunner(fleet, { labels: [uniqueLabel()] });
    const metrics = { cpuLoadPercent: 12, memUsedBytes: 1e30, memTotalBytes: 8e9 };
    runner.socket.send({ type: 'runner.heartbeat', running: [], metrics });
    const error = await runner.socket.next('error');
    expect(error.error).toMatchObject({ code: 'BAD_REQUEST' });
    expect(error.error.message).toContain('memUsedBytes');
  });
});
