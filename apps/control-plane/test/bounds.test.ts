// Bounded reads of an execution's log, as a client sees them: HTTP pages capped by bytes with a cursor to the next,
// a viewer's replay in frames under the same cap (gap-free, in order, then `ready`), and a cap on viewers.
import { describe, expect, it } from 'vitest';
import {
  EventsResponse,
  HubToViewer,
  MAX_EVENT_BYTES,
  MAX_EVENTS_PAGE_BYTES,
  MAX_VIEWERS_PER_EXECUTION,
  type ExecutionEvent,
} from '../src/protocol';
import { api, expectError } from './api-support';
import { connectHubRunner, connectViewer, eventually, logEvent, seedExecution, sendBatch } from './do-support';

const bytes = (text: string) => new TextEncoder().encode(text).byteLength;

/** A log of `count` events of about `size` bytes each (multi-byte characters, so bytes and length differ). */
async function seedBigLog(count: number, size: number): Promise<string> {
  const id = await seedExecution({ status: 'running' });
  const runner = await connectHubRunner(id);
  await runner.next('exec.welcome');
  // 'é' is two bytes in UTF-8: a page counted in characters would be twice too large.
  const message = 'é'.repeat(Math.floor(size / 2));
  const perFrame = 8;
  for (let from = 1; from <= count; from += perFrame) {
    const events: ExecutionEvent[] = [];
    for (let seq = from; seq < Math.min(from + perFrame, count + 1); seq++) events.push(logEvent(seq, message));
    expect(await sendBatch(runner, events)).toBe(events.at(-1)!.seq);
  }
  runner.ws.close(1000, 'done');
  return id;
}

describe('event pages', () => {
  it('caps an HTTP page by bytes, says there is more, and the cursor walks the whole log gap-free', async () => {
    const count = 48;
    const id = await seedBigLog(count, MAX_EVENT_BYTES - 4096);
    const seqs: number[] = [];
    let after = 0;
    let pages = 0;
    for (;;) {
      const response = await api(`/api/v1/executions/${id}/events?after=${after}&limit=5000`);
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(bytes(text)).toBeLessThanOrEqual(MAX_EVENTS_PAGE_BYTES + 1024);
      const page = EventsResponse.parse(JSON.parse(text));
      pages += 1;
      seqs.push(...page.events.map((e) => e.seq));
      if (page.events.length > 0) expect(page.nextAfter).toBe(page.events.at(-1)!.seq);
      if (!page.hasMore) {
        expect(page.nextAfter).toBe(count);
        break;
      }
      expect(page.events.length).toBeGreaterThan(0);
      after = page.nextAfter;
    }
    expect(seqs).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    expect(pages).toBeGreaterThanOrEqual(3);

    // Past the end: an empty page that stays where it was asked.
    const end = EventsResponse.parse(await (await api(`/api/v1/executions/${id}/events?after=${count}`)).json());
    expect(end).toEqual({ events: [], hasMore: false, nextAfter: count });
  });

  it('still caps by count, with hasMore when the count stopped the page', async () => {
    const id = await seedBigLog(6, 100);
    const page = EventsResponse.parse(await (await api(`/api/v1/executions/${id}/events?limit=4`)).json());
    expect(page.events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(page).toMatchObject({ hasMore: true, nextAfter: 4 });
    const rest = EventsResponse.parse(await (await api(`/api/v1/executions/${id}/events?after=4&limit=4`)).json());
    expect(rest).toMatchObject({ hasMore: false, nextAfter: 6 });
    expect(rest.events.map((e) => e.seq)).toEqual([5, 6]);
  });

  it('replays a long log to a viewer in several frames under the cap, in order, then ready', async () => {
    const count = 40;
    const id = await seedBigLog(count, MAX_EVENT_BYTES - 4096);
    const response = await api(`/api/v1/executions/${id}/events?after=0`, { headers: { upgrade: 'websocket' } });
    expect(response.status).toBe(101);
    const ws = response.webSocket!;
    const frames: { size: number; frame: HubToViewer }[] = [];
    ws.addEventListener('message', (event) => {
      const text = String(event.data);
      frames.push({ size: bytes(text), frame: HubToViewer.parse(JSON.parse(text)) });
    });
    ws.accept();
    await eventually(() => frames.some((f) => f.frame.type === 'ready'), 15_000);
    ws.close(1000, 'done');

    const ready = frames.findIndex((f) => f.frame.type === 'ready');
    const replay = frames.slice(0, ready);
    expect(replay.length).toBeGreaterThanOrEqual(3);
    const seqs: number[] = [];
    for (const { size, frame } of replay) {
      expect(frame.type).toBe('events');
      expect(size).toBeLessThanOrEqual(MAX_EVENTS_PAGE_BYTES);
      if (frame.type === 'events') seqs.push(...frame.events.map((e) => e.seq));
    }
    expect(seqs).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    expect(frames[ready]!.frame).toMatchObject({ type: 'ready', lastSeq: count });
  });
});

describe('viewers per execution', () => {
  it('refuses one viewer too many with 429 and Retry-After, and lets one in again once a viewer leaves', async () => {
    const id = await seedExecution({ status: 'running' });
    const viewers = [];
    for (let i = 0; i < MAX_VIEWERS_PER_EXECUTION; i++) {
      const viewer = await connectViewer(id);
      await viewer.next('ready');
      viewers.push(viewer);
    }
    const refused = await api(`/api/v1/executions/${id}/events`, { headers: { upgrade: 'websocket' } });
    await expectError(refused, 429, 'RATE_LIMITED', new RegExp(`${MAX_VIEWERS_PER_EXECUTION} viewers`));
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Reading over HTTP is not a viewer socket: still served.
    expect((await api(`/api/v1/executions/${id}/events`)).status).toBe(200);

    viewers.pop()!.ws.close(1000, 'leaving');
    const again = await eventually(async () => {
      const response = await api(`/api/v1/executions/${id}/events`, { headers: { upgrade: 'websocket' } });
      if (response.status !== 101) throw new Error(`still refused: ${response.status}`);
      return response;
    });
    again.webSocket!.accept();
    again.webSocket!.close(1000, 'done');
    for (const viewer of viewers) viewer.ws.close(1000, 'done');
  });
});
