// The model price table, USD per million tokens, effective-dated; read by pricing.ts (and so by the ExecutionHub).
//
// Source: the model catalog baked into Claude Code 2.1.329 (the CLI bundled with @anthropic-ai/claude-agent-sdk
// 0.3.329, node_modules/@anthropic-ai/claude-agent-sdk-linux-x64/claude). It is the object whose `//` key reads
// "Hand-maintained baked-in model catalog": `pricing_tiers` (tier_3_15, haiku_55, ...) and one `pricing` tier per
// model in `models`. Fast-mode prices come from the same CLI's fast tables (opus 4.6/4.7 at 30/150, opus 4.8 and 5
// at 10/50, opus 5.5 at 8/40, fable/mythos 5.2 at 16/80). Claude Code computes total_cost_usd per API message from
// these numbers (checked end to end by tests/e2e/pricing.test.ts):
//   - cache writes: the 1-hour part (usage.cache_creation.ephemeral_1h_input_tokens, at most the total) at the 1h
//     price, everything else of cache_creation_input_tokens at the 5-minute price;
//   - long context: when input + cache read + cache write tokens exceed `aboveInputTokens`, the whole message is
//     priced at the long-context prices (in this CLI only Haiku 5.5 has such a tier, above 100k; Sonnet 4/4.5 have
//     none, so a 250k-token Sonnet 4.5 prompt costs the standard $3/MTok);
//   - `usage.speed === 'fast'`: the fast prices (no long-context tier), or the standard ones for models without;
//   - `usage.inference_geo === 'us'`: token cost × 1.1; web search: $0.01 per request, on top.
// Updating: a price change is a new row with the same model and a later `effectiveFrom`; the older row keeps
// pricing usage from before that date. A new model is a new row (its first row needs no date).

export interface TokenPrices {
  readonly input: number;
  readonly output: number;
  readonly cacheWrite5m: number;
  readonly cacheWrite1h: number;
  readonly cacheRead: number;
}

export interface PriceRow {
  /** Canonical model id, as Claude Code's catalog spells it (`claude-sonnet-4-5`, `claude-3-5-haiku`). */
  readonly model: string;
  readonly family: string;
  /** Major and minor version: orders a family, so that "the newest row of the family" means something. */
  readonly version: readonly [number, number];
  /** ISO date (UTC) from which this row applies; absent on a model's first row: it applies since the model exists. */
  readonly effectiveFrom?: string;
  readonly prices: TokenPrices;
  /** USD per server-side web search request. */
  readonly webSearchUsd: number;
  /** Prices for a whole message whose prompt (input + cache read + cache write tokens) exceeds `aboveInputTokens`. */
  readonly longContext?: { readonly aboveInputTokens: number; readonly prices: TokenPrices };
  /** Prices when the API reports `speed: 'fast'` (fast mode). */
  readonly fast?: TokenPrices;
}

/** The US-only inference surcharge Claude Code applies when the API reports `inference_geo: 'us'`. */
export const US_INFERENCE_MULTIPLIER = 1.1;

const tier = (
  input: number,
  output: number,
  cacheWrite5m: number,
  cacheWrite1h: number,
  cacheRead: number,
): TokenPrices => ({ input, output, cacheWrite5m, cacheWrite1h, cacheRead });

// Claude Code's pricing_tiers, by its names: input, output, cache write 5m, cache write 1h, cache read.
const TIER_2_10 = tier(2, 10, 2.5, 4, 0.2);
const TIER_2_10_CACHE_READ_0_10 = tier(2, 10, 2.5, 4, 0.1);
const TIER_3_15 = tier(3, 15, 3.75, 6, 0.3);
const TIER_5_25 = tier(5, 25, 6.25, 10, 0.5);
const TIER_15_75 = tier(15, 75, 18.75, 30, 1.5);
const TIER_10_50 = tier(10, 50, 12.5, 20, 1);
const TIER_10_50_CACHE_READ_0_25 = tier(10, 50, 12.5, 20, 0.25);
const TIER_4_20_CACHE_READ_0_20 = tier(4, 20, 5, 8, 0.2);
const TIER_8_40_CACHE_READ_0_20 = tier(8, 40, 10, 16, 0.2);
const HAIKU_35 = tier(0.8, 4, 1, 1.6, 0.08);
const HAIKU_45 = tier(1, 5, 1.25, 2, 0.1);
const HAIKU_55 = tier(0.1, 0.5, 0.125, 0.2, 0.01);
const HAIKU_55_LONG = tier(0.5, 2.5, 0.625, 1, 0.05);
// Fast-mode prices (Claude Code's fast tables).
const FAST_30_150 = tier(30, 150, 37.5, 60, 3);
const FAST_10_50 = tier(10, 50, 12.5, 20, 1);
const FAST_8_40 = tier(8, 40, 10, 16, 0.4);
const FAST_16_80 = tier(16, 80, 20, 32, 0.4);

const WEB_SEARCH_USD = 0.01;

const row = (
  model: string,
  family: string,
  version: readonly [number, number],
  prices: TokenPrices,
  extra: Partial<Pick<PriceRow, 'effectiveFrom' | 'longContext' | 'fast'>> = {},
): PriceRow => ({ model, family, version, prices, webSearchUsd: WEB_SEARCH_USD, ...extra });

export const PRICE_TABLE: readonly PriceRow[] = [
  row('claude-3-5-haiku', 'haiku', [3, 5], HAIKU_35),
  row('claude-haiku-4-5', 'haiku', [4, 5], HAIKU_45),
  row('claude-haiku-5-5', 'haiku', [5, 5], HAIKU_55, {
    longContext: { aboveInputTokens: 100_000, prices: HAIKU_55_LONG },
  }),
  row('claude-3-5-sonnet', 'sonnet', [3, 5], TIER_3_15),
  row('claude-3-7-sonnet', 'sonnet', [3, 7], TIER_3_15),
  row('claude-sonnet-4-0', 'sonnet', [4, 0], TIER_3_15),
  row('claude-sonnet-4-5', 'sonnet', [4, 5], TIER_3_15),
  row('claude-sonnet-4-6', 'sonnet', [4, 6], TIER_3_15),
  row('claude-sonnet-5', 'sonnet', [5, 0], TIER_2_10),
  row('claude-sonnet-5-5', 'sonnet', [5, 5], TIER_2_10_CACHE_READ_0_10),
  row('claude-opus-4-0', 'opus', [4, 0], TIER_15_75),
  row('claude-opus-4-1', 'opus', [4, 1], TIER_15_75),
  row('claude-opus-4-5', 'opus', [4, 5], TIER_5_25),
  row('claude-opus-4-6', 'opus', [4, 6], TIER_5_25, { fast: FAST_30_150 }),
  row('claude-opus-4-7', 'opus', [4, 7], TIER_5_25, { fast: FAST_30_150 }),
  row('claude-opus-4-8', 'opus', [4, 8], TIER_5_25, { fast: FAST_10_50 }),
  row('claude-opus-5', 'opus', [5, 0], TIER_5_25, { fast: FAST_10_50 }),
  row('claude-opus-5-5', 'opus', [5, 5], TIER_4_20_CACHE_READ_0_20, { fast: FAST_8_40 }),
  row('claude-fable-5', 'fable', [5, 0], TIER_10_50),
  row('claude-fable-5-1', 'fable', [5, 1], TIER_10_50_CACHE_READ_0_25),
  row('claude-fable-5-2', 'fable', [5, 2], TIER_8_40_CACHE_READ_0_20, { fast: FAST_16_80 }),
  row('claude-mythos-5', 'mythos', [5, 0], TIER_10_50),
  row('claude-mythos-5-1', 'mythos', [5, 1], TIER_10_50_CACHE_READ_0_25),
  row('claude-mythos-5-2', 'mythos', [5, 2], TIER_8_40_CACHE_READ_0_20, { fast: FAST_16_80 }),
];

/** The model Claude Code 2.1.329 runs when none is given (its `opus` alias), for callers that must name one. */
export const CLAUDE_CODE_DEFAULT_MODEL = 'claude-opus-5-5';
