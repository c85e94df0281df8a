// BudgetGuard: configuration and its view, the seed from D1 cost rows, idempotent charges, reservations at
// admission, permits, release, negative reconciliation charges, unconfigured scopes, and state across eviction.
import { evictDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { newExecutionId } from '../src/lib/ids';
import { Budget } from '../src/protocol';
import { costRow, dayLimits, guardOf, newLabelScope, seedCostedExecution } from './budget-support';

const todayStart = () => {
  const now = new Date();
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
};

describe('BudgetGuard configuration', () => {
  it('is null until configured, then shows limits, spend, period and state', async () => {
    const { scope } = newLabelScope();
    const guard = guardOf(scope);
    expect(await guard.view(scope)).toBeNull();

    const budget = Budget.parse(await guard.configure(scope, dayLimits(5, 3)));
    expect(budget).toEqual({
      scope,
      period: 'day',
      softLimitUsd: 3,
      hardLimitUsd: 5,
      spentUsd: 0,
      remainingUsd: 5,
      periodStart: new Date(todayStart()).toISOString(),
      periodEnd: new Date(todayStart() + 86_400_000).toISOString(),
      state: 'ok',
      onHardLimit: 'cancel',
      activeExecutions: 0,
    });
    expect(await guard.view(scope)).toEqual(budget);

    const total = await guard.configure(scope, { period: 'total', softLimitUsd: null, hardLimitUsd: null });
    expect(total).toMatchObject({ period: 'total', periodStart: '1970-01-01T00:00:00.000Z', periodEnd: null });
    expect(total).toMatchObject({ remainingUsd: null, state: 'ok' });
  });

  it("seeds the period's spend from the cost rows of the scope's executions", async () => {
    const { label, scope } = newLabelScope();
    const now = Date.now();
    // Reconciled: its costUsd (Claude Code's total) counts, not the sum of its rows.
    await seedCostedExecution({ startedAt: now, labels: [label], costUsd: 0.9 }, [costRow('m', 1)]);
    // Still running, no costUsd yet: its rows count.
    await seedCostedExecution({ startedAt: now, labels: ['other', label], status: 'running' }, [
      costRow('m', 0.25),
      costRow('n', 0.5),
    ]);
    // Yesterday, or another label: not this day's spend of this scope.
    await seedCostedExecution({ startedAt: todayStart() - 1, labels: [label], costUsd: 10 }, [costRow('m', 10)]);
    await seedCostedExecution({ startedAt: now, labels: ['other'], costUsd: 10 }, [costRow('m', 10)]);

    const budget = await guardOf(scope).configure(scope, dayLimits(2));
    expect(budget.spentUsd).toBeCloseTo(1.65, 9);
    const month = await guardOf(scope).configure(scope, { ...dayLimits(20), period: 'month' });
    const yesterdayInMonth = new Date(todayStart() - 1).getUTCMonth() === new Date(now).getUTCMonth();
    expect(month.spentUsd).toBeCloseTo(yesterdayInMonth ? 11.65 : 1.65, 9);
  });

  it('seeds an agent scope from executions of that agent', async () => {
    const agent = `a-${crypto.randomUUID().slice(0, 8)}`;
    await seedCostedExecution({ startedAt: Date.now(), agent }, [costRow('m', 0.4)]);
    await seedCostedExecution({ startedAt: Date.now() }, [costRow('m', 7)]);
    const budget = await guardOf(`agent:${agent}`).configure(`agent:${agent}`, dayLimits(1));
    expect(budget.spentUsd).toBeCloseTo(0.4, 9);
  });
});

describe('BudgetGuard charges and admission', () => {
  it('applies a charge once per chargeId and takes a negative reconciliation', async () => {
    const { scope } = newLabelScope();
    const guard = guardOf(scope);
    await guard.configure(scope, dayLimits(5));
    const id = newExecutionId();
    await guard.charge(scope, id, `${id}:1`, 1.25);
    await guard.charge(scope, id, `${id}:1`, 1.25);
    await guard.charge(scope, id, `${id}:2`, 0.5);
    expect(await guard.view(scope)).toMatchObject({ spentUsd: 1.75, remainingUsd: 3.25, activeExecutions: 1 });

    await guard.charge(scope, id, `${id}:reconcile`, -0.25);
    expect((await guard.view(scope))?.spentUsd).toBeCloseTo(1.5, 9);
  });

  it('admits while reservations fit, counts charges against the reservation, frees it on release', async () => {
    const { scope } = newLabelScope();
    const guard = guardOf(scope);
    await guard.configure(scope, dayLimits(5));
    const [a, b, c] = [newExecutionId(), newExecutionId(), newExecutionId()];

    expect(await guard.admit(scope, a, 3)).toEqual({ ok: true });
    expect(await guard.admit(scope, a, 3)).toEqual({ ok: true }); // idempotent: still one reservation of $3
    const refused = await guard.admit(scope, b, 2.5);
    expect(refused).toEqual({
      ok: false,
      reason: `budget ${scope}: no room for a $2.50 reservation under the hard limit $5.00 ($0.00 spent and $3.00 reserved this day)`,
    });
    expect(await guard.admit(scope, b, 2)).toEqual({ ok: true });

    // a spends $1 of its $3: $2 stays reserved, so $5 is committed and nothing more fits.
    await guard.charge(scope, a, 'a-1', 1);
    expect((await guard.admit(scope, c, 0)).ok).toBe(false);
    expect(await guard.view(scope)).toMatchObject({ spentUsd: 1, activeExecutions: 2, state: 'ok' });

    await guard.release(scope, a);
    await guard.release(scope, a);
    expect(await guard.admit(scope, c, 1.5)).toEqual({ ok: true });
    expect((await guard.view(scope))?.activeExecutions).toBe(2);
  });

  it('admits exactly as many racing reservations as fit, and no permit once racing charges reach the limit', async () => {
    const { scope } = newLabelScope();
    const guard = guardOf(scope);
    await guard.configure(scope, dayLimits(5));
    const ids = Array.from({ length: 12 }, () => newExecutionId());
    const admitted = await Promise.all(ids.map((id) => guard.admit(scope, id, 1)));
    expect(admitted.filter((decision) => decision.ok)).toHaveLength(5);

    const racing = ids.flatMap((id, i) => [guard.charge(scope, id, `${id}:1`, 0.5), guard.permit(scope, ids[11 - i]!)]);
    await Promise.all(racing);
    expect((await guard.view(scope))?.spentUsd).toBe(6);
    expect((await guard.permit(scope, ids[0]!)).ok).toBe(false);
  });

  it('permits model calls until the hard limit is reached, then refuses them and admission', async () => {
    const { scope } = newLabelScope();
    const guard = guardOf(scope);
    await guard.configure(scope, dayLimits(2));
    const id = newExecutionId();
    expect(await guard.admit(scope, id, 0)).toEqual({ ok: true });
    expect(await guard.permit(scope, id)).toEqual({ ok: true });
    await guard.charge(scope, id, 'c1', 2.12);
    const reason = `budget ${scope}: hard limit $2.00 reached ($2.12 spent this day)`;
    expect(await guard.permit(scope, id)).toEqual({ ok: false, reason });
    expect(await guard.admit(scope, newExecutionId(), 0)).toEqual({ ok: false, reason });
    expect(await guard.view(scope)).toMatchObject({ state: 'hard_exceeded', remainingUsd: 0 });

    // Raising the limit makes room again.
    await guard.configure(scope, dayLimits(10));
    expect(await guard.permit(scope, id)).toEqual({ ok: true });
  });

  it('lets everything through on a scope without a budget, and ignores charges there', async () => {
    const { scope } = newLabelScope();
    const guard = guardOf(scope);
    const id = newExecutionId();
    expect(await guard.admit(scope, id, 1000)).toEqual({ ok: true });
    expect(await guard.permit(scope, id)).toEqual({ ok: true });
    await guard.charge(scope, id, 'c1', 50);
    await guard.release(scope, id);
    expect(await guard.view(scope)).toBeNull();
    expect((await guard.configure(scope, dayLimits(1))).spentUsd).toBe(0);
  });

  it('forgets the budget on remove', async () => {
    const { scope } = newLabelScope();
    const guard = guardOf(scope);
    await guard.configure(scope, dayLimits(1));
    await guard.charge(scope, newExecutionId(), 'c1', 1);
    await guard.remove(scope);
    expect(await guard.view(scope)).toBeNull();
    expect(await guard.permit(scope, newExecutionId())).toEqual({ ok: true });
  });

  it('keeps spend, reservations, active executions and applied charge ids across eviction', async () => {
    const { scope } = newLabelScope();
    const guard = guardOf(scope);
    await guard.configure(scope, dayLimits(4, 1));
    const [a, b] = [newExecutionId(), newExecutionId()];
    await guard.admit(scope, a, 2);
    await guard.charge(scope, a, 'a-1', 0.5);
    const before = await guard.view(scope);

    await evictDurableObject(guard);
    expect(await guard.view(scope)).toEqual(before);
    await guard.charge(scope, a, 'a-1', 0.5); // already applied before the eviction
    expect((await guard.view(scope))?.spentUsd).toBe(0.5);
    // $0.50 spent + $1.50 still reserved by a: $2 of $4 is free.
    expect((await guard.admit(scope, b, 2.5)).ok).toBe(false);
    expect(await guard.admit(scope, b, 2)).toEqual({ ok: true });
  });
});
