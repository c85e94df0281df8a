// Prices one API message's usage in USD from the price table (pure). The ExecutionHub prices every stored `usage`
// event with it (domain/cost-ledger.ts); the arithmetic mirrors Claude Code's own, so the live estimate and its
// total_cost_usd agree (see price-table.ts for the source and the rules).
import { PRICE_TABLE, type PriceRow, type TokenPrices, US_INFERENCE_MULTIPLIER } from './price-table';

export { CLAUDE_CODE_DEFAULT_MODEL, PRICE_TABLE, type PriceRow, type TokenPrices } from './price-table';

/** One API message's usage, as a `usage` event carries it. */
export interface PriceableUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadInputTokens: number;
  /** Every cache-write token; the 1-hour ones among them are priced at the 1h price, the rest at the 5m price. */
  readonly cacheCreationInputTokens: number;
  /** Informational: Claude Code (and so this module) prices the total minus the 1-hour part as 5-minute writes. */
  readonly cacheCreation5mInputTokens?: number;
  readonly cacheCreation1hInputTokens?: number;
  /** Server-side web searches (`usage.server_tool_use.web_search_requests`), priced per request. */
  readonly webSearchRequests?: number;
  /** `usage.inference_geo`: `us` costs 1.1× for tokens. */
  readonly inferenceGeo?: string;
  /** `usage.speed`: `fast` is priced at the model's fast-mode prices. */
  readonly speed?: string;
}

export interface PricedUsage {
  readonly costUsd: number;
  /** No exact row for the model: priced by its family's newest model, or by the most expensive family. */
  readonly estimated: boolean;
  /** The table model whose prices were used (the model itself when not estimated). */
  readonly pricedAs: string;
}

export interface ParsedModel {
  readonly family: string | null;
  readonly version: readonly [number, number] | null;
}

// `claude-sonnet-4-5-20250929`, `us.anthropic.claude-opus-4-1-20250805-v1:0`, `claude-opus-5-5`: family first. The
// minor version is one or two digits not followed by another digit, so a date suffix is never read as one
// (`claude-sonnet-4-20250514` is Sonnet 4.0, as Claude Code reads it).
const NEW_SCHEME = /claude-([a-z]+)-(\d{1,2})(?:-(\d{1,2}))?(?!\d)/;
// `claude-3-5-haiku-20241022`, `claude-3-7-sonnet-latest`: version first.
const OLD_SCHEME = /claude-(\d{1,2})(?:-(\d{1,2}))?-([a-z]+)/;

/**
 * Reads a model id the way Claude Code normalises it: case, provider prefixes (Bedrock `us.anthropic.`, Vertex
 * `@date`), date and `-v1:0` suffixes, a `[1m]` context suffix and dotted versions (`claude-sonnet-4.5`) do not
 * matter. A string with no version but a family word (`sonnet`) gives just the family.
 */
export function parseModel(model: string, families: readonly string[] = tableFamilies(PRICE_TABLE)): ParsedModel {
  const id = model
    .trim()
    .toLowerCase()
    .replace(/\[\d+m\]/g, '')
    .replace(/(claude-(?:[a-z]+-)?\d{1,2})\.(?=\d)/g, '$1-');
  const modern = NEW_SCHEME.exec(id);
  if (modern?.[1] && modern[2]) return { family: modern[1], version: [Number(modern[2]), Number(modern[3] ?? 0)] };
  const old = OLD_SCHEME.exec(id);
  if (old?.[1] && old[3]) return { family: old[3], version: [Number(old[1]), Number(old[2] ?? 0)] };
  const family = families.find((name) => new RegExp(`(?:^|[^a-z])${name}(?![a-z])`).test(id));
  return { family: family ?? null, version: null };
}

const tableFamilies = (table: readonly PriceRow[]) => [...new Set(table.map((row) => row.family))];

const effectiveTime = (row: PriceRow) =>
  row.effectiveFrom === undefined ? Number.NEGATIVE_INFINITY : Date.parse(row.effectiveFrom);

/** A model's rows, oldest first. */
function rowsOf(table: readonly PriceRow[], model: string): PriceRow[] {
  return table.filter((row) => row.model === model).sort((a, b) => effectiveTime(a) - effectiveTime(b));
}

/** The row in force at `at`: the latest that started by then; before the first row's date, the first row. */
function rowAt(rows: readonly PriceRow[], at: number): PriceRow {
  let current = rows[0]!;
  for (const row of rows) if (effectiveTime(row) <= at) current = row;
  return current;
}

const compareVersions = (a: readonly [number, number], b: readonly [number, number]) => a[0] - b[0] || a[1] - b[1];

/** Each family's newest model that exists at `at` (its first row has started), priced at its row in force. */
function newestPerFamily(table: readonly PriceRow[], at: number): Map<string, PriceRow> {
  const newest = new Map<string, PriceRow>();
  for (const model of new Set(table.map((row) => row.model))) {
    const rows = rowsOf(table, model);
    if (effectiveTime(rows[0]!) > at) continue;
    const current = rowAt(rows, at);
    const best = newest.get(current.family);
    if (!best || compareVersions(current.version, best.version) > 0) newest.set(current.family, current);
  }
  return newest;
}

/** What a family estimate falls back to for a model of no known family: the dearest family, so never too low. */
function dearest(rows: Iterable<PriceRow>): PriceRow | undefined {
  let dearestRow: PriceRow | undefined;
  for (const row of rows) {
    const { output, input } = row.prices;
    if (
      !dearestRow ||
      output > dearestRow.prices.output ||
      (output === dearestRow.prices.output && input > dearestRow.prices.input)
    ) {
      dearestRow = row;
    }
  }
  return dearestRow;
}

/**
 * The price row for a model at a time. Exact: the model's own row in force at `at`. Otherwise estimated: the newest
 * model of its family, or, for a model of no known family, the most expensive family's newest model.
 */
export function resolvePriceRow(
  model: string,
  at: Date,
  table: readonly PriceRow[] = PRICE_TABLE,
): { row: PriceRow; estimated: boolean } {
  const time = Number.isNaN(at.getTime()) ? Date.now() : at.getTime();
  const { family, version } = parseModel(model, tableFamilies(table));
  if (family !== null && version !== null) {
    const exact = table.find((row) => row.family === family && compareVersions(row.version, version) === 0);
    if (exact) return { row: rowAt(rowsOf(table, exact.model), time), estimated: false };
  }
  const newest = newestPerFamily(table, time);
  const row = (family === null ? undefined : newest.get(family)) ?? dearest(newest.values()) ?? dearest(table);
  if (!row) throw new Error('the price table is empty');
  return { row, estimated: true };
}

const tokens = (value: number | undefined) =>
  typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;

/** The USD cost of one API message at one row's prices, term by term in Claude Code's order (same float result). */
export function costAt(row: PriceRow, usage: PriceableUsage): number {
  const input = tokens(usage.inputTokens);
  const output = tokens(usage.outputTokens);
  const read = tokens(usage.cacheReadInputTokens);
  const written = tokens(usage.cacheCreationInputTokens);
  const oneHour = Math.min(tokens(usage.cacheCreation1hInputTokens), written);
  const long = row.longContext;
  // Fast mode has no long-context tier; a model without fast prices is priced as usual, long context included.
  const prices: TokenPrices =
    usage.speed === 'fast' && row.fast
      ? row.fast
      : long && input + read + written > long.aboveInputTokens
        ? long.prices
        : row.prices;
  const writes =
    oneHour > 0
      ? (oneHour / 1e6) * prices.cacheWrite1h + ((written - oneHour) / 1e6) * prices.cacheWrite5m
      : (written / 1e6) * prices.cacheWrite5m;
  const tokensUsd =
    (input / 1e6) * prices.input + (output / 1e6) * prices.output + (read / 1e6) * prices.cacheRead + writes;
  const geo = usage.inferenceGeo === 'us' ? US_INFERENCE_MULTIPLIER : 1;
  return tokensUsd * geo + tokens(usage.webSearchRequests) * row.webSearchUsd;
}

/** A model on the runner's own host (a local reviewer: `local:<name>`), which costs nothing per token. */
export const LOCAL_MODEL_PREFIX = 'local:';

/** Prices one API message of `model` at time `at` (the event's time, for effective-dated rows). Never zero-rates a
 * Claude model: only the runner's local models (`local:…`) are free, their tokens still counted. */
export function priceUsage(
  model: string,
  usage: PriceableUsage,
  at: Date,
  table: readonly PriceRow[] = PRICE_TABLE,
): PricedUsage {
  if (model.startsWith(LOCAL_MODEL_PREFIX)) return { costUsd: 0, estimated: false, pricedAs: model };
  const { row, estimated } = resolvePriceRow(model, at, table);
  return { costUsd: costAt(row, usage), estimated, pricedAs: row.model };
}
