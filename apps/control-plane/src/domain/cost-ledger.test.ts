// Unit tests for the hub's cost accounting: pricing usage events, per-model totals, charges and reconciliation.
import { describe, expect, it } from 'vitest';
import type { EventData, ExecutionEvent } from '../protocol/events';
import { account, cacheWrites, chargedUsd, costFigures, emptyLedger, type PriceFn } from './cost-ledger';
import { priceUsage } from './pricing';

const ID = 'ex_01jabcdefghjkmnpqrstvwxyz0';
const ts = '2026-03-01T12:00:00.000Z';

const usage = (seq: number, model: string, fields: Partial<EventData<'usage'>> = {}): ExecutionEvent => ({
  seq,
  ts,
  type: 'usage',
  data: {
    messageId: `msg_${seq}`,
    model,
    inputTokens: 1000,
    outputTokens: 100,
    cacheReadInputTokens: 0,
    cacheCreationInputTokens: 0,
    ...fields,
  },
});
const result = (seq: number, totalCostUsd: number): ExecutionEvent => ({
  seq,
  ts,
  type: 'result',
  data: { subtype: 'success', isError: false, totalCostUsd, numTurns: 1, durationMs: 10, sessionId: 's' },
});
const log = (seq: number): ExecutionEvent => ({ seq, ts, type: 'log', data: { level: 'info', message: 'x' } });

/** $1 per thousand input tokens, $10 per thousand output tokens; models named `guess-*` are "estimated". */
const price: PriceFn = (model, u) => ({
  costUsd: u.inputTokens / 1000 + (u.outputTokens / 1000) * 10,
  estimated: model.startsWith('guess-'),
});

describe('account', () => {
  it('prices each usage event, fills in its cost and the running total, and charges it by seq', () => {
    const { ledger, priced, charges } = account(
      emptyLedger(),
      [usage(2, 'claude-a'), log(3), usage(4, 'claude-a', { inputTokens: 500, outputTokens: 0 })],
      ID,
      price,
    );
    expect(priced.get(2)?.data).toMatchObject({ costUsd: 2, totalCostUsd: 2, estimated: false, messageId: 'msg_2' });
    expect(priced.get(4)?.data).toMatchObject({ costUsd: 0.5, totalCostUsd: 2.5 });
    expect(priced.has(3)).toBe(false);
    expect(charges).toEqual([
      { chargeId: `${ID}:2`, amountUsd: 2, seq: 2 },
      { chargeId: `${ID}:4`, amountUsd: 0.5, seq: 4 },
    ]);
    expect(ledger).toMatchObject({ liveUsd: 2.5, resultUsd: null, version: 1 });
    expect(ledger.models).toEqual([
      {
        model: 'claude-a',
        inputTokens: 1500,
        outputTokens: 100,
        cacheReadInputTokens: 0,
        cacheCreation5mInputTokens: 0,
        cacheCreation1hInputTokens: 0,
        costUsd: 2.5,
        estimated: false,
      },
    ]);
  });

  it('keeps totals per model and flags a model priced by family', () => {
    const first = account(emptyLedger(), [usage(1, 'claude-a')], ID, price);
    const second = account(first.ledger, [usage(2, 'guess-b', { cacheCreationInputTokens: 300 })], ID, price);
    expect(second.ledger.models.map((m) => [m.model, m.costUsd, m.estimated, m.cacheCreation5mInputTokens])).toEqual([
      ['claude-a', 2, false, 0],
      ['guess-b', 2, true, 300],
    ]);
    expect(second.priced.get(2)?.data).toMatchObject({ totalCostUsd: 4, estimated: true });
    expect(costFigures(second.ledger)).toEqual({ costUsd: 4, costEstimatedUsd: 4, costIsEstimate: true });
  });

  it('reconciles to the result once, charging the difference, and keeps the live estimate beside it', () => {
    const live = account(emptyLedger(), [usage(1, 'claude-a')], ID, price);
    const { ledger, charges } = account(live.ledger, [result(2, 2.25)], ID, price);
    expect(charges).toEqual([{ chargeId: `${ID}:reconcile`, amountUsd: 0.25, seq: 2 }]);
    expect(costFigures(ledger)).toEqual({ costUsd: 2.25, costEstimatedUsd: 2, costIsEstimate: false });

    // A lower total is the runner's word: nothing is given back, and the result event says so.
    const lower = account(live.ledger, [result(2, 1.5)], ID, price);
    expect(lower.charges).toEqual([]);
    expect(costFigures(lower.ledger)).toEqual({ costUsd: 2, costEstimatedUsd: 2, costIsEstimate: false });
    expect(lower.priced.get(2)?.data).toMatchObject({ totalCostUsd: 1.5, chargedUsd: 2 });
    expect(lower.priced.get(2)?.data).toHaveProperty('costWarning', expect.stringContaining('below the $2.000000'));

    // The same result again (a resend the sequencer let through as a new seq) charges nothing more.
    const again = account(ledger, [result(3, 2.25)], ID, price);
    expect(again.charges).toEqual([]);
    expect(chargedUsd(again.ledger)).toBe(2.25);
  });

  it('charges nothing for a result that matches the estimate', () => {
    const { ledger, charges } = account(emptyLedger(), [usage(1, 'claude-a'), result(2, 2)], ID, price);
    expect(charges.map((c) => c.chargeId)).toEqual([`${ID}:1`]);
    expect(costFigures(ledger)).toEqual({ costUsd: 2, costEstimatedUsd: 2, costIsEstimate: false });
  });

  it('charges a later turn (a live message) as it runs, then reconciles it at its own result', () => {
    const first = account(emptyLedger(), [usage(1, 'claude-a'), result(2, 2.5)], ID, price);
    expect(chargedUsd(first.ledger)).toBe(2.5);
    // The second turn's usage is charged at once: a budget sees it before the turn ends.
    const turn = account(first.ledger, [usage(3, 'claude-a')], ID, price);
    expect(turn.charges).toEqual([{ chargeId: `${ID}:3`, amountUsd: 2, seq: 3 }]);
    expect(chargedUsd(turn.ledger)).toBe(4.5);
    // Claude Code's total is the run's so far: 5.25 − 4.5 charged is the second reconciliation.
    const second = account(turn.ledger, [result(4, 5.25)], ID, price);
    expect(second.charges).toEqual([{ chargeId: `${ID}:reconcile:4`, amountUsd: 0.75, seq: 4 }]);
    expect(costFigures(second.ledger)).toEqual({ costUsd: 5.25, costEstimatedUsd: 4, costIsEstimate: false });
    // A later total below what was charged keeps the charged figure and says so.
    const low = account(turn.ledger, [result(4, 4)], ID, price);
    expect(low.charges).toEqual([]);
    expect(chargedUsd(low.ledger)).toBe(4.5);
    expect(low.priced.get(4)?.data).toMatchObject({ totalCostUsd: 4, chargedUsd: 4.5 });
  });

  it('accounts in seq order whatever order the batch lists them', () => {
    const { priced } = account(emptyLedger(), [usage(5, 'claude-a'), usage(4, 'claude-a')], ID, price);
    expect(priced.get(4)?.data).toMatchObject({ totalCostUsd: 2 });
    expect(priced.get(5)?.data).toMatchObject({ totalCostUsd: 4 });
  });

  it('leaves the ledger untouched by a batch without usage or result', () => {
    const ledger = emptyLedger();
    expect(account(ledger, [log(1)], ID, price)).toEqual({ ledger, priced: new Map(), charges: [] });
  });

  it('prices with the real table by default, never at zero', () => {
    const { priced } = account(emptyLedger(), [usage(1, 'claude-sonnet-4-5-20250929')], ID);
    const expected = priceUsage(
      'claude-sonnet-4-5-20250929',
      (usage(1, 'x') as { data: EventData<'usage'> }).data,
      new Date(ts),
    );
    expect(priced.get(1)?.data).toMatchObject({ costUsd: expected.costUsd, estimated: expected.estimated });
    expect(expected.costUsd).toBeGreaterThan(0);
  });
});

describe('cacheWrites', () => {
  it('counts the 1-hour writes apart and every other write as 5-minute', () => {
    const data = (fields: Partial<EventData<'usage'>>) => (usage(1, 'm', fields) as { data: EventData<'usage'> }).data;
    expect(cacheWrites(data({ cacheCreationInputTokens: 900 }))).toEqual({ fiveMinute: 900, oneHour: 0 });
    expect(
      cacheWrites(
        data({ cacheCreationInputTokens: 900, cacheCreation5mInputTokens: 300, cacheCreation1hInputTokens: 600 }),
      ),
    ).toEqual({ fiveMinute: 300, oneHour: 600 });
  });
});
