// A budget in pause mode inside workerd: PUT /api/v1/budgets/:scope takes `onHardLimit: "pause"` (kept by a later
// PUT that leaves it out), crossing its hard limit pauses the scope's running execution (exec.pause, reason budget)
// instead of cancelling it and holds its permits, and raising the limit resumes it and answers them. The default is
// still cancel.
import { describe, expect, it } from 'vitest';
import { Budget, page } from '../src/protocol';
import { api } from './api-support';
import { newLabelScope } from './budget-support';
import { eventually, executionRow, logEvent, sendBatch } from './do-support';
import { usageData, usageEvent } from './hub-support';
import { pausedEvent, resumeExecution, runningExecution, unreadOf } from './supervision-support';

const MODEL = 'claude-sonnet-4-5-20250929';
/** 100k input tokens of Sonnet 4.5: $0.30. */
const thirtyCents = () => usageData(MODEL, { inputTokens: 100_000 });

const putBudget = async (scope: string, body: Record<string, unknown>): Promise<Budget> => {
  const response = await api(`/api/v1/budgets/${encodeURIComponent(scope)}`, { method: 'PUT', body });
  expect(response.status).toBe(200);
  return Budget.parse(await response.json());
};

async function listed(scope: string): Promise<Budget | undefined> {
  const response = await api('/api/v1/budgets');
  expect(response.status).toBe(200);
  return page(Budget)
    .parse(await response.json())
    .items.find((budget) => budget.scope === scope);
}

describe('a budget that pauses at its hard limit', () => {
  it('is listed with its mode, which a PUT without one keeps; a new budget cancels', async () => {
    const { scope } = newLabelScope();
    expect(await putBudget(scope, { period: 'day', hardLimitUsd: 1, onHardLimit: 'pause' })).toMatchObject({
      onHardLimit: 'pause',
    });
    expect(await listed(scope)).toMatchObject({ hardLimitUsd: 1, onHardLimit: 'pause' });
    expect(await putBudget(scope, { period: 'day', hardLimitUsd: 2 })).toMatchObject({ onHardLimit: 'pause' });
    expect(await listed(scope)).toMatchObject({ hardLimitUsd: 2, onHardLimit: 'pause' });

    const other = newLabelScope().scope;
    expect(await putBudget(other, { period: 'day', hardLimitUsd: 1 })).toMatchObject({ onHardLimit: 'cancel' });
    const bad = await api(`/api/v1/budgets/${encodeURIComponent(other)}`, {
      method: 'PUT',
      body: { period: 'day', onHardLimit: 'stop' },
    });
    expect(bad.status).toBe(400);
  });

  it('pauses the running execution instead of cancelling it, holds its permit, and resumes it once raised', async () => {
    const { label, scope } = newLabelScope();
    await putBudget(scope, { period: 'day', hardLimitUsd: 0.25, onHardLimit: 'pause' });
    const { id, runner } = await runningExecution({ labels: [label], startedAt: Date.now() });

    await sendBatch(runner, [usageEvent(2, thirtyCents())]);
    expect((await runner.next('exec.alert')).alert).toMatchObject({ scope, level: 'hard', limitUsd: 0.25 });
    const pause = await runner.next('exec.pause');
    expect(pause).toEqual({
      type: 'exec.pause',
      reason: 'budget',
      message: `budget ${scope}: hard limit $0.25 reached`,
    });

    runner.send({ type: 'exec.permit', requestId: 'over-budget' });
    await sendBatch(runner, [pausedEvent(3, 'budget', { reason: pause.message! })]);
    await eventually(async () =>
      expect(await executionRow(id)).toMatchObject({ status: 'paused', pausedReason: 'budget' }),
    );
    // Not cancelled, and the permit waits.
    expect(await executionRow(id)).toMatchObject({ cancelReason: null, cancelRequestedAt: null });
    await sendBatch(runner, [logEvent(4)]);
    expect(unreadOf(runner, 'exec.permit.result')).toEqual([]);
    expect(unreadOf(runner, 'exec.cancel')).toEqual([]);

    await putBudget(scope, { period: 'day', hardLimitUsd: 10 });
    expect(await runner.next('exec.resume')).toEqual({ type: 'exec.resume' });
    expect(await runner.next('exec.permit.result')).toEqual({
      type: 'exec.permit.result',
      requestId: 'over-budget',
      allowed: true,
      reason: null,
    });
  });

  it('pauses and resumes an execution it first hears of through a permit (another execution crossed)', async () => {
    // Neither was admitted by a Fleet: the spender becomes known through its charge, the other through its permit.
    const { label, scope } = newLabelScope();
    await putBudget(scope, { period: 'day', hardLimitUsd: 0.25, onHardLimit: 'pause' });
    const spender = await runningExecution({ labels: [label], startedAt: Date.now() });
    const { runner } = await runningExecution({ labels: [label], startedAt: Date.now() });
    await sendBatch(spender.runner, [usageEvent(2, thirtyCents())]);
    await spender.runner.next('exec.pause');

    runner.send({ type: 'exec.permit', requestId: 'second' });
    expect(await runner.next('exec.pause')).toMatchObject({ reason: 'budget' });
    await sendBatch(runner, [logEvent(2)]);
    expect(unreadOf(runner, 'exec.permit.result')).toEqual([]);

    await putBudget(scope, { period: 'day', hardLimitUsd: 5 });
    for (const live of [spender.runner, runner]) await live.next('exec.resume');
    expect(await runner.next('exec.permit.result')).toMatchObject({ requestId: 'second', allowed: true });
  });

  it('pauses again when a person resumes it while the budget is still over its limit', async () => {
    const { label, scope } = newLabelScope();
    await putBudget(scope, { period: 'day', hardLimitUsd: 0.25, onHardLimit: 'pause' });
    const { id, runner } = await runningExecution({ labels: [label], startedAt: Date.now() });
    await sendBatch(runner, [usageEvent(2, thirtyCents())]);
    await runner.next('exec.pause');
    runner.send({ type: 'exec.permit', requestId: 'still-over' });
    await sendBatch(runner, [logEvent(3)]);

    expect((await resumeExecution(id)).status).toBe(200);
    await runner.next('exec.resume');
    // The held permit is judged again: the budget refuses it, so the run pauses again and the permit stays held.
    const again = await runner.next('exec.pause');
    expect(again.reason).toBe('budget');
    expect(again.message).toMatch(new RegExp(`^budget ${scope}: hard limit \\$0\\.25\\d* reached`));
    await sendBatch(runner, [logEvent(4)]);
    expect(unreadOf(runner, 'exec.permit.result')).toEqual([]);
    expect(unreadOf(runner, 'exec.cancel')).toEqual([]);

    await putBudget(scope, { period: 'day', hardLimitUsd: 10 });
    await runner.next('exec.resume');
    expect(await runner.next('exec.permit.result')).toMatchObject({ requestId: 'still-over', allowed: true });
  });
});

describe('a budget in the default mode', () => {
  it('cancels the running execution at its hard limit', async () => {
    const { label, scope } = newLabelScope();
    await putBudget(scope, { period: 'day', hardLimitUsd: 0.25 });
    const { id, runner } = await runningExecution({ labels: [label], startedAt: Date.now() });
    await sendBatch(runner, [usageEvent(2, thirtyCents())]);
    expect(await runner.next('exec.cancel')).toEqual({ type: 'exec.cancel', reason: 'budget' });
    await eventually(async () => expect((await executionRow(id))?.cancelReason).toBe('budget'));
    expect(unreadOf(runner, 'exec.pause')).toEqual([]);
  });
});
