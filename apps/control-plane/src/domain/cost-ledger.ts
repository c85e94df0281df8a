// An execution's cost accounting, pure: prices each newly stored `usage` event, keeps per-model token and USD totals
// and the running total, reconciles to Claude Code's own total_cost_usd at the `result` event, and says what to
// charge to the execution's budgets. The ExecutionHub runs a batch's new events through it before storing them.
import type { EventData, ExecutionEvent } from '../protocol/events';
import { priceUsage } from './pricing';

type Usage = EventData<'usage'>;
export type PriceFn = (model: string, usage: Usage, at: Date) => { costUsd: number; estimated: boolean };

/** Tokens and USD of one model over the execution (the D1 `execution_costs` row). */
export interface ModelTotals {
  readonly model: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadInputTokens: number;
  readonly cacheCreation5mInputTokens: number;
  readonly cacheCreation1hInputTokens: number;
  readonly costUsd: number;
  /** Priced by model family (no exact price row) at least once. */
  readonly estimated: boolean;
}

export interface CostLedger {
  /** One entry per model, in the order they were first seen. */
  readonly models: readonly ModelTotals[];
  /** The live estimate: the sum of every priced usage event. */
  readonly liveUsd: number;
  /** Claude Code's total_cost_usd from the latest `result` event (a run with follow-up turns has one per turn, each
   * the run's total so far); null before the first. */
  readonly resultUsd: number | null;
  /** Usage charged since the latest result: a later turn's, until its own result reconciles it (absent: 0). */
  readonly sinceResultUsd?: number;
  /** What the budgets keep above resultUsd: the runner reported a total below what was already charged, and a
   * runner's word never gives spend back (absent in ledgers stored before this was kept: 0). */
  readonly keptUsd?: number;
  /** Bumped by every change, so the hub knows which totals D1 has not seen. */
  readonly version: number;
}

/** A cost increment for every scope of the execution; the chargeId makes a repeated charge harmless. */
export interface Charge {
  readonly chargeId: string;
  readonly amountUsd: number;
  /** The event it comes from, to keep charges in order. */
  readonly seq: number;
}

export interface Accounted {
  readonly ledger: CostLedger;
  /** The usage events, by seq, with costUsd, totalCostUsd and estimated filled in. */
  readonly priced: ReadonlyMap<number, ExecutionEvent>;
  readonly charges: readonly Charge[];
}

export const emptyLedger = (): CostLedger => ({ models: [], liveUsd: 0, resultUsd: null, version: 0 });

/** A reconciliation smaller than this is float noise, not a difference worth charging. */
const NOISE_USD = 1e-9;

/** What the budgets hold for the execution: Claude Code's total once reconciled, the live estimate before. */
export const chargedUsd = (ledger: CostLedger): number =>
  ledger.resultUsd === null ? ledger.liveUsd : ledger.resultUsd + (ledger.keptUsd ?? 0) + (ledger.sinceResultUsd ?? 0);

/** What a result event says when its total is below what was already charged (also on the execution's result). */
export const underReportedText = (reportedUsd: number, chargedUsdFigure: number): string =>
  `the runner reported a total of $${reportedUsd.toFixed(6)}, below the $${chargedUsdFigure.toFixed(6)} already ` +
  'charged from its usage; the budgets keep the charged figure';

/** The execution's cost fields in D1. */
export const costFigures = (ledger: CostLedger) => ({
  costUsd: chargedUsd(ledger),
  costEstimatedUsd: ledger.liveUsd,
  costIsEstimate: ledger.models.some((m) => m.estimated),
});

/** The cache-write split of a usage event as the price table counts it: the 1-hour writes, and every other write as a
 * 5-minute one (the API's default lifetime, and all of them when the event has no split). */
export function cacheWrites(usage: Usage): { fiveMinute: number; oneHour: number } {
  const oneHour = usage.cacheCreation1hInputTokens ?? 0;
  return { fiveMinute: Math.max(0, usage.cacheCreationInputTokens - oneHour), oneHour };
}

/**
 * Folds newly stored events (never duplicates: the sequencer drops those first) into the ledger, in seq order.
 * Each usage event is priced and charged as `<executionId>:<seq>`. Each `result` event reconciles: the difference
 * between Claude Code's total and what was charged so far is charged as `<executionId>:reconcile` (the first
 * result) or `<executionId>:reconcile:<seq>` (a later turn's, after a person's live message) when the total is
 * higher, so the budgets hold Claude Code's figure while the estimate stays visible beside it. A lower total is not
 * given back (it is only the runner's word): the charged figure stays, and the result event carries `chargedUsd`
 * and a `costWarning` a person can see. The runner flushes a turn's usage before its result, so usage after a
 * result is a later turn's: charged as it comes, then reconciled at that turn's result.
 */
export function account(
  ledger: CostLedger,
  events: readonly ExecutionEvent[],
  executionId: string,
  price: PriceFn = priceUsage,
): Accounted {
  const relevant = events.filter((e) => e.type === 'usage' || e.type === 'result');
  if (relevant.length === 0) return { ledger, priced: new Map(), charges: [] };
  relevant.sort((a, b) => a.seq - b.seq);

  const models = new Map(ledger.models.map((m) => [m.model, m]));
  let { liveUsd, resultUsd } = ledger;
  let keptUsd = ledger.keptUsd ?? 0;
  let sinceResultUsd = ledger.sinceResultUsd ?? 0;
  const priced = new Map<number, ExecutionEvent>();
  const charges: Charge[] = [];
  for (const event of relevant) {
    if (event.type === 'result') {
      // The hub's own fields are the hub's: whatever a runner put there is dropped.
      const { chargedUsd: _claimed, costWarning: _warned, ...reported } = event.data;
      let data: EventData<'result'> = reported;
      const before = resultUsd === null ? liveUsd : resultUsd + keptUsd + sinceResultUsd;
      const chargeId = resultUsd === null ? `${executionId}:reconcile` : `${executionId}:reconcile:${event.seq}`;
      resultUsd = reported.totalCostUsd;
      sinceResultUsd = 0;
      const difference = resultUsd - before;
      keptUsd = 0;
      if (difference > NOISE_USD) {
        charges.push({ chargeId, amountUsd: difference, seq: event.seq });
      } else if (difference < -NOISE_USD) {
        keptUsd = -difference;
        data = { ...reported, chargedUsd: before, costWarning: underReportedText(resultUsd, before) };
      }
      priced.set(event.seq, { ...event, data });
      continue;
    }
    if (event.type !== 'usage') continue;
    const usage = event.data;
    const { costUsd, estimated } = price(usage.model, usage, new Date(event.ts));
    liveUsd += costUsd;
    models.set(usage.model, addUsage(models.get(usage.model), usage, costUsd, estimated));
    priced.set(event.seq, { ...event, data: { ...usage, costUsd, totalCostUsd: liveUsd, estimated } });
    if (costUsd > 0) {
      charges.push({ chargeId: `${executionId}:${event.seq}`, amountUsd: costUsd, seq: event.seq });
      if (resultUsd !== null) sinceResultUsd += costUsd;
    }
  }
  return {
    ledger: {
      models: [...models.values()],
      liveUsd,
      resultUsd,
      ...(keptUsd > 0 ? { keptUsd } : {}),
      ...(sinceResultUsd > 0 ? { sinceResultUsd } : {}),
      version: ledger.version + 1,
    },
    priced,
    charges,
  };
}

function addUsage(totals: ModelTotals | undefined, usage: Usage, costUsd: number, estimated: boolean): ModelTotals {
  const { fiveMinute, oneHour } = cacheWrites(usage);
  return {
    model: usage.model,
    inputTokens: (totals?.inputTokens ?? 0) + usage.inputTokens,
    outputTokens: (totals?.outputTokens ?? 0) + usage.outputTokens,
    cacheReadInputTokens: (totals?.cacheReadInputTokens ?? 0) + usage.cacheReadInputTokens,
    cacheCreation5mInputTokens: (totals?.cacheCreation5mInputTokens ?? 0) + fiveMinute,
    cacheCreation1hInputTokens: (totals?.cacheCreation1hInputTokens ?? 0) + oneHour,
    costUsd: (totals?.costUsd ?? 0) + costUsd,
    estimated: (totals?.estimated ?? false) || estimated,
  };
}
