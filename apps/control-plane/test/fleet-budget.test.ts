// Fleet admission: an execution starts only once every budget scope it falls in admits it; a refused one is
// `blocked` with the reason, starts by itself when room appears, and never holds up the executions behind it.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { Execution } from '../src/protocol';
import { api } from './api-support';
import { dayLimits, guardOf, newLabelScope } from './budget-support';
import { eventually, executionRow, seedExecution, uniqueLabel } from './do-support';
import { helloRunner, newFleet } from './fleet-support';

/** A label scope whose budget is spent: its hard limit of $1 is reached. */
async function spentScope() {
  const { label, scope } = newLabelScope();
  await guardOf(scope).configure(scope, dayLimits(1));
  await guardOf(scope).charge(scope, 'ex_spentbyothers', 'spent-1', 1);
  await guardOf(scope).release(scope, 'ex_spentbyothers');
  return { label, scope, reason: `budget ${scope}: hard limit $1.00 reached ($1.00 spent this day)` };
}

const blocked = async (id: string) => {
  const row = await eventually(async () => {
    const current = await executionRow(id);
    expect(current?.status).toBe('blocked');
    return current;
  });
  return row?.blockedReason;
};

describe('Fleet admission', () => {
  it('blocks an execution a budget refuses, says why, and starts it once the limit is raised', async () => {
    // The production Fleet: a guard whose limit is raised dispatches on the one named 'global'.
    const fleet = env.FLEET.get(env.FLEET.idFromName('global'));
    const { label, scope, reason } = await spentScope();
    const id = await seedExecution({ labels: [label] });
    const runner = await helloRunner(fleet, { labels: [label] });

    expect(await blocked(id)).toBe(reason);
    const view = Execution.parse(await (await api(`/api/v1/executions/${id}`)).json());
    expect(view).toMatchObject({ status: 'blocked', blockedReason: reason });
    expect(runner.socket.unread().filter((f) => f.type === 'job.offer')).toEqual([]);

    await guardOf(scope).configure(scope, dayLimits(5));
    expect((await runner.socket.next('job.offer')).job.executionId).toBe(id);
    expect(await executionRow(id)).toMatchObject({ status: 'assigned', runnerId: runner.id, blockedReason: null });
    expect(await guardOf(scope).view(scope)).toMatchObject({ activeExecutions: 1 });
  });

  it('blocks an execution whose maxBudgetUsd does not fit in what is left', async () => {
    const fleet = newFleet();
    const { label, scope } = newLabelScope();
    await guardOf(scope).configure(scope, dayLimits(1));
    const big = await seedExecution({ labels: [label], maxBudgetUsd: 2 });
    const small = await seedExecution({ labels: [label], maxBudgetUsd: 0.5, createdAt: Date.now() + 1 });
    const runner = await helloRunner(fleet, { labels: [label] });

    expect((await runner.socket.next('job.offer')).job.executionId).toBe(small);
    expect(await blocked(big)).toMatch(new RegExp(`^budget ${scope}: `));
  });

  it('offers the executions behind a blocked head, however many are blocked', async () => {
    const fleet = newFleet();
    const spent = await spentScope();
    const label = uniqueLabel();
    const heads: string[] = [];
    const start = Date.now();
    for (let i = 0; i < 6; i++) {
      heads.push(await seedExecution({ labels: [label, spent.label], createdAt: start + i }));
    }
    const free = await seedExecution({ labels: [label], createdAt: start + 10 });
    const runner = await helloRunner(fleet, { labels: [label, spent.label] });

    expect((await runner.socket.next('job.offer')).job.executionId).toBe(free);
    for (const id of heads) expect(await blocked(id)).toBe(spent.reason);
  });

  it('gives back what other scopes admitted when one refuses', async () => {
    const fleet = newFleet();
    const spent = await spentScope();
    const roomy = newLabelScope();
    await guardOf(roomy.scope).configure(roomy.scope, dayLimits(10));
    const id = await seedExecution({ labels: [roomy.label, spent.label], maxBudgetUsd: 3 });
    await helloRunner(fleet, { labels: [roomy.label, spent.label] });

    expect(await blocked(id)).toBe(spent.reason);
    expect(await guardOf(roomy.scope).view(roomy.scope)).toMatchObject({ activeExecutions: 0, remainingUsd: 10 });
  });

  it('lets a blocked execution be cancelled like a queued one', async () => {
    const fleet = newFleet();
    const { label } = await spentScope();
    const id = await seedExecution({ labels: [label] });
    await helloRunner(fleet, { labels: [label] });
    await blocked(id);

    const response = await api(`/api/v1/executions/${id}/cancel`, { method: 'POST' });
    expect(response.status).toBe(202);
    expect(Execution.parse(await response.json())).toMatchObject({
      status: 'cancelled',
      cancelReason: 'user',
      blockedReason: null,
    });
  });
});
