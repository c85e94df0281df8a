// Unit tests of the log streamer against a loopback WebSocket server that plays the ExecutionHub.
import { afterEach, describe, expect, it } from 'vitest';
import type { CancelReason, EventDraft, ExecutionEvent, ExecutionStatus } from '@claudeops/control-plane/protocol';
import { FakeHub } from '../testing/fake-hub';
import { LogStreamer, type LogStreamerOptions } from './log-streamer';
import { executionId, FAST_BACKOFF, waitFor } from '../testing/test-helpers';

const ID = executionId(1);
const TOKEN = 'cor_test-token';

const text = (n: number): EventDraft => ({
  type: 'assistant.text',
  ts: new Date().toISOString(),
  data: { messageId: 'msg_1', text: `line ${n}` },
});

let hub: FakeHub;
let streamer: LogStreamer | undefined;
const cancels: CancelReason[] = [];
const closes: { status: ExecutionStatus | null; reason: string }[] = [];

async function setup(options: Partial<LogStreamerOptions> = {}): Promise<LogStreamer> {
  hub = new FakeHub();
  await hub.start();
  cancels.length = 0;
  closes.length = 0;
  streamer = new LogStreamer({
    url: hub.server.url,
    token: TOKEN,
    executionId: ID,
    backoff: FAST_BACKOFF,
    handlers: { onCancel: (reason) => cancels.push(reason), onClosed: (info) => closes.push(info) },
    ...options,
  });
  return streamer;
}

const seqs = (events: ExecutionEvent[]) => events.map((event) => event.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

afterEach(async () => {
  streamer?.stop();
  streamer = undefined;
  await hub?.server.close();
});

describe('LogStreamer', () => {
  it('numbers events 1, 2, 3… and delivers each exactly once, in order, with the runner token', async () => {
    const s = await setup();
    s.start();
    for (let n = 1; n <= 100; n++) expect(s.emit(text(n))).toBe(n);
    await s.drained();
    expect(seqs(hub.stored)).toEqual(range(1, 100));
    expect(hub.received(0)).toEqual(range(1, 100));
    expect(hub.stored[41]).toMatchObject({ type: 'assistant.text', data: { text: 'line 42' } });
    expect(hub.upgrades[0]).toEqual({ path: `/api/v1/executions/${ID}/stream`, authorization: `Bearer ${TOKEN}` });
  });

  it('after a dropped socket resends only what the hub has not acked', async () => {
    const s = await setup();
    hub.autoAck = false;
    s.start();
    for (let n = 1; n <= 40; n++) s.emit(text(n));
    await waitFor(() => hub.stored.length === 40, 'the hub to store 40 events');
    hub.ack(); // acks 1..40
    for (let n = 41; n <= 60; n++) s.emit(text(n));
    await waitFor(() => hub.stored.length === 60, 'the hub to store 60 events');
    // Stored but never acked: the runner must keep 41..60 and the hub must still not see 1..40 again.
    hub.autoAck = true;
    hub.last.terminate();
    for (let n = 61; n <= 80; n++) s.emit(text(n)); // emitted while disconnected
    await s.drained();
    expect(hub.sockets.length).toBe(2);
    expect(hub.received(1)).toEqual(range(61, 80));
    expect(seqs(hub.stored)).toEqual(range(1, 80));
  });

  it('re-welcomed with an older ackedSeq, resends everything after it and nothing before', async () => {
    const s = await setup();
    hub.autoAck = false;
    s.start();
    for (let n = 1; n <= 50; n++) s.emit(text(n));
    await waitFor(() => hub.stored.length === 50, 'the hub to store 50 events');
    hub.send({ type: 'exec.ack', seq: 20 });
    await waitFor(() => s.progress.ackedSeq === 20, 'the runner to take the ack');
    // The hub comes back having kept only what it acked (20): the runner must resend 21..50.
    hub.autoAck = true;
    hub.stored = hub.stored.slice(0, 20);
    hub.last.close();
    await s.drained();
    expect(hub.received(1)).toEqual(range(21, 50));
    expect(seqs(hub.stored)).toEqual(range(1, 50));

    // A welcome older than what was already acked cannot resurrect forgotten events: resend starts after the ack.
    hub.autoAck = false;
    for (let n = 51; n <= 60; n++) s.emit(text(n));
    await waitFor(() => hub.stored.length === 60, 'the hub to store 60 events');
    hub.autoAck = true;
    hub.nextWelcomeAckedSeq = 10;
    hub.last.terminate();
    await s.drained();
    expect(hub.received(2)).toEqual(range(51, 60));
    expect(seqs(hub.stored)).toEqual(range(1, 60));
  });

  it('tolerates duplicated acks, stale acks and a repeated welcome', async () => {
    const s = await setup();
    hub.autoAck = false;
    s.start();
    for (let n = 1; n <= 10; n++) s.emit(text(n));
    await waitFor(() => hub.stored.length === 10, 'the hub to store 10 events');
    hub.send({ type: 'exec.ack', seq: 8 });
    hub.send({ type: 'exec.ack', seq: 8 });
    hub.send({ type: 'exec.ack', seq: 3 });
    await waitFor(() => s.progress.ackedSeq === 8, 'the ack of 8');
    // A second welcome on the same socket: the runner resends what is unacked (9, 10) and the hub drops them.
    hub.send({ type: 'exec.welcome', ackedSeq: 8, cancel: null });
    await waitFor(() => hub.received(0).length === 12, 'the resend of 9 and 10');
    expect(hub.received(0)).toEqual([...range(1, 10), 9, 10]);
    hub.ack();
    await s.drained();
    expect(seqs(hub.stored)).toEqual(range(1, 10));
    expect(s.progress).toEqual({ lastSeq: 10, ackedSeq: 10, unacked: 0, spooled: 0 });
  });

  it('flushes a full batch at once, without waiting for the timer', async () => {
    const s = await setup({ flushMs: 3_600_000 });
    s.start();
    s.emit(text(0));
    await s.drained(); // sent with the welcome; from now on only a full batch or the hour-long timer can send
    for (let n = 1; n <= 64; n++) s.emit(text(n));
    await s.drained();
    expect(hub.frames[0]!.map((frame) => frame.length)).toEqual([1, 32, 32]);
  });

  it('flushes a partial batch when the flush window ends', async () => {
    const s = await setup({ flushMs: 20 });
    s.start();
    s.emit(text(1));
    await s.drained(); // now the stream is welcomed, so only the flush timer can send what follows
    s.emit(text(2));
    s.emit(text(3));
    s.emit(text(4));
    await s.drained();
    expect(hub.frames[0]!.map(seqs)).toEqual([[1], [2, 3, 4]]);
  });

  it('sends a usage event at once, with what was waiting before it, so budgets are charged without delay', async () => {
    const s = await setup({ flushMs: 3_600_000 });
    s.start();
    s.emit(text(1));
    await s.drained(); // welcomed; from now on only a full batch, the hour-long timer or an urgent event can send
    s.emit(text(2));
    s.emit({
      type: 'usage',
      ts: new Date().toISOString(),
      data: {
        messageId: 'm1',
        model: 'claude-sonnet-4-5',
        inputTokens: 10,
        outputTokens: 5,
        cacheReadInputTokens: 0,
        cacheCreationInputTokens: 0,
      },
    });
    await s.drained();
    expect(hub.frames[0]!.map(seqs)).toEqual([[1], [2, 3]]);
  });

  it('keeps frames within the event-count and byte caps when catching up', async () => {
    const s = await setup({ maxFrameBytes: 20_000 });
    hub.refuseWith = 503;
    s.start();
    for (let n = 1; n <= 600; n++) s.emit(text(n));
    const big = {
      type: 'assistant.text',
      ts: new Date().toISOString(),
      data: { messageId: 'm', text: 'x'.repeat(6000) },
    };
    for (let n = 601; n <= 606; n++) s.emit(big as EventDraft);
    await waitFor(() => hub.upgrades.length >= 2, 'a retried connection');
    hub.refuseWith = null;
    await s.drained();
    expect(seqs(hub.stored)).toEqual(range(1, 606));
    const frames = hub.frames[0]!;
    expect(Math.max(...frames.map((frame) => frame.length))).toBeLessThanOrEqual(256);
    for (const frame of frames) expect(JSON.stringify(frame).length).toBeLessThanOrEqual(20_000 + 200);
  });

  it('passes a cancel from exec.cancel and from the welcome to the job runner', async () => {
    const s = await setup();
    hub.welcomeCancel = 'user';
    s.start();
    await waitFor(() => cancels.length === 1, 'the cancel in the welcome');
    hub.send({ type: 'exec.cancel', reason: 'lease_lost' });
    await waitFor(() => cancels.length === 2, 'exec.cancel');
    expect(cancels).toEqual(['user', 'lease_lost']);
  });

  it('stops on exec.closed: drops the buffer, takes no more events, reports the status', async () => {
    const s = await setup();
    hub.autoAck = false;
    s.start();
    s.emit(text(1));
    s.emit(text(2));
    await waitFor(() => hub.stored.length === 2, 'two events');
    hub.send({ type: 'exec.closed', status: 'lost', ackedSeq: 1 });
    await s.drained();
    expect(closes).toEqual([{ status: 'lost', reason: 'the log was closed (lost)' }]);
    expect(s.emit(text(3))).toBeNull();
    expect(s.progress.unacked).toBe(0);
  });

  it('ignores invalid frames from the hub and keeps streaming', async () => {
    const s = await setup();
    s.start();
    await waitFor(() => hub.sockets.length === 1, 'the connection');
    hub.send('not json');
    hub.send({ type: 'exec.ack', seq: -4 });
    hub.send({ type: 'exec.surprise' });
    hub.send({ type: 'error', error: { code: 'BAD_REQUEST', message: 'refused' } });
    for (let n = 1; n <= 5; n++) s.emit(text(n));
    await s.drained();
    expect(seqs(hub.stored)).toEqual(range(1, 5));
    expect(hub.sockets).toHaveLength(1);
  });

  it('gives up when the hub refuses this runner (403) and says why', async () => {
    const s = await setup();
    hub.refuseWith = 403;
    s.start();
    s.emit(text(1));
    await s.drained();
    expect(closes).toHaveLength(1);
    expect(closes[0]!.status).toBeNull();
    expect(closes[0]!.reason).toContain('403');
  });

  it('replaces an event the hub would refuse by a warning, so later events still flow', async () => {
    const s = await setup();
    s.start();
    s.emit({ type: 'assistant.text', ts: 'yesterday', data: { messageId: 'm', text: 'bad time' } });
    s.emit({
      type: 'tool.result',
      ts: new Date().toISOString(),
      data: { toolUseId: 't', isError: false, content: 'y'.repeat(70_000) },
    });
    s.emit(text(3));
    await s.drained();
    expect(hub.stored.map((event) => event.type)).toEqual(['log', 'log', 'assistant.text']);
    expect(hub.stored[0]!.data).toMatchObject({
      level: 'warn',
      message: expect.stringContaining('invalid assistant.text'),
    });
    expect(hub.stored[1]!.data).toMatchObject({ message: expect.stringContaining('tool.result event of') });
  });
});
