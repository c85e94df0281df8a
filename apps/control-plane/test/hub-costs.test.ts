// ExecutionHub cost accounting: usage events priced and enriched before they are stored (so replays and viewers see
// the cost), charged to every budget scope once even when resent, D1's cost rows and live cost, reconciliation to
// Claude Code's total, and charges that survive eviction until a guard takes them.
import { evictDurableObject, runDurableObjectAlarm } from 'cloudflare:test';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { executionCosts } from '../src/db/schema';
import { priceUsage } from '../src/domain/pricing';
import { newExecutionId } from '../src/lib/ids';
import type { EventData } from '../src/protocol';
import { dayLimits, guardOf, newLabelScope } from './budget-support';
import {
  connectHubRunner,
  connectViewer,
  db,
  eventually,
  executionRow,
  hubOf,
  logEvent,
  resultEvent,
  seedExecution,
  sendBatch,
  statusEvent,
  storedEvents,
} from './do-support';
import { usageEvent, usageData } from './hub-support';

const MODEL = 'claude-sonnet-4-5-20250929';
const costOf = (usage: EventData<'usage'>) => priceUsage(usage.model, usage, new Date()).costUsd;

/** A running execution in a fresh label scope with a budget (so the guard keeps its spend), its runner connected. */
async function costedExecution(fields: Parameters<typeof seedExecution>[0] = {}) {
  const { label, scope } = newLabelScope();
  await guardOf(scope).configure(scope, dayLimits(1_000));
  const id = await seedExecution({ status: 'running', startedAt: Date.now(), labels: [label], ...fields });
  const runner = await connectHubRunner(id);
  await runner.next('exec.welcome');
  return { id, scope, runner, spent: async () => (await guardOf(scope).view(scope))?.spentUsd };
}

describe('ExecutionHub costs', () => {
  it('prices a usage event before storing it: the stored, replayed and live event carry its cost and the total', async () => {
    const { id, runner } = await costedExecution();
    const live = await connectViewer(id);
    await live.next('ready');
    const first = usageData(MODEL, { inputTokens: 100_000, outputTokens: 10_000 });
    const second = usageData(MODEL, {
      inputTokens: 1_000,
      cacheReadInputTokens: 50_000,
      cacheCreationInputTokens: 20_000,
    });
    const total = costOf(first) + costOf(second);

    await sendBatch(runner, [usageEvent(1, first), logEvent(2), usageEvent(3, second)]);
    const stored = await storedEvents(id);
    expect(stored[0]).toMatchObject({ type: 'usage', data: { ...first, costUsd: costOf(first), estimated: false } });
    expect(stored[2]?.data).toMatchObject({ costUsd: costOf(second), totalCostUsd: expect.closeTo(total, 12) });
    expect(stored[1]).toMatchObject({ type: 'log' });

    expect((await live.next('events')).events).toEqual(stored);
    const replay = await connectViewer(id);
    expect((await replay.next('events')).events).toEqual(stored);
  });

  it('charges every scope once per usage event, however often the runner resends it', async () => {
    const agent = `a-${crypto.randomUUID().slice(0, 8)}`;
    const agentScope = `agent:${agent}`;
    await guardOf(agentScope).configure(agentScope, dayLimits(1_000));
    const { id, runner, spent } = await costedExecution({ agent });
    const first = usageData(MODEL, { inputTokens: 200_000 });
    const second = usageData(MODEL, { outputTokens: 3_000 });

    await sendBatch(runner, [statusEvent(1, 'running'), usageEvent(2, first)]);
    await eventually(async () => expect(await spent()).toBeCloseTo(costOf(first), 12));
    // Resent after a lost ack, and again on a new connection: duplicates, not new spend.
    expect(await sendBatch(runner, [usageEvent(2, first), logEvent(3)])).toBe(3);
    const again = await connectHubRunner(id);
    expect(await again.next('exec.welcome')).toMatchObject({ ackedSeq: 3 });
    expect(await sendBatch(again, [usageEvent(2, first), logEvent(3), usageEvent(4, second)])).toBe(4);

    // Charges reach a guard in order, so once the next one has landed a doubled first one would show.
    const both = costOf(first) + costOf(second);
    await eventually(async () => expect(await spent()).toBeCloseTo(both, 12));
    expect((await guardOf(agentScope).view(agentScope))?.spentUsd).toBeCloseTo(both, 12);
  });

  it('keeps per-model cost rows and the live cost in D1 while the execution runs', async () => {
    const { id, runner } = await costedExecution();
    const sonnet = usageData(MODEL, {
      inputTokens: 10_000,
      cacheCreationInputTokens: 4_000,
      cacheCreation1hInputTokens: 1_000,
    });
    const unknown = usageData('claude-nova-9', { inputTokens: 10_000 });
    await sendBatch(runner, [usageEvent(1, sonnet), usageEvent(2, unknown)]);

    const total = costOf(sonnet) + costOf(unknown);
    const row = await eventually(async () => {
      const current = await executionRow(id);
      expect(current?.costUsd).toBeCloseTo(total, 12);
      return current;
    });
    expect(row).toMatchObject({ status: 'running', costIsEstimate: true, costEstimatedUsd: expect.closeTo(total, 12) });
    const rows = await db().select().from(executionCosts).where(eq(executionCosts.executionId, id));
    expect(rows.map((r) => r.model).sort()).toEqual(['claude-nova-9', MODEL].sort());
    expect(rows.find((r) => r.model === MODEL)).toMatchObject({
      inputTokens: 10_000,
      cacheCreation5mInputTokens: 3_000,
      cacheCreation1hInputTokens: 1_000,
      costUsd: expect.closeTo(costOf(sonnet), 12),
      estimated: false,
    });
    expect(rows.find((r) => r.model === 'claude-nova-9')).toMatchObject({ estimated: true });
  });

  it('reconciles to Claude Code total at the result: both figures kept, the difference charged', async () => {
    const { id, runner, spent } = await costedExecution();
    const usage = usageData(MODEL, { inputTokens: 300_000, outputTokens: 20_000 });
    const live = costOf(usage);
    const reported = live * 1.008;
    await sendBatch(runner, [statusEvent(1, 'running'), usageEvent(2, usage)]);
    await sendBatch(runner, [resultEvent(3, reported), statusEvent(4, 'succeeded')]);

    const row = await eventually(async () => {
      const current = await executionRow(id);
      expect(current?.status).toBe('succeeded');
      expect(current?.costEstimatedUsd).toBeCloseTo(live, 12);
      return current;
    });
    expect(row?.costUsd).toBeCloseTo(reported, 12);
    await eventually(async () => expect(await spent()).toBeCloseTo(reported, 12));
  });

  it('keeps charges a guard has not taken across eviction and delivers them from the alarm', async () => {
    const { label, scope } = newLabelScope();
    await guardOf(scope).configure(scope, dayLimits(1_000));
    // The hub hears of the execution before D1 can tell it the scopes: its charges wait, stored.
    const id = newExecutionId();
    const runner = await connectHubRunner(id);
    await runner.next('exec.welcome');
    const usage = usageData(MODEL, { inputTokens: 100_000 });
    expect(await sendBatch(runner, [usageEvent(1, usage)])).toBe(1);

    await evictDurableObject(hubOf(id));
    await seedExecution({ id, status: 'running', labels: [label] });
    await runDurableObjectAlarm(hubOf(id));
    await eventually(async () => {
      await runDurableObjectAlarm(hubOf(id));
      expect((await guardOf(scope).view(scope))?.spentUsd).toBeCloseTo(costOf(usage), 12);
    });
  });
});
