// Cost rows in D1 and GET /api/v1/costs/summary: per-model totals written by the hub's sync, the summary grouped
// by day, model, agent and runner with hand-checked sums, its day range, and a query plan that uses an index.
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { costSummaryQuery, setExecutionCost, upsertExecutionCosts } from '../src/db/queries/costs';
import { CostSummary } from '../src/protocol';
import { api } from './api-support';
import { costRow, seedCostedExecution } from './budget-support';
import { db, executionRow, seedExecution, seedRunner } from './do-support';

// Days far from today, so rows other test files write (today) never fall in these ranges.
const DAY1 = Date.parse('2031-05-01T09:00:00Z');
const DAY2 = Date.parse('2031-05-02T23:30:00Z');
const DAY3 = Date.parse('2031-05-03T00:15:00Z');
const RANGE = 'from=2031-05-01T00:00:00Z&to=2031-05-04T00:00:00Z';
const suffix = crypto.randomUUID().slice(0, 6);
const OPUS = `claude-opus-test-${suffix}`;
const HAIKU = `claude-haiku-test-${suffix}`;
let runnerA = '';

async function summary(query: string) {
  const response = await api(`/api/v1/costs/summary?${query}`);
  expect(response.status).toBe(200);
  return CostSummary.parse(await response.json());
}

beforeAll(async () => {
  runnerA = await seedRunner();
  // Day 1: two executions on runner A (agent default); day 2: one on no runner (agent reviewer); day 3: one more.
  await seedCostedExecution({ startedAt: DAY1, runnerId: runnerA }, [
    costRow(OPUS, 1.5, { inputTokens: 100, outputTokens: 10, cacheReadInputTokens: 7 }),
    costRow(HAIKU, 0.25, { inputTokens: 50, outputTokens: 5, cacheCreation5mInputTokens: 3 }),
  ]);
  await seedCostedExecution({ startedAt: DAY1 + 3_600_000, runnerId: runnerA }, [
    costRow(OPUS, 2, { inputTokens: 200, outputTokens: 20, cacheCreation1hInputTokens: 11 }),
  ]);
  await seedCostedExecution({ startedAt: DAY2, agent: 'reviewer' }, [
    costRow(`unknown-model-${suffix}`, 0.75, { inputTokens: 30, outputTokens: 3, estimated: true }),
  ]);
  await seedCostedExecution({ startedAt: DAY3, runnerId: runnerA }, [costRow(HAIKU, 0.5, { inputTokens: 10 })]);
});

describe('GET /api/v1/costs/summary', () => {
  it('groups by day, oldest first, with tokens, executions and USD summed', async () => {
    const body = await summary(`${RANGE}&groupBy=day`);
    expect(body).toMatchObject({ groupBy: 'day', from: '2031-05-01T00:00:00.000Z', to: '2031-05-04T00:00:00.000Z' });
    expect(body.items.map((row) => row.key)).toEqual(['2031-05-01', '2031-05-02', '2031-05-03']);
    expect(body.items[0]).toEqual({
      key: '2031-05-01',
      executions: 2,
      inputTokens: 350,
      outputTokens: 35,
      cacheReadInputTokens: 7,
      cacheCreation5mInputTokens: 3,
      cacheCreation1hInputTokens: 11,
      costUsd: 3.75,
      estimatedCostUsd: 0,
    });
    expect(body.items[1]).toMatchObject({ executions: 1, costUsd: 0.75, estimatedCostUsd: 0.75 });
    expect(body.totalUsd).toBeCloseTo(5, 9);
  });

  it('groups by model, agent and runner, costliest first', async () => {
    const byModel = await summary(`${RANGE}&groupBy=model`);
    expect(byModel.items.map((row) => [row.key, row.executions, row.costUsd])).toEqual([
      [OPUS, 2, 3.5],
      [HAIKU, 2, 0.75],
      [`unknown-model-${suffix}`, 1, 0.75],
    ]);
    const byAgent = await summary(`${RANGE}&groupBy=agent`);
    expect(byAgent.items.map((row) => [row.key, row.executions, row.costUsd])).toEqual([
      ['default', 3, 4.25],
      ['reviewer', 1, 0.75],
    ]);
    const byRunner = await summary(`${RANGE}&groupBy=runner`);
    expect(byRunner.items.map((row) => [row.key, row.executions, row.costUsd])).toEqual([
      [runnerA, 3, 4.25],
      ['unassigned', 1, 0.75],
    ]);
  });

  it('selects the whole UTC days that overlap [from, to)', async () => {
    // 2031-05-02T12:00 .. 2031-05-03T00:00 overlaps day 2 only; the execution started 23:30 on day 2 counts whole.
    const body = await summary('from=2031-05-02T12:00:00Z&to=2031-05-03T00:00:00Z&groupBy=day');
    expect(body.items.map((row) => row.key)).toEqual(['2031-05-02']);
    // An offset is read as the instant it names: 2031-05-03T01:00+02:00 is 2031-05-02T23:00Z.
    const offset = await summary('from=2031-05-03T01:00:00%2B02:00&to=2031-05-03T02:00:00Z&groupBy=day');
    expect(offset.items.map((row) => row.key)).toEqual(['2031-05-02', '2031-05-03']);
    expect(offset.from).toBe('2031-05-02T23:00:00.000Z');
  });

  it('defaults to grouping by day and answers an empty range with no rows', async () => {
    const body = await summary('from=2031-06-01T00:00:00Z&to=2031-06-02T00:00:00Z');
    expect(body).toEqual({
      groupBy: 'day',
      from: '2031-06-01T00:00:00.000Z',
      to: '2031-06-02T00:00:00.000Z',
      items: [],
      totalUsd: 0,
    });
  });

  it('reads a date range through an index, whatever the grouping', async () => {
    for (const groupBy of ['day', 'model', 'agent', 'runner'] as const) {
      const { sql, params } = costSummaryQuery(db(), { groupBy, first: '2031-05-01', last: '2031-05-03' }).toSQL();
      const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .bind(...params)
        .all<{ detail: string }>();
      const details = plan.results.map((row) => row.detail).join('\n');
      expect(details).toMatch(
        /SEARCH execution_costs USING (COVERING )?INDEX execution_costs_day_idx \(day>\? AND day<\?\)/,
      );
    }
  });
});

describe('cost rows', () => {
  it('replace their totals on each sync and copy the day, agent and runner from the execution', async () => {
    const runnerId = await seedRunner();
    const id = await seedExecution({ status: 'running', runnerId, agent: 'sync-test', startedAt: DAY1 });
    await upsertExecutionCosts(db(), id, [costRow(OPUS, 0.1)], 1);
    await upsertExecutionCosts(db(), id, [costRow(OPUS, 0.3, { outputTokens: 400 }), costRow(HAIKU, 0.02)], 2);
    const rows = await env.DB.prepare(
      'SELECT model, day, agent, runner_id, output_tokens, cost_usd, updated_at FROM execution_costs WHERE execution_id = ? ORDER BY model',
    )
      .bind(id)
      .all();
    expect(rows.results).toEqual([
      {
        model: HAIKU,
        day: '2031-05-01',
        agent: 'sync-test',
        runner_id: runnerId,
        output_tokens: 100,
        cost_usd: 0.02,
        updated_at: 2,
      },
      {
        model: OPUS,
        day: '2031-05-01',
        agent: 'sync-test',
        runner_id: runnerId,
        output_tokens: 400,
        cost_usd: 0.3,
        updated_at: 2,
      },
    ]);
  });

  it('set the execution cost, live estimate and estimate flag the API shows', async () => {
    const id = await seedExecution({ status: 'running' });
    await setExecutionCost(db(), id, { costUsd: 0.5, costEstimatedUsd: 0.48, costIsEstimate: true });
    expect(await executionRow(id)).toMatchObject({ costUsd: 0.5, costEstimatedUsd: 0.48, costIsEstimate: true });
    const response = await api(`/api/v1/executions/${id}`);
    expect(await response.json()).toMatchObject({
      costUsd: 0.5,
      costEstimatedUsd: 0.48,
      costIsEstimate: true,
      agent: 'default',
      blockedReason: null,
    });
  });
});
