// ExecutionHub budget enforcement: the execution's own maxBudgetUsd, per-call permits (answered after the charges
// before them have reached the guards), alerts relayed to the runner and viewers until the runner records them,
// `budget` cancels recorded in D1, and every scope released when the execution ends.
import { describe, expect, it } from 'vitest';
import { priceUsage } from '../src/domain/pricing';
import type { EventData } from '../src/protocol';
import { dayLimits, guardOf, newLabelScope } from './budget-support';
import {
  connectHubRunner,
  connectViewer,
  eventually,
  executionRow,
  hubOf,
  logEvent,
  seedExecution,
  sendBatch,
  statusEvent,
  storedEvents,
} from './do-support';
import { alertEvent, usageData, usageEvent } from './hub-support';

const MODEL = 'claude-sonnet-4-5-20250929';
/** 100k input tokens of Sonnet 4.5: $0.30. */
const thirtyCents = () => usageData(MODEL, { inputTokens: 100_000 });
const costOf = (usage: EventData<'usage'>) => priceUsage(usage.model, usage, new Date()).costUsd;

async function running(fields: Parameters<typeof seedExecution>[0] = {}) {
  const id = await seedExecution({ status: 'running', startedAt: Date.now(), ...fields });
  const runner = await connectHubRunner(id);
  await runner.next('exec.welcome');
  return { id, runner };
}

describe('ExecutionHub budgets', () => {
  it('cancels with reason budget, and alerts runner and viewers, once the spend reaches maxBudgetUsd', async () => {
    const { id, runner } = await running({ maxBudgetUsd: 0.5 });
    const viewer = await connectViewer(id);
    await viewer.next('ready');

    await sendBatch(runner, [statusEvent(1, 'running'), usageEvent(2, thirtyCents())]);
    await sendBatch(runner, [usageEvent(3, thirtyCents())]);
    const spentUsd = 2 * costOf(thirtyCents());
    const alert = { scope: 'execution', level: 'hard', spentUsd, limitUsd: 0.5, alertId: 'execution:hard' };
    expect((await runner.next('exec.alert')).alert).toEqual(alert);
    expect(await runner.next('exec.cancel')).toEqual({ type: 'exec.cancel', reason: 'budget' });
    expect((await viewer.next('alert')).alert).toEqual(alert);
    await eventually(async () =>
      expect(await executionRow(id)).toMatchObject({ cancelReason: 'budget', cancelRequestedAt: expect.any(Number) }),
    );

    // More usage (a call already in flight) changes nothing: one alert, one cancel.
    await sendBatch(runner, [usageEvent(4, thirtyCents())]);
    runner.send({ type: 'exec.permit', requestId: 'after-cap' });
    const refused = await runner.next('exec.permit.result');
    expect(refused).toMatchObject({ requestId: 'after-cap', allowed: false });
    expect(refused.reason).toMatch(/maxBudgetUsd \$0\.50\d* reached/);
    expect(runner.unread().filter((f) => f.type === 'exec.alert')).toEqual([]);
  });

  it('permits a model call while every scope and the execution cap have room', async () => {
    const { label, scope } = newLabelScope();
    await guardOf(scope).configure(scope, dayLimits(5));
    const { runner } = await running({ labels: [label], maxBudgetUsd: 1 });
    await sendBatch(runner, [statusEvent(1, 'running'), usageEvent(2, thirtyCents())]);
    runner.send({ type: 'exec.permit', requestId: 'call-2' });
    expect(await runner.next('exec.permit.result')).toEqual({
      type: 'exec.permit.result',
      requestId: 'call-2',
      allowed: true,
      reason: null,
    });
  });

  it('refuses a permit in a scope past its hard limit, with the reason, and cancels the execution', async () => {
    const { label, scope } = newLabelScope();
    await guardOf(scope).configure(scope, dayLimits(1));
    const { id, runner } = await running({ labels: [label] });
    // Another execution spent the scope's budget.
    await guardOf(scope).charge(scope, 'ex_someoneelse', 'other-1', 1.5);

    runner.send({ type: 'exec.permit', requestId: 'call-1' });
    const answer = await runner.next('exec.permit.result');
    expect(answer).toMatchObject({ requestId: 'call-1', allowed: false });
    expect(answer.reason).toBe(`budget ${scope}: hard limit $1.00 reached ($1.50 spent this day)`);
    expect(await runner.next('exec.cancel')).toEqual({ type: 'exec.cancel', reason: 'budget' });
    await eventually(async () => expect((await executionRow(id))?.cancelReason).toBe('budget'));

    // Asked again (after a reconnect) with the same requestId: answered again, the same way.
    const again = await connectHubRunner(id);
    expect(await again.next('exec.welcome')).toMatchObject({ cancel: 'budget' });
    again.send({ type: 'exec.permit', requestId: 'call-1' });
    expect(await again.next('exec.permit.result')).toMatchObject({ requestId: 'call-1', allowed: false });
  });

  it('judges a permit after the usage stored before it has been charged: no call starts past a hard limit', async () => {
    const { label, scope } = newLabelScope();
    await guardOf(scope).configure(scope, dayLimits(0.25));
    const { runner } = await running({ labels: [label] });
    // The call that crosses the limit was already in flight; its usage arrives, then the next call asks at once.
    runner.send({ type: 'exec.events', events: [statusEvent(1, 'running'), usageEvent(2, thirtyCents())] });
    runner.send({ type: 'exec.permit', requestId: 'next-call' });
    expect(await runner.next('exec.permit.result')).toMatchObject({ requestId: 'next-call', allowed: false });
    expect((await guardOf(scope).view(scope))?.state).toBe('hard_exceeded');
  });

  it('relays an alert to the runner and viewers, and again on each reconnect until the runner records it', async () => {
    const { id, runner } = await running();
    const viewer = await connectViewer(id);
    await viewer.next('ready');
    const alert = { scope: 'global', level: 'soft', spentUsd: 8.5, limitUsd: 8, alertId: 'global:soft:1' } as const;

    await hubOf(id).alert(id, alert);
    await hubOf(id).alert(id, alert);
    expect((await runner.next('exec.alert')).alert).toEqual(alert);
    expect((await viewer.next('alert')).alert).toEqual(alert);

    const back = await connectHubRunner(id);
    await back.next('exec.welcome');
    expect((await back.next('exec.alert')).alert).toEqual(alert);
    const late = await connectViewer(id);
    await late.next('ready');
    expect((await late.next('alert')).alert).toEqual(alert);

    // Recorded: the event is in the log (viewers get it there), so a reconnect no longer repeats it.
    await sendBatch(back, [alertEvent(1, alert)]);
    const recorded = await connectHubRunner(id);
    await recorded.next('exec.welcome');
    await sendBatch(recorded, [logEvent(2)]);
    expect(recorded.unread().filter((f) => f.type === 'exec.alert')).toEqual([]);
    expect(viewer.unread().filter((f) => f.type === 'alert')).toEqual([]);
    expect((await storedEvents(id))[0]).toMatchObject({ type: 'budget.alert', data: alert });
  });

  it('records a budget cancel of a running execution in D1 and ends a waiting one at once', async () => {
    const { id } = await running();
    await hubOf(id).cancel(id, 'budget');
    expect(await executionRow(id)).toMatchObject({ status: 'running', cancelReason: 'budget' });

    const queued = await seedExecution({ status: 'queued' });
    await hubOf(queued).alert(queued, {
      scope: 'global',
      level: 'hard',
      spentUsd: 12,
      limitUsd: 10,
      alertId: 'global:hard:1',
    });
    await hubOf(queued).cancel(queued, 'budget');
    expect(await executionRow(queued)).toMatchObject({
      status: 'cancelled',
      cancelReason: 'budget',
      statusReason: 'cancelled: budget global: hard limit $10.00 reached ($12.00 spent)',
    });
    expect((await storedEvents(queued)).at(-1)).toMatchObject({ type: 'status', data: { status: 'cancelled' } });
  });

  it('releases every scope when the execution ends', async () => {
    const { label, scope } = newLabelScope();
    const guard = guardOf(scope);
    await guard.configure(scope, dayLimits(10));
    const { id, runner } = await running({ labels: [label] });
    expect(await guard.admit(scope, id, 2)).toEqual({ ok: true });
    expect(await guard.view(scope)).toMatchObject({ activeExecutions: 1 });

    await sendBatch(runner, [statusEvent(1, 'running'), statusEvent(2, 'succeeded')]);
    await eventually(async () => expect(await guard.view(scope)).toMatchObject({ activeExecutions: 0 }));
  });
});
