// How the model proxy rides out the model API's rate limits (429) and overloads (529) instead of handing them to
// Claude Code: how long to hold a call before trying it again (retryDelayMs, pure), one call's hold (RateLimitHold:
// the total waited, the runner told, the wait itself), and reading a call's body so it can be sent again. Used by
// model-proxy.ts, which does the HTTP.
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { backoffDelay, sleep as timerSleep, type BackoffOptions } from '../support/backoff';
import type { Logger } from '../support/logger';

/** The model API's answers that mean "not now, later": rate limited, overloaded. */
export const RATE_LIMIT_STATUSES: ReadonlySet<number> = new Set([429, 529]);

/** The longest the proxy holds one call in all (its default maxRateLimitWaitMs), and the longest single wait. */
export const MAX_RATE_LIMIT_WAIT_MS = 6 * 60 * 60 * 1000;

/**
 * The shortest wait between two tries, whatever the model API says: a `retry-after: 0` answered again and again
 * would otherwise spin against the API (and the permits) without the total wait ever growing.
 */
export const MIN_RATE_LIMIT_WAIT_MS = 1_000;

/** Waits when the model API names no time: 1 s, 2 s, 4 s … up to a minute, with jitter. */
export const RATE_LIMIT_BACKOFF: BackoffOptions = { baseMs: 1_000, maxMs: 60_000 };

/** The most of a model call the proxy keeps to send again (the Messages API's own limit is 32 MB). */
export const MAX_BUFFERED_BODY_BYTES = 32 * 1024 * 1024;

/** The most of a 429/529 body read for its message; the rest is read and dropped. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** When each of the account's limits fills up again (Anthropic's rate-limit headers), RFC 3339 or unix seconds. */
const RESET_HEADERS = [
  'anthropic-ratelimit-requests-reset',
  'anthropic-ratelimit-tokens-reset',
  'anthropic-ratelimit-input-tokens-reset',
  'anthropic-ratelimit-output-tokens-reset',
  'anthropic-ratelimit-unified-reset',
];

export type RetryDelaySource = 'retry-after' | 'reset' | 'backoff';

export interface RetryDelay {
  delayMs: number;
  until: Date;
  source: RetryDelaySource;
}

type HeaderBag = Headers | Record<string, string | string[] | undefined>;

function header(headers: HeaderBag, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
  const value = key === undefined ? undefined : headers[key];
  const first = Array.isArray(value) ? value[0] : value;
  return first?.trim() || undefined;
}

const NUMBER = /^\d+(\.\d+)?$/;

/** Milliseconds from `now` that `retry-after-ms` or `retry-after` (seconds or an HTTP-date) asks for, if either does. */
function retryAfterMs(headers: HeaderBag, now: number): number | undefined {
  const ms = header(headers, 'retry-after-ms');
  if (ms && NUMBER.test(ms)) return Number(ms);
  const value = header(headers, 'retry-after');
  if (!value) return undefined;
  if (NUMBER.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isFinite(date) ? date - now : undefined;
}

/** The earliest reset header that lies after `now`, in epoch milliseconds. */
function earliestReset(headers: HeaderBag, now: number): number | undefined {
  let earliest: number | undefined;
  for (const name of RESET_HEADERS) {
    const value = header(headers, name);
    if (!value) continue;
    const at = NUMBER.test(value) ? Number(value) * 1000 : Date.parse(value);
    if (Number.isFinite(at) && at > now && (earliest === undefined || at < earliest)) earliest = at;
  }
  return earliest;
}

/**
 * How long to hold a call the model API answered `status` (429 or 529) with `headers`, before try number
 * `attempt + 1` (`attempt` counts the rate-limited answers so far, from 1): what `retry-after` says (seconds or an
 * HTTP-date; `retry-after-ms` first, as Anthropic's SDK reads it); else, for a 429, the earliest of the account's
 * limits to reset that is still ahead; else exponential backoff with jitter. Clamped to [0, 6 h]. A 529 is the API
 * being overloaded, not this account being over its limits, so the limits' reset times say nothing about it.
 */
export function retryDelayMs(
  status: number,
  headers: HeaderBag,
  attempt: number,
  now = Date.now(),
  random: () => number = Math.random,
): RetryDelay {
  const clamp = (ms: number) => Math.min(MAX_RATE_LIMIT_WAIT_MS, Math.max(0, Math.ceil(ms)));
  const delay = (ms: number, source: RetryDelaySource): RetryDelay => {
    const delayMs = clamp(ms);
    return { delayMs, until: new Date(now + delayMs), source };
  };
  const asked = retryAfterMs(headers, now);
  if (asked !== undefined) return delay(asked, 'retry-after');
  const reset = status === 429 ? earliestReset(headers, now) : undefined;
  if (reset !== undefined) return delay(reset - now, 'reset');
  return delay(backoffDelay(Math.max(0, attempt - 1), RATE_LIMIT_BACKOFF, random), 'backoff');
}

/** What the model API said in a 429/529 body (Anthropic's `{ error: { message } }`), else a sentence of our own. */
export function rateLimitMessage(status: number, body: string): string {
  try {
    const message = (JSON.parse(body) as { error?: { message?: unknown } } | null)?.error?.message;
    if (typeof message === 'string' && message.trim() !== '') return message.trim();
  } catch {
    // Not JSON (a gateway's HTML page): say it in our own words.
  }
  return status === 529 ? 'the model API is overloaded' : 'the model API is rate limiting this runner';
}

/** Reads `stream` to its end, keeping its first 64 KiB as text (a 429/529 body, read so the connection is reused). */
export async function drainText(stream: Readable): Promise<string> {
  const kept: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (size < MAX_ERROR_BODY_BYTES) kept.push(chunk.subarray(0, MAX_ERROR_BODY_BYTES - size));
    size += chunk.length;
  }
  return Buffer.concat(kept).toString('utf8');
}

/**
 * The whole of a request body, so it can be sent again; 'too-large' past `limit` bytes (the rest is then read and
 * dropped, so the client still gets an answer). Rejects when the client hangs up before the end.
 */
export function readBody(stream: Readable, limit = MAX_BUFFERED_BODY_BYTES): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = () => {
      stream.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      settle();
      stream.resume();
      resolve('too-large');
    };
    const onEnd = () => {
      settle();
      resolve(Buffer.concat(chunks));
    };
    const onError = (error: Error) => {
      settle();
      reject(error);
    };
    // 'close' before 'end': the client went away mid-body.
    const onClose = () => onError(new Error('the client hung up before sending the whole request'));
    stream.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

/** What onRateLimited is told about a held call. */
export interface RateLimitInfo {
  status: number;
  /** When the call goes upstream again. */
  until: Date;
  /** Where that time came from: the API's retry-after, its rate limits' reset times, or our own backoff. */
  source: RetryDelaySource;
  attempt: number;
  /** What the model API said (its error message), or a sentence of ours. */
  message: string;
}

/** The model proxy's options about rate limits (part of ModelProxyOptions). */
export interface RateLimitOptions {
  /**
   * A model call of the execution is held: the model API answered it `status` (429/529), and the proxy tries it
   * again, with a new permit, at `until`. Called once per such answer (`attempt` counts them, from 1).
   */
  onRateLimited?: (executionId: string, info: RateLimitInfo) => void;
  /**
   * A call onRateLimited was called for is no longer held: another answer came (and is streamed to Claude Code),
   * the proxy gave up on it, its permit was refused, or Claude Code hung up. Once per held call.
   */
  onRateLimitCleared?: (executionId: string) => void;
  /** The longest one call is held in all before its last 429/529 goes to Claude Code (default 6 hours). */
  maxRateLimitWaitMs?: number;
  /** Waits `ms`, or less once `signal` aborts (tests replace it; the default is a timer). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** One model call's time held for rate limits: whether to hold it again, telling the runner, and the wait. */
export class RateLimitHold {
  private attempt = 0;
  private waitedMs = 0;
  private held = false;

  constructor(
    private readonly executionId: string,
    private readonly options: RateLimitOptions,
    private readonly log: Logger,
  ) {}

  /**
   * The wait before `answer`'s call is tried again; undefined when `answer` goes to Claude Code as it is: it is no
   * 429/529, or that wait would take the call past maxRateLimitWaitMs.
   */
  next(answer: IncomingMessage, now = Date.now()): (RetryDelay & { status: number }) | undefined {
    const status = answer.statusCode ?? 0;
    if (!RATE_LIMIT_STATUSES.has(status)) return undefined;
    this.attempt += 1;
    const delay = retryDelayMs(status, answer.headers, this.attempt, now);
    const delayMs = Math.max(MIN_RATE_LIMIT_WAIT_MS, delay.delayMs);
    if (this.waitedMs + delayMs > (this.options.maxRateLimitWaitMs ?? MAX_RATE_LIMIT_WAIT_MS)) {
      const { executionId, attempt, waitedMs } = this;
      this.log.warn('model call still rate limited; giving up', { executionId, status, attempt, waitedMs });
      return undefined;
    }
    return { ...delay, delayMs, until: new Date(now + delayMs), status };
  }

  /**
   * Reads and drops the rate-limited answer, tells the runner, and waits `delay`: false when `signal` aborted
   * first (Claude Code hung up, the runner is stopping), and there is nobody to try again for.
   */
  async wait(answer: IncomingMessage, delay: RetryDelay & { status: number }, signal: AbortSignal): Promise<boolean> {
    const message = rateLimitMessage(delay.status, await drainText(answer).catch(() => ''));
    if (signal.aborted) return false;
    this.held = true;
    const { executionId, attempt } = this;
    const info = { status: delay.status, until: delay.until, source: delay.source, attempt, message };
    this.log.info('model call rate limited; holding it', { executionId, ...info, until: info.until.toISOString() });
    this.options.onRateLimited?.(executionId, info);
    await (this.options.sleep ?? timerSleep)(delay.delayMs, signal);
    this.waitedMs += delay.delayMs;
    return !signal.aborted;
  }

  /** The call is over, one way or another: the runner hears once that it is no longer held. */
  end(): void {
    if (this.held) this.options.onRateLimitCleared?.(this.executionId);
    this.held = false;
  }
}
