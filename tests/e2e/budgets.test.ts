// Costs and budgets end to end: the real runner and Claude Code against the scripted Anthropic API, budgets set
// over the API, limits crossed by real usage. Spend is what the hub priced from the usage events it stored.
import type { Execution, ExecutionEvent } from '@claudeops/control-plane/protocol';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBudget, largestCall, putBudget, recordedSpend, usageEvents } from '../fixtures/budgets';
import { processesIn } from '../fixtures/processes';
import type { RunnerProcess } from '../fixtures/runner-process';
import { type Stack, startStack } from '../fixtures/stack';
import { assertContiguous } from '../fixtures/viewer';
import { waitFor } from '../fixtures/wait';

const MODEL = 'claude-sonnet-4-5';
let stack: Stack;
let runner: RunnerProcess;
/** The cost of one scripted `costly` model call, measured by the first test. */
let callUsd = 0;

beforeAll(async () => {
  stack = await startStack({ controlPlane: { heartbeatIntervalMs: 2_000 } });
  runner = await stack.startRunner({ maxConcurrent: 4, labels: ['hard', 'blocked', 'cap'] });
});

afterAll(async () => {
  await stack?.dispose();
});

/** Prints the overspend past a limit, in dollars and in model calls, for the closing note's record. */
function reportOverspend(test: string, spent: number, limit: number, call: number) {
  const over = Math.max(0, spent - limit);
  console.log(`overspend ${test}: $${over.toFixed(4)} past $${limit.toFixed(4)} (${(over / call).toFixed(2)} calls)`);
}

const alerts = (events: ExecutionEvent[]) =>
  events.flatMap((event) => (event.type === 'budget.alert' ? [event.data] : []));

async function run(prompt: string, extra: { labels?: string[]; maxBudgetUsd?: number } = {}) {
  return stack.api.createExecution({ prompt, model: MODEL, ...extra });
}

async function finished(execution: Execution) {
  const done = await stack.waitForEnd(execution.id, 180_000);
  const events = await stack.api.allEvents(execution.id);
  assertContiguous(events);
  return { done, events };
}

describe('costs and budgets', () => {
  it('prices every call live and agrees with Claude Code’s total_cost_usd within 1%', async () => {
    const { done, events } = await finished(await run('Spend a little [script:costly:3]'));
    expect(done.status).toBe('succeeded');
    const usage = usageEvents(events);
    expect(usage).toHaveLength(4);
    let running = 0;
    for (const event of usage) {
      expect(event.data.costUsd).toBeGreaterThan(0);
      running += event.data.costUsd ?? 0;
      expect(event.data.totalCostUsd).toBeCloseTo(running, 9);
      expect(event.data.estimated).toBe(false);
    }
    const result = events.find((event) => event.type === 'result');
    expect(result?.type === 'result' && result.data.totalCostUsd).toBe(done.costUsd);
    expect(done.costEstimatedUsd).toBeCloseTo(running, 9);
    expect(Math.abs(done.costEstimatedUsd! - done.costUsd!) / done.costUsd!).toBeLessThan(0.01);
    callUsd = largestCall(events);
    expect(callUsd).toBeGreaterThan(0.05);
  });

  it('cancels a run that crosses a hard limit, within one model call of it, after a soft alert', async () => {
    const hard = 4.5 * callUsd;
    await putBudget(stack.api, 'label:hard', { period: 'day', softLimitUsd: 2 * callUsd, hardLimitUsd: hard });
    const execution = await run('Spend a lot [script:costly:40]', { labels: ['hard'] });
    const { done, events } = await finished(execution);

    expect(done.status).toBe('cancelled');
    expect(done.cancelReason).toBe('budget');
    expect(done.statusReason).toContain('label:hard');
    const spent = recordedSpend(events);
    reportOverspend('one run, label hard limit', spent, hard, largestCall(events));
    expect(spent).toBeGreaterThanOrEqual(hard);
    expect(spent).toBeLessThanOrEqual(hard + largestCall(events) + 1e-9);
    expect(alerts(events).map((a) => `${a.scope} ${a.level}`)).toEqual(['label:hard soft', 'label:hard hard']);
    await waitFor(async () => (await processesIn(path.join(runner.workspacesDir, execution.id))).length === 0, {
      what: 'Claude Code to be gone',
    });

    const budget = await getBudget(stack.api, 'label:hard');
    expect(budget.state).toBe('hard_exceeded');
    expect(budget.spentUsd).toBeCloseTo(spent, 6);
    expect(budget.remainingUsd).toBe(0);
  });

  it('blocks an execution whose budget has no room and starts it when the limit is raised', async () => {
    await putBudget(stack.api, 'label:blocked', { period: 'total', hardLimitUsd: 0 });
    const execution = await run('Write it [script:write-file:unblocked.txt]', { labels: ['blocked'] });
    const blocked = await stack.waitForStatus(execution.id, (e) => e.status === 'blocked');
    expect(blocked.blockedReason).toContain('label:blocked');
    expect(blocked.runnerId).toBeNull();

    await putBudget(stack.api, 'label:blocked', { period: 'total', hardLimitUsd: 100 });
    const { done } = await finished(execution);
    expect(done.status).toBe('succeeded');
    expect(done.blockedReason).toBeNull();
  });

  it('enforces an execution’s own maxBudgetUsd', async () => {
    const cap = 2.5 * callUsd;
    const { done, events } = await finished(await run('Spend [script:costly:40]', { maxBudgetUsd: cap }));
    expect(['cancelled', 'failed']).toContain(done.status);
    if (done.status === 'cancelled') expect(done.cancelReason).toBe('budget');
    reportOverspend('maxBudgetUsd', recordedSpend(events), cap, largestCall(events));
    expect(recordedSpend(events)).toBeLessThanOrEqual(cap + largestCall(events) + 1e-9);
  });

  it('keeps four executions racing for the last dollars of one global limit within the bound, jointly', async () => {
    const seeded = (await putBudget(stack.api, 'global', { period: 'day' })).spentUsd;
    const hard = seeded + 6 * callUsd;
    await putBudget(stack.api, 'global', { period: 'day', hardLimitUsd: hard });
    const executions = await Promise.all([1, 2, 3, 4].map((n) => run(`Race ${n} [script:costly:40]`)));
    const ends = await Promise.all(executions.map(finished));

    const all = ends.flatMap(({ events }) => events);
    for (const { done } of ends) {
      expect(done.status).toBe('cancelled');
      expect(done.cancelReason).toBe('budget');
    }
    const spent = ends.reduce((sum, { events }) => sum + recordedSpend(events), 0);
    reportOverspend('four racing, global hard limit', seeded + spent, hard, largestCall(all));
    expect(seeded + spent).toBeGreaterThanOrEqual(hard);
    expect(seeded + spent).toBeLessThanOrEqual(hard + 4 * largestCall(all) + 1e-9);
    const budget = await getBudget(stack.api, 'global');
    expect(budget.state).toBe('hard_exceeded');
    expect(budget.spentUsd).toBeCloseTo(seeded + spent, 6);
  });

  it('keeps budget state across a restart of the control plane', async () => {
    const before = await getBudget(stack.api, 'global');
    await stack.restartControlPlane();
    const after = await getBudget(stack.api, 'global');
    expect(after).toEqual(before);

    // Still enforced after the restart: a new execution waits, and runs once the budget is gone.
    const execution = await run('Hello [script:echo]');
    const blocked = await stack.waitForStatus(execution.id, (e) => e.status === 'blocked');
    expect(blocked.blockedReason).toContain('global');
    expect((await stack.api.request('DELETE', '/api/v1/budgets/global')).status).toBe(204);
    const { done } = await finished(execution);
    expect(done.status).toBe('succeeded');
  });
});
