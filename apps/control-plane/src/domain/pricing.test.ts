// Unit tests for pricing.ts: hand-computed costs for every price row and cache kind, long context, fast mode,
// effective dating, model-id normalisation and the estimates for unknown models.
import { describe, expect, it } from 'vitest';
import { parseModel, PRICE_TABLE, type PriceableUsage, type PriceRow, priceUsage, resolvePriceRow } from './pricing';

const NOW = new Date('2026-11-21T12:00:00Z');
const usage = (fields: Partial<PriceableUsage>): PriceableUsage => ({
  inputTokens: 0,
  outputTokens: 0,
  cacheReadInputTokens: 0,
  cacheCreationInputTokens: 0,
  ...fields,
});
const MILLION = 1_000_000;
const TENTH = 100_000;
const cost = (model: string, fields: Partial<PriceableUsage>, at = NOW) => priceUsage(model, usage(fields), at).costUsd;

// Typed from Claude Code 2.1.329's baked model catalog (USD per MTok): the id as the API reports it, the table row,
// input, output, cache write 5m, cache write 1h, cache read, and the cost of MIXED worked out by hand
// (2000·in + 1000·out + 6000·w5m + 4000·w1h + 50000·read) / 1e6.
const MIXED = usage({
  inputTokens: 2_000,
  outputTokens: 1_000,
  cacheReadInputTokens: 50_000,
  cacheCreationInputTokens: 10_000,
  cacheCreation5mInputTokens: 6_000,
  cacheCreation1hInputTokens: 4_000,
});
const ROWS: [string, string, number, number, number, number, number, number][] = [
  ['claude-3-5-haiku-20241022', 'claude-3-5-haiku', 0.8, 4, 1, 1.6, 0.08, 0.022],
  ['claude-haiku-4-5-20251001', 'claude-haiku-4-5', 1, 5, 1.25, 2, 0.1, 0.0275],
  ['claude-haiku-5-5', 'claude-haiku-5-5', 0.1, 0.5, 0.125, 0.2, 0.01, 0.00275],
  ['claude-3-5-sonnet-20241022', 'claude-3-5-sonnet', 3, 15, 3.75, 6, 0.3, 0.0825],
  ['claude-3-7-sonnet-20250219', 'claude-3-7-sonnet', 3, 15, 3.75, 6, 0.3, 0.0825],
  ['claude-sonnet-4-20250514', 'claude-sonnet-4-0', 3, 15, 3.75, 6, 0.3, 0.0825],
  ['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5', 3, 15, 3.75, 6, 0.3, 0.0825],
  ['claude-sonnet-4-6', 'claude-sonnet-4-6', 3, 15, 3.75, 6, 0.3, 0.0825],
  ['claude-sonnet-5', 'claude-sonnet-5', 2, 10, 2.5, 4, 0.2, 0.055],
  ['claude-sonnet-5-5', 'claude-sonnet-5-5', 2, 10, 2.5, 4, 0.1, 0.05],
  ['claude-opus-4-20250514', 'claude-opus-4-0', 15, 75, 18.75, 30, 1.5, 0.4125],
  ['claude-opus-4-1-20250805', 'claude-opus-4-1', 15, 75, 18.75, 30, 1.5, 0.4125],
  ['claude-opus-4-5-20251101', 'claude-opus-4-5', 5, 25, 6.25, 10, 0.5, 0.1375],
  ['claude-opus-4-6', 'claude-opus-4-6', 5, 25, 6.25, 10, 0.5, 0.1375],
  ['claude-opus-4-7', 'claude-opus-4-7', 5, 25, 6.25, 10, 0.5, 0.1375],
  ['claude-opus-4-8', 'claude-opus-4-8', 5, 25, 6.25, 10, 0.5, 0.1375],
  ['claude-opus-5', 'claude-opus-5', 5, 25, 6.25, 10, 0.5, 0.1375],
  ['claude-opus-5-5', 'claude-opus-5-5', 4, 20, 5, 8, 0.2, 0.1],
  ['claude-fable-5', 'claude-fable-5', 10, 50, 12.5, 20, 1, 0.275],
  ['claude-fable-5-1', 'claude-fable-5-1', 10, 50, 12.5, 20, 0.25, 0.2375],
  ['claude-fable-5-2', 'claude-fable-5-2', 8, 40, 10, 16, 0.2, 0.19],
  ['claude-mythos-5', 'claude-mythos-5', 10, 50, 12.5, 20, 1, 0.275],
  ['claude-mythos-5-1', 'claude-mythos-5-1', 10, 50, 12.5, 20, 0.25, 0.2375],
  ['claude-mythos-5-2', 'claude-mythos-5-2', 8, 40, 10, 16, 0.2, 0.19],
];

describe('priceUsage: every row of the table', () => {
  it('has a hand-computed case for every model in the table, and no other', () => {
    expect(ROWS.map((row) => row[1]).sort()).toEqual([...new Set(PRICE_TABLE.map((row) => row.model))].sort());
  });

  it.each(ROWS)('%s is priced exactly as %s', (id, model, input, output, write5m, write1h, read, mixed) => {
    expect(priceUsage(id, MIXED, NOW)).toEqual({
      costUsd: expect.closeTo(mixed, 12),
      estimated: false,
      pricedAs: model,
    });
    // 100k tokens of each kind cost a tenth of the price per MTok (below Haiku 5.5's long-context threshold).
    expect(cost(id, { inputTokens: TENTH })).toBeCloseTo(input / 10, 12);
    expect(cost(id, { outputTokens: TENTH })).toBeCloseTo(output / 10, 12);
    expect(cost(id, { cacheReadInputTokens: TENTH })).toBeCloseTo(read / 10, 12);
    // A cache write with no split is a 5-minute one; a split prices its 1-hour part at the 1h price.
    expect(cost(id, { cacheCreationInputTokens: TENTH })).toBeCloseTo(write5m / 10, 12);
    expect(cost(id, { cacheCreationInputTokens: TENTH, cacheCreation5mInputTokens: TENTH })).toBeCloseTo(
      write5m / 10,
      12,
    );
    expect(cost(id, { cacheCreationInputTokens: TENTH, cacheCreation1hInputTokens: TENTH })).toBeCloseTo(
      write1h / 10,
      12,
    );
  });
});

describe('priceUsage: rules Claude Code applies', () => {
  it('prices the cache writes that are not 1-hour ones at the 5m price, and caps the 1-hour part at the total', () => {
    // Sonnet 4.5: 400k 1h at $6 + the other 600k at $3.75 (the API's 5m figure, 100, does not matter).
    const split = {
      cacheCreationInputTokens: MILLION,
      cacheCreation5mInputTokens: 100,
      cacheCreation1hInputTokens: 400_000,
    };
    expect(cost('claude-sonnet-4-5', split)).toBeCloseTo(4.65, 12);
    expect(
      cost('claude-sonnet-4-5', { cacheCreationInputTokens: 1_000, cacheCreation1hInputTokens: 5_000 }),
    ).toBeCloseTo(0.006, 12);
  });

  it('prices a whole Haiku 5.5 message at the long-context prices once its prompt is above 100k tokens', () => {
    const prompt = { outputTokens: 1_000, cacheReadInputTokens: 30_000, cacheCreationInputTokens: 10_000 };
    // Exactly 100k prompt tokens: standard (60000·0.1 + 1000·0.5 + 30000·0.01 + 10000·0.125) / 1e6.
    expect(cost('claude-haiku-5-5', { ...prompt, inputTokens: 60_000 })).toBeCloseTo(0.00805, 12);
    // One more: long (60001·0.5 + 1000·2.5 + 30000·0.05 + 10000·0.625) / 1e6.
    expect(cost('claude-haiku-5-5', { ...prompt, inputTokens: 60_001 })).toBeCloseTo(0.0402505, 12);
    // Long-context 1-hour writes: (100001·0.5 + 1000·1) / 1e6.
    const long1h = { inputTokens: 100_001, cacheCreationInputTokens: 1_000, cacheCreation1hInputTokens: 1_000 };
    expect(cost('claude-haiku-5-5', long1h)).toBeCloseTo(0.0510005, 12);
  });

  it('has no long-context tier for Sonnet 4.5, as Claude Code does not: 250k input at $3', () => {
    expect(cost('claude-sonnet-4-5', { inputTokens: 250_000, outputTokens: 1_000 })).toBeCloseTo(0.765, 12);
  });

  it('prices fast mode at the fast prices where a model has them, else as usual', () => {
    const fast = { inputTokens: MILLION, speed: 'fast' };
    expect(cost('claude-opus-4-6', fast)).toBeCloseTo(30, 12);
    expect(cost('claude-opus-4-7', fast)).toBeCloseTo(30, 12);
    expect(cost('claude-opus-4-8', fast)).toBeCloseTo(10, 12);
    expect(cost('claude-opus-5', fast)).toBeCloseTo(10, 12);
    expect(cost('claude-opus-5-5', fast)).toBeCloseTo(8, 12);
    expect(cost('claude-fable-5-2', fast)).toBeCloseTo(16, 12);
    expect(cost('claude-mythos-5-2', fast)).toBeCloseTo(16, 12);
    expect(cost('claude-sonnet-4-5', fast)).toBeCloseTo(3, 12);
    // Haiku 5.5 has no fast prices: 1M input is long context at $0.5.
    expect(cost('claude-haiku-5-5', fast)).toBeCloseTo(0.5, 12);
    // Opus 5.5 fast, every kind: (2000·8 + 1000·40 + 50000·0.4 + 6000·10 + 4000·16) / 1e6.
    expect(priceUsage('claude-opus-5-5', { ...MIXED, speed: 'fast' }, NOW).costUsd).toBeCloseTo(0.2, 12);
  });

  it('adds 10% for US-only inference and $0.01 per web search on top', () => {
    expect(cost('claude-sonnet-4-5', { inputTokens: MILLION, inferenceGeo: 'us' })).toBeCloseTo(3.3, 12);
    expect(cost('claude-sonnet-4-5', { inputTokens: MILLION, inferenceGeo: 'global' })).toBeCloseTo(3, 12);
    const searched = { inputTokens: MILLION, webSearchRequests: 3, inferenceGeo: 'us' };
    expect(cost('claude-sonnet-4-5', searched)).toBeCloseTo(3.33, 12);
  });

  it('treats missing, negative or non-finite counts as zero', () => {
    expect(cost('claude-sonnet-4-5', { inputTokens: -5, outputTokens: Number.NaN })).toBe(0);
  });
});

describe('model ids', () => {
  it.each([
    ['claude-sonnet-4-5', 'claude-sonnet-4-5'],
    ['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5'],
    ['us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'claude-sonnet-4-5'],
    ['anthropic.claude-opus-4-1-20250805-v1:0', 'claude-opus-4-1'],
    ['claude-sonnet-4-5@20250929', 'claude-sonnet-4-5'],
    ['claude-sonnet-4-5[1m]', 'claude-sonnet-4-5'],
    ['Claude-Opus-4.5', 'claude-opus-4-5'],
    ['claude-sonnet-4-20250514', 'claude-sonnet-4-0'],
    ['claude-opus-4', 'claude-opus-4-0'],
    ['claude-3-7-sonnet-latest', 'claude-3-7-sonnet'],
    ['claude-3.5-haiku', 'claude-3-5-haiku'],
    ['claude-opus-5', 'claude-opus-5'],
  ])('%s is priced exactly as %s', (id, model) => {
    expect(resolvePriceRow(id, NOW)).toEqual({ row: expect.objectContaining({ model }), estimated: false });
  });

  it('reads family and version', () => {
    expect(parseModel('claude-fable-5-2')).toEqual({ family: 'fable', version: [5, 2] });
    expect(parseModel('claude-3-haiku-20240307')).toEqual({ family: 'haiku', version: [3, 0] });
    expect(parseModel('sonnet')).toEqual({ family: 'sonnet', version: null });
    expect(parseModel('gpt-4o')).toEqual({ family: null, version: null });
  });
});

describe('unknown models', () => {
  it('prices a model of a known family at the newest model of that family, flagged as an estimate', () => {
    // claude-sonnet-9 at Sonnet 5.5: (1M·2 + 1M·10) / 1e6.
    const both = usage({ inputTokens: MILLION, outputTokens: MILLION });
    expect(priceUsage('claude-sonnet-9', both, NOW)).toEqual({
      costUsd: 12,
      estimated: true,
      pricedAs: 'claude-sonnet-5-5',
    });
    expect(priceUsage('claude-opus-4-9-20270101', both, NOW)).toMatchObject({
      estimated: true,
      pricedAs: 'claude-opus-5-5',
    });
    expect(priceUsage('claude-3-haiku-20240307', both, NOW)).toMatchObject({
      estimated: true,
      pricedAs: 'claude-haiku-5-5',
    });
    expect(priceUsage('sonnet', both, NOW)).toMatchObject({ estimated: true, pricedAs: 'claude-sonnet-5-5' });
  });

  it('prices a model of no known family at the most expensive family, never at zero', () => {
    // The dearest family's newest model is Fable 5.2 at $8/$40 (Mythos 5.2 ties): (1M·8 + 1M·40) / 1e6.
    const both = usage({ inputTokens: MILLION, outputTokens: MILLION });
    for (const id of ['gpt-4o', '', 'claude-instant-1']) {
      expect(priceUsage(id, both, NOW)).toEqual({ costUsd: 48, estimated: true, pricedAs: 'claude-fable-5-2' });
    }
    expect(priceUsage('some-model', usage({ inputTokens: 1 }), NOW).costUsd).toBeGreaterThan(0);
  });
});

describe('effective dating', () => {
  const prices = (input: number) => ({ input, output: 0, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0 });
  const row = (model: string, version: [number, number], input: number, effectiveFrom?: string): PriceRow => ({
    model,
    family: 'sonnet',
    version,
    prices: prices(input),
    webSearchUsd: 0.01,
    ...(effectiveFrom ? { effectiveFrom } : {}),
  });
  // Sonnet 4.5 gets cheaper on 2027-01-01; Sonnet 6 appears on 2027-03-01.
  const TABLE = [
    row('claude-sonnet-4-5', [4, 5], 2, '2027-01-01'),
    row('claude-sonnet-4-5', [4, 5], 3),
    row('claude-sonnet-6', [6, 0], 1, '2027-03-01'),
  ];
  const input = usage({ inputTokens: MILLION });
  const at = (iso: string) => new Date(iso);

  it('uses the row in force at the time of use', () => {
    expect(priceUsage('claude-sonnet-4-5', input, at('2026-12-31T23:59:59Z'), TABLE).costUsd).toBe(3);
    expect(priceUsage('claude-sonnet-4-5', input, at('2027-01-01T00:00:00Z'), TABLE).costUsd).toBe(2);
    expect(priceUsage('claude-sonnet-4-5', input, at('2030-01-01T00:00:00Z'), TABLE).costUsd).toBe(2);
  });

  it('prices a model used before its first dated row at that row, exactly', () => {
    expect(priceUsage('claude-sonnet-6', input, at('2027-02-01T00:00:00Z'), TABLE)).toEqual({
      costUsd: 1,
      estimated: false,
      pricedAs: 'claude-sonnet-6',
    });
  });

  it('estimates by the newest model that exists at the time', () => {
    const unknown = (iso: string) => priceUsage('claude-sonnet-9', input, at(iso), TABLE);
    expect(unknown('2026-06-01T00:00:00Z')).toEqual({ costUsd: 3, estimated: true, pricedAs: 'claude-sonnet-4-5' });
    expect(unknown('2027-02-01T00:00:00Z')).toEqual({ costUsd: 2, estimated: true, pricedAs: 'claude-sonnet-4-5' });
    expect(unknown('2027-03-01T00:00:00Z')).toEqual({ costUsd: 1, estimated: true, pricedAs: 'claude-sonnet-6' });
  });

  it('prices the built-in table the same at any date: it has no dated rows yet', () => {
    expect(cost('claude-sonnet-4-5', { inputTokens: MILLION }, at('2020-01-01T00:00:00Z'))).toBe(3);
    expect(cost('claude-sonnet-4-5', { inputTokens: MILLION }, new Date(Number.NaN))).toBe(3);
  });
});
