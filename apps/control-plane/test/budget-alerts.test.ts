// BudgetGuard crossings against real hubs: a soft limit alerts every active execution once, a hard limit alerts
// and cancels every active execution at once (with reason `budget`), failed notices are retried from the alarm,
// and room appearing (a raised limit, a period reset driven through the alarm) dispatches blocked work.
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { newExecutionId } from '../src/lib/ids';
import type { CancelReason, EventData } from '../src/protocol';
import { dayLimits, guardOf, newLabelScope, setPeriodStart, storedPeriod, type GuardStub } from './budget-support';
import { connectHubRunner, eventually, seedExecution } from './do-support';
import { helloRunner } from './fleet-support';

/** A running execution admitted into the scope, with its runner's stream socket open on its hub. */
async function activeExecution(guard: GuardStub, scope: string, label: string, reservationUsd = 0) {
  const id = await seedExecution({ status: 'running', labels: [label], startedAt: Date.now() });
  expect(await guard.admit(scope, id, reservationUsd)).toEqual({ ok: true });
  const runner = await connectHubRunner(id);
  await runner.next('exec.welcome');
  return { id, runner };
}

const DAY_MS = 86_400_000;

describe('BudgetGuard crossings', () => {
  it('alerts every active execution once when the soft limit is crossed', async () => {
    const { label, scope } = newLabelScope();
    const guard = guardOf(scope);
    await guard.configure(scope, dayLimits(10, 1));
    const a = await activeExecution(guard, scope, label);
    const b = await activeExecution(guard, scope, label);

    await guard.charge(scope, a.id, 'a-1', 0.6);
    await guard.charge(scope, a.id, 'a-2', 0.6);
    const soft = { scope, level: 'soft', spentUsd: 1.2, limitUsd: 1 };
    for (const { runner } of [a, b]) {
      expect((await runner.next('exec.alert')).alert).toMatchObject(soft);
    }
    expect(await guard.view(scope)).toMatchObject({ state: 'soft_exceeded' });

    // More spend above the soft limit alerts no one again: the next alert each sees is the hard one.
    await guard.charge(scope, b.id, 'b-1', 0.3);
    await guard.charge(scope, b.id, 'b-2', 9);
    for (const { runner } of [a, b]) {
      expect((await runner.next('exec.alert')).alert).toMatchObject({ level: 'hard', limitUsd: 10 });
    }
  });

  it('alerts and cancels every active execution when the hard limit is crossed, then refuses new work', async () => {
    const { label, scope } = newLabelScope();
    const guard = guardOf(scope);
    await guard.configure(scope, dayLimits(2));
    const a = await activeExecution(guard, scope, label, 1);
    const b = await activeExecution(guard, scope, label);
    const ended = await activeExecution(guard, scope, label);
    await guard.release(scope, ended.id);

    await guard.charge(scope, a.id, 'a-1', 2.5);
    for (const { runner } of [a, b]) {
      const alert = (await runner.next('exec.alert')).alert;
      expect(alert).toMatchObject({ scope, level: 'hard', spentUsd: 2.5, limitUsd: 2 });
      expect(await runner.next('exec.cancel')).toEqual({ type: 'exec.cancel', reason: 'budget' });
    }
    // The execution that had already ended was left alone.
    const late = await connectHubRunner(ended.id);
    expect(await late.next('exec.welcome')).toMatchObject({ cancel: null });

    const reason = `budget ${scope}: hard limit $2.00 reached ($2.50 spent this day)`;
    expect(await guard.permit(scope, a.id)).toEqual({ ok: false, reason });
    expect(await guard.admit(scope, newExecutionId(), 0)).toEqual({ ok: false, reason });
  });

  it('cancels an execution it first hears of through a charge once the hard limit is reached', async () => {
    const { scope } = newLabelScope();
    const guard = guardOf(scope);
    await guard.configure(scope, dayLimits(1));
    // Started before the budget existed: never admitted here, but charged.
    const id = await seedExecution({ status: 'running' });
    const runner = await connectHubRunner(id);
    await runner.next('exec.welcome');
    await guard.charge(scope, id, 'c-1', 1);
    expect(await runner.next('exec.cancel')).toEqual({ type: 'exec.cancel', reason: 'budget' });
  });
});

type Calls = string[];

/** Points the guard's hub calls at a stand-in whose alerts fail while `failing.on` is set. */
async function standInHubs(guard: GuardStub, failing: { on: boolean }, calls: Calls): Promise<void> {
  const hub = {
    async alert(executionId: string, alert: EventData<'budget.alert'>) {
      if (failing.on) throw new Error('hub unreachable');
      calls.push(`alert ${executionId} ${alert.level}`);
    },
    async cancel(executionId: string, reason: CancelReason) {
      calls.push(`cancel ${executionId} ${reason}`);
    },
  };
  await runInDurableObject(guard, (instance) => {
    const target = instance as unknown as { env: Env };
    target.env = { ...target.env, EXECUTION_HUB: { idFromName: (name: string) => name, get: () => hub } as never };
  });
}

async function pendingNotices(guard: GuardStub) {
  return runInDurableObject(guard, (_instance, state) =>
    state.storage.sql
      .exec<{ attempts: number }>('SELECT attempts FROM notices WHERE alert_due = 1 OR cancel_due = 1')
      .toArray(),
  );
}

describe('BudgetGuard notices', () => {
  it('retries a failed alert from the alarm and delivers each part once', async () => {
    const { scope } = newLabelScope();
    const guard = guardOf(scope);
    const failing = { on: true };
    const calls: Calls = [];
    await standInHubs(guard, failing, calls);
    await guard.configure(scope, dayLimits(1));
    const id = newExecutionId();
    await guard.admit(scope, id, 0);

    await guard.charge(scope, id, 'c-1', 1);
    await eventually(async () => expect(await pendingNotices(guard)).toEqual([{ attempts: 1 }]));
    expect(calls).toEqual([`cancel ${id} budget`]);
    const alarm = await runInDurableObject(guard, (_instance, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
    expect(alarm!).toBeLessThanOrEqual(Date.now() + 2_000);

    failing.on = false;
    expect(await runDurableObjectAlarm(guard)).toBe(true);
    expect(calls).toEqual([`cancel ${id} budget`, `alert ${id} hard`]);
    expect(await pendingNotices(guard)).toEqual([]);
  });
});

describe('BudgetGuard room', () => {
  /** A runner on the production Fleet taking only this label, and an execution queued for it without a dispatch. */
  async function waitingJob(label: string) {
    const fleet = env.FLEET.get(env.FLEET.idFromName('global'));
    const runner = await helloRunner(fleet, { labels: [label], maxConcurrent: 2 });
    const id = await seedExecution({ labels: [label] });
    return { runner, id };
  }

  it('dispatches when a raised limit makes room', async () => {
    const { label, scope } = newLabelScope();
    const guard = guardOf(scope);
    await guard.configure(scope, dayLimits(1));
    await guard.charge(scope, newExecutionId(), 'c-1', 1);
    const { runner, id } = await waitingJob(label);

    await guard.configure(scope, dayLimits(5));
    expect((await runner.socket.next('job.offer')).job.executionId).toBe(id);
  });

  it('resets the spend at the period boundary from its alarm, and dispatches', async () => {
    const { label, scope } = newLabelScope();
    const guard = guardOf(scope);
    const budget = await guard.configure(scope, dayLimits(1, 0.5));
    await guard.charge(scope, newExecutionId(), 'c-1', 1.5);
    expect(await guard.view(scope)).toMatchObject({ state: 'hard_exceeded' });
    const alarm = await runInDurableObject(guard, (_instance, state) => state.storage.getAlarm());
    expect(alarm!).toBeLessThanOrEqual(Date.parse(budget.periodEnd!));
    const { runner, id } = await waitingJob(label);

    // As if the period had begun yesterday: the alarm finds today's boundary passed.
    const today = Date.parse(budget.periodStart);
    await setPeriodStart(guard, today - DAY_MS);
    expect(await runDurableObjectAlarm(guard)).toBe(true);
    expect(await storedPeriod(guard)).toEqual({ periodStart: today, spentUsd: 0 });
    expect((await runner.socket.next('job.offer')).job.executionId).toBe(id);
    expect(await guard.view(scope)).toMatchObject({ spentUsd: 0, state: 'ok', periodStart: budget.periodStart });
    expect(await guard.permit(scope, id)).toEqual({ ok: true });
  });
});
