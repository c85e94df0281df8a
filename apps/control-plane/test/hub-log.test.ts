// ExecutionHub event log: stored before acked, duplicates dropped, gaps held back, viewers replayed gap-free,
// and all of it surviving eviction.
import { evictDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { HubToViewer } from '../src/protocol';
import {
  connectHubRunner,
  connectViewer,
  hubOf,
  logEvents,
  seedExecution,
  sendBatch,
  storedEvents,
  type Inbox,
} from './do-support';

/** Collects the seqs a viewer receives (replay and live) until it has seen `upTo`. */
async function seqsUntil(viewer: Inbox<HubToViewer>, upTo: number): Promise<number[]> {
  const seqs: number[] = [];
  while (seqs.at(-1) !== upTo) {
    const frame = await viewer.next('events');
    seqs.push(...frame.events.map((e) => e.seq));
    if ((seqs.at(-1) ?? 0) > upTo) break;
  }
  return seqs;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('ExecutionHub log', () => {
  it('welcomes a runner, stores a batch, and acks its highest seq', async () => {
    const id = await seedExecution({ status: 'assigned' });
    const runner = await connectHubRunner(id);
    expect(await runner.next('exec.welcome')).toEqual({
      type: 'exec.welcome',
      ackedSeq: 0,
      cancel: null,
      paused: null,
    });

    expect(await sendBatch(runner, logEvents(1, 3))).toBe(3);
    const stored = await storedEvents(id);
    expect(stored.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(stored[1]).toMatchObject({ type: 'log', data: { message: 'line 2' } });
  });

  it('drops duplicates: a resent batch is acked again but stored once', async () => {
    const id = await seedExecution({ status: 'assigned' });
    const runner = await connectHubRunner(id);
    await sendBatch(runner, logEvents(1, 3));
    expect(await sendBatch(runner, [...logEvents(2, 4), ...logEvents(4, 4)])).toBe(4);
    expect(await sendBatch(runner, logEvents(1, 2))).toBe(4);
    expect((await storedEvents(id)).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
  });

  it('holds events past a gap unacked and delivers them in order once the gap fills', async () => {
    const id = await seedExecution({ status: 'assigned' });
    const viewer = await connectViewer(id);
    await viewer.next('ready');
    const runner = await connectHubRunner(id);

    expect(await sendBatch(runner, logEvents(3, 5))).toBe(0);
    expect(await storedEvents(id)).toEqual([]);
    expect(await sendBatch(runner, logEvents(1, 2))).toBe(5);
    expect(await seqsUntil(viewer, 5)).toEqual([1, 2, 3, 4, 5]);
  });

  it('gives two viewers, one joining late with after=N, identical gap-free sequences', async () => {
    const id = await seedExecution({ status: 'assigned' });
    const early = await connectViewer(id);
    expect(await early.next('ready')).toMatchObject({ lastSeq: 0, status: 'assigned' });
    const runner = await connectHubRunner(id);
    for (let seq = 1; seq <= 60; seq += 10) await sendBatch(runner, logEvents(seq, seq + 9));

    const late = await connectViewer(id, 25);
    const lateReplay = await seqsUntil(late, 60);
    expect(await late.next('ready')).toMatchObject({ lastSeq: 60 });
    for (let seq = 61; seq <= 120; seq += 20) await sendBatch(runner, logEvents(seq, seq + 19));

    const earlySeqs = await seqsUntil(early, 120);
    const lateSeqs = [...lateReplay, ...(await seqsUntil(late, 120))];
    expect(earlySeqs).toEqual(range(1, 120));
    expect(lateSeqs).toEqual(range(26, 120));
  });

  it('replays in chunks, then ready, for a viewer of a long log', async () => {
    const id = await seedExecution({ status: 'assigned' });
    const runner = await connectHubRunner(id);
    for (let seq = 1; seq <= 1200; seq += 200) await sendBatch(runner, logEvents(seq, seq + 199));
    const viewer = await connectViewer(id, 100);
    expect(await seqsUntil(viewer, 1200)).toEqual(range(101, 1200));
    expect(await viewer.next('ready')).toMatchObject({ lastSeq: 1200 });
  });

  it('keeps the log, the ack point and events held past a gap across eviction', async () => {
    const id = await seedExecution({ status: 'assigned' });
    const runner = await connectHubRunner(id);
    await sendBatch(runner, logEvents(1, 3));
    expect(await sendBatch(runner, logEvents(5, 6))).toBe(3);

    await evictDurableObject(hubOf(id));

    const viewer = await connectViewer(id);
    expect(await seqsUntil(viewer, 3)).toEqual([1, 2, 3]);
    expect(await viewer.next('ready')).toMatchObject({ lastSeq: 3 });
    // The runner's socket hibernated through the eviction; its next frame reaches the fresh instance.
    expect(await sendBatch(runner, logEvents(4, 4))).toBe(6);
    expect(await seqsUntil(viewer, 6)).toEqual([4, 5, 6]);

    const again = await connectHubRunner(id);
    expect(await again.next('exec.welcome')).toMatchObject({ ackedSeq: 6 });
    expect((await storedEvents(id)).map((e) => e.seq)).toEqual(range(1, 6));
  });

  it('serves the HTTP read with after and limit', async () => {
    const id = await seedExecution({ status: 'assigned' });
    const runner = await connectHubRunner(id);
    await sendBatch(runner, logEvents(1, 10));
    expect((await storedEvents(id, 4, 3)).map((e) => e.seq)).toEqual([5, 6, 7]);
    expect(await storedEvents(id, 10, 100)).toEqual([]);
  });
});
