// Unit tests of how long the model proxy holds a rate-limited call (retryDelayMs), what it tells the runner about it,
// and the stream helpers that keep a call's body and drop a 429's.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  drainText,
  MAX_RATE_LIMIT_WAIT_MS,
  rateLimitMessage,
  readBody,
  retryDelayMs,
  type RetryDelay,
} from './rate-limit';

const NOW = Date.parse('2030-01-01T12:00:00.000Z');
const at = (ms: number) => new Date(NOW + ms);
const delay = (delayMs: number, source: RetryDelay['source']): RetryDelay => ({ delayMs, until: at(delayMs), source });

describe('retryDelayMs', () => {
  it('waits what retry-after says, in seconds or as an HTTP-date', () => {
    expect(retryDelayMs(429, { 'retry-after': '7' }, 1, NOW)).toEqual(delay(7_000, 'retry-after'));
    expect(retryDelayMs(529, { 'retry-after': '1.5' }, 1, NOW)).toEqual(delay(1_500, 'retry-after'));
    const date = new Date(NOW + 90_000).toUTCString();
    expect(retryDelayMs(429, { 'retry-after': date }, 1, NOW)).toEqual(delay(90_000, 'retry-after'));
    expect(retryDelayMs(429, new Headers({ 'Retry-After': '3' }), 1, NOW)).toEqual(delay(3_000, 'retry-after'));
    expect(retryDelayMs(429, { 'Retry-After': ['4', '9'] }, 1, NOW)).toEqual(delay(4_000, 'retry-after'));
  });

  it('reads retry-after-ms first, as the Anthropic SDK does', () => {
    expect(retryDelayMs(429, { 'retry-after-ms': '250', 'retry-after': '1' }, 1, NOW)).toEqual(
      delay(250, 'retry-after'),
    );
  });

  it('does not wait for a retry-after that has passed', () => {
    const past = new Date(NOW - 60_000).toUTCString();
    expect(retryDelayMs(429, { 'retry-after': past }, 1, NOW)).toEqual(delay(0, 'retry-after'));
    expect(retryDelayMs(429, { 'retry-after': '0' }, 1, NOW)).toEqual(delay(0, 'retry-after'));
  });

  it('prefers retry-after to the rate limits’ reset times', () => {
    const headers = { 'retry-after': '5', 'anthropic-ratelimit-tokens-reset': new Date(NOW + 1_000).toISOString() };
    expect(retryDelayMs(429, headers, 1, NOW)).toEqual(delay(5_000, 'retry-after'));
  });

  it('waits for the earliest reset still ahead, RFC 3339 or unix seconds', () => {
    const headers = {
      'anthropic-ratelimit-requests-reset': new Date(NOW - 5_000).toISOString(), // passed: not this one
      'anthropic-ratelimit-tokens-reset': new Date(NOW + 40_000).toISOString(),
      'anthropic-ratelimit-input-tokens-reset': '2030-01-01T12:00:25Z',
      'anthropic-ratelimit-output-tokens-reset': new Date(NOW + 60_000).toISOString(),
      'anthropic-ratelimit-unified-reset': String((NOW + 30_000) / 1000),
    };
    expect(retryDelayMs(429, headers, 1, NOW)).toEqual(delay(25_000, 'reset'));
    const unified = { 'anthropic-ratelimit-unified-reset': String((NOW + 12_000) / 1000) };
    expect(retryDelayMs(429, new Headers(unified), 1, NOW)).toEqual(delay(12_000, 'reset'));
  });

  it('backs off 1 s, 2 s, 4 s … up to a minute, with jitter, when nothing names a time', () => {
    const passed = { 'anthropic-ratelimit-tokens-reset': new Date(NOW - 1).toISOString(), 'retry-after': 'soon' };
    expect(retryDelayMs(429, passed, 1, NOW, () => 1)).toEqual(delay(1_000, 'backoff'));
    expect(retryDelayMs(429, {}, 1, NOW, () => 0)).toEqual(delay(500, 'backoff'));
    expect(retryDelayMs(429, {}, 2, NOW, () => 1)).toEqual(delay(2_000, 'backoff'));
    expect(retryDelayMs(429, {}, 3, NOW, () => 1)).toEqual(delay(4_000, 'backoff'));
    expect(retryDelayMs(429, {}, 30, NOW, () => 1)).toEqual(delay(60_000, 'backoff'));
    const jittered = retryDelayMs(529, {}, 4, NOW).delayMs;
    expect(jittered).toBeGreaterThanOrEqual(4_000);
    expect(jittered).toBeLessThanOrEqual(8_000);
  });

  it('ignores the reset times for a 529: an overloaded API is not this account over its limits', () => {
    const headers = { 'anthropic-ratelimit-tokens-reset': new Date(NOW + 40_000).toISOString() };
    expect(retryDelayMs(529, headers, 1, NOW, () => 1)).toEqual(delay(1_000, 'backoff'));
  });

  it('never waits longer than six hours at once', () => {
    expect(retryDelayMs(429, { 'retry-after': '86400' }, 1, NOW)).toEqual(delay(MAX_RATE_LIMIT_WAIT_MS, 'retry-after'));
    const reset = { 'anthropic-ratelimit-unified-reset': String(NOW / 1000 + 7 * 24 * 3600) };
    expect(retryDelayMs(429, reset, 1, NOW)).toEqual(delay(MAX_RATE_LIMIT_WAIT_MS, 'reset'));
  });
});

describe('rateLimitMessage', () => {
  it('is the model API’s own message, else a sentence of ours', () => {
    const body = JSON.stringify({ type: 'error', error: { type: 'rate_limit_error', message: 'Slow down.' } });
    expect(rateLimitMessage(429, body)).toBe('Slow down.');
    expect(rateLimitMessage(429, '<html>Too Many Requests</html>')).toBe('the model API is rate limiting this runner');
    expect(rateLimitMessage(529, '{"error":{}}')).toBe('the model API is overloaded');
    expect(rateLimitMessage(529, 'null')).toBe('the model API is overloaded');
  });
});

describe('readBody and drainText', () => {
  it('keeps a whole body, and says when it is over the limit', async () => {
    const chunks = () => Readable.from([Buffer.from('{"model":'), Buffer.from('"claude"}')], { objectMode: false });
    expect((await readBody(chunks())).toString()).toBe('{"model":"claude"}');
    expect(await readBody(chunks(), 10)).toBe('too-large');
  });

  it('rejects when the stream closes before its end', async () => {
    const stream = new Readable({ read: () => undefined });
    const read = readBody(stream);
    stream.push(Buffer.from('{"partial"'));
    stream.destroy();
    await expect(read).rejects.toThrow('the client hung up before sending the whole request');
  });

  it('reads a body to its end and keeps its first 64 KiB', async () => {
    const big = Readable.from([Buffer.alloc(40 * 1024, 'a'), Buffer.alloc(40 * 1024, 'b'), Buffer.from('end')]);
    const text = await drainText(big);
    expect(text).toHaveLength(64 * 1024);
    expect(text.endsWith('b')).toBe(true);
    expect(big.readableEnded).toBe(true);
  });
});
