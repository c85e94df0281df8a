// Unit tests of the spool (segments on disk, compaction on ack, reopening after a crash) and of the outbox's memory
// window over it.
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../support/logger';
import type { Numbered } from './numbered-event';
import { Outbox } from './outbox';
import { Spool } from './spool';
import { executionId } from '../testing/test-helpers';

const ID = executionId(1);
let root: string;

const event = (seq: number): Numbered => {
  const json = JSON.stringify({
    seq,
    ts: '2025-01-01T00:00:00.000Z',
    type: 'log',
    data: { level: 'info', message: `m${seq}` },
  });
  return { seq, json, bytes: Buffer.byteLength(json) };
};

async function readAll(spool: Spool, from = 1, to = Number.MAX_SAFE_INTEGER): Promise<number[]> {
  const seqs: number[] = [];
  for await (const batch of spool.read(from, to)) seqs.push(...batch.map((e) => e.seq));
  return seqs;
}

/** Seqs of every line in the spool's files, in file order. */
function seqsOnDisk(spool: Spool): number[] {
  return readdirSync(spool.dir)
    .sort()
    .flatMap((name) => readFileSync(join(spool.dir, name), 'utf8').split('\n').filter(Boolean))
    .map((line) => (JSON.parse(line) as { seq: number }).seq);
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'claudeops-spool-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

describe('Spool', () => {
  it('keeps appended events across a reopen, in order, and knows where the log stands', async () => {
    const spool = Spool.open(root, ID, { segmentBytes: 1000 });
    for (let seq = 1; seq <= 50; seq++) spool.append(event(seq));
    spool.close();
    expect(Spool.list(root)).toEqual([ID]);

    const again = Spool.open(root, ID, { segmentBytes: 1000 });
    expect(again.lastSeq).toBe(50);
    expect(await readAll(again)).toEqual(range(1, 50));
    expect(await readAll(again, 20, 30)).toEqual(range(20, 30));
    expect(again.lastEvent()).toMatchObject({ seq: 50, type: 'log', data: { message: 'm50' } });
    again.append(event(51));
    expect(await readAll(again, 50)).toEqual([50, 51]);
  });

  it('deletes what the hub acked, segment by segment, and keeps the next seq once all is acked', async () => {
    const spool = Spool.open(root, ID, { segmentBytes: 1000 });
    for (let seq = 1; seq <= 60; seq++) spool.append(event(seq));
    const before = spool.bytes;
    spool.ack(35);
    const left = seqsOnDisk(spool);
    // Only the segment holding seq 36 may still hold acked events.
    expect(left.at(-1)).toBe(60);
    expect(left.filter((seq) => seq <= 35).length).toBeLessThan(15);
    expect(left.filter((seq) => seq > 35)).toEqual(range(36, 60));
    expect(spool.bytes).toBeLessThan(before);

    spool.ack(60);
    expect(seqsOnDisk(spool)).toEqual([]);
    expect(spool.bytes).toBe(0);
    spool.close();
    const again = Spool.open(root, ID);
    expect(again.lastSeq).toBe(60);
    expect(again.ackedSeq).toBe(60);
    expect(again.lastEvent()).toBeNull();
    again.drop();
    expect(Spool.list(root)).toEqual([]);
  });

  it('cuts off a line torn by a crash mid-write', async () => {
    const spool = Spool.open(root, ID);
    for (let seq = 1; seq <= 3; seq++) spool.append(event(seq));
    spool.close();
    const [file] = readdirSync(spool.dir);
    appendFileSync(join(spool.dir, file!), event(4).json.slice(0, 20));

    const again = Spool.open(root, ID);
    expect(again.lastSeq).toBe(3);
    again.append(event(4));
    expect(await readAll(again)).toEqual([1, 2, 3, 4]);
  });
});

describe('Outbox', () => {
  it('keeps only the newest events in memory once they are spooled, and gets the rest from the spool', async () => {
    const spool = Spool.open(root, ID, { segmentBytes: 2000 });
    const outbox = new Outbox(spool, createLogger('test'), 1000);
    for (let seq = 1; seq <= 100; seq++) outbox.add(event(seq));
    expect(outbox.unacked).toBe(100);
    expect(outbox.inMemoryAfter(0)).toBeNull();
    const inMemory = outbox.inMemoryAfter(outbox.memoryFrom - 1)!;
    expect(inMemory.map((e) => e.seq)).toEqual(range(outbox.memoryFrom, 100));
    expect(inMemory.reduce((sum, e) => sum + e.bytes, 0)).toBeLessThanOrEqual(1000);

    outbox.ack(40);
    expect(outbox.unacked).toBe(60);
    expect(await readAll(spool, 41, outbox.memoryFrom - 1)).toEqual(range(41, outbox.memoryFrom - 1));
  });

  it('keeps everything in memory without a spool', () => {
    const outbox = new Outbox(null, createLogger('test'), 100);
    for (let seq = 1; seq <= 50; seq++) outbox.add(event(seq));
    expect(outbox.inMemoryAfter(0)?.map((e) => e.seq)).toEqual(range(1, 50));
  });
});
