// One execution's spool: every numbered event is appended here (synchronously) before it is sent, so events survive
// a lost connection, a full memory window and a restart of the runner. Used by the log streamer's outbox; found again
// after a restart by the recovery (recovery.ts). Layout: <root>/<executionId>/<firstSeq, 12 digits>.jsonl segments of
// one JSON event per line; a segment is deleted once the hub has acked all of it, and an empty segment named after
// the next seq marks where a fully acked log goes on.
import {
  closeSync,
  fdatasync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExecutionEvent } from '@claudeops/control-plane/protocol';
import type { Numbered } from './numbered-event';

/** A segment is closed and a new one started beyond this size. */
export const SEGMENT_BYTES = 1024 * 1024;
/** Written data reaches the disk itself (not just the page cache) at most this long after being appended. */
const SYNC_INTERVAL_MS = 1000;

interface Segment {
  firstSeq: number;
  lastSeq: number;
  path: string;
  bytes: number;
}

const SEGMENT_NAME = /^(\d{12})\.jsonl$/;
const segmentName = (firstSeq: number) => `${String(firstSeq).padStart(12, '0')}.jsonl`;

/** The seq of a spooled line: events are serialised seq first (numberEvent), so no full parse is needed. */
function seqOf(line: string): number | null {
  const match = /^\{"seq":(\d+),/.exec(line);
  return match ? Number(match[1]) : null;
}

export class Spool {
  private segments: Segment[] = [];
  private fd: number | null = null;
  private syncTimer: NodeJS.Timeout | undefined;
  private dirty = false;

  private constructor(
    readonly dir: string,
    private readonly segmentBytes: number,
  ) {}

  /** Executions with a spool under `root` (a previous life's, after a restart). */
  static list(root: string): string[] {
    try {
      return readdirSync(root, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name);
    } catch {
      return [];
    }
  }

  /** Opens the execution's spool, picking up what an earlier process left there, or starts an empty one. */
  static open(root: string, executionId: string, options: { segmentBytes?: number } = {}): Spool {
    const spool = new Spool(join(root, executionId), options.segmentBytes ?? SEGMENT_BYTES);
    mkdirSync(spool.dir, { recursive: true, mode: 0o700 });
    const firsts = readdirSync(spool.dir)
      .map((name) => SEGMENT_NAME.exec(name)?.[1])
      .filter((first): first is string => first !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    for (const [i, firstSeq] of firsts.entries()) {
      const path = join(spool.dir, segmentName(firstSeq));
      const next = firsts[i + 1];
      if (next !== undefined) {
        spool.segments.push({ firstSeq, lastSeq: next - 1, path, bytes: statSync(path).size });
      } else {
        spool.segments.push(recoverLast(path, firstSeq));
      }
    }
    if (spool.segments.length === 0) spool.startSegment(1);
    else spool.fd = openSync(spool.current.path, 'a', 0o600);
    return spool;
  }

  private get current(): Segment {
    const segment = this.segments.at(-1);
    if (!segment) throw new Error('spool has no segment');
    return segment;
  }

  /** Seq of the last event spooled (or acked), 0 for a new log. */
  get lastSeq(): number {
    return this.current.lastSeq;
  }

  /** Every event up to this one has been acked by the hub (deleted from the spool). */
  get ackedSeq(): number {
    return (this.segments[0]?.firstSeq ?? 1) - 1;
  }

  get bytes(): number {
    return this.segments.reduce((sum, segment) => sum + segment.bytes, 0);
  }

  /** Appends one event; throws when the disk refuses it (the caller keeps it in memory instead). */
  append(event: Numbered): void {
    if (this.fd === null) throw new Error('spool is closed');
    if (this.current.bytes >= this.segmentBytes) this.startSegment(event.seq);
    const line = `${event.json}\n`;
    writeSync(this.fd, line);
    this.current.lastSeq = event.seq;
    this.current.bytes += Buffer.byteLength(line);
    this.dirty = true;
    this.syncTimer ??= setTimeout(() => this.sync(), SYNC_INTERVAL_MS).unref();
  }

  /** The hub stored every event up to `seq`: deletes the segments it covers entirely. */
  ack(seq: number): void {
    while (this.segments.length > 1 && this.segments[0]!.lastSeq <= seq) {
      removeFile(this.segments.shift()!.path);
    }
    if (this.fd !== null && this.current.lastSeq <= seq && (this.current.bytes > 0 || seq >= this.current.firstSeq)) {
      // Everything is acked: an empty segment named after the next seq keeps that number for a restart.
      const done = this.current.path;
      this.startSegment(seq + 1);
      removeFile(done);
      this.segments.shift();
    }
  }

  /** Spooled events with from <= seq <= to, in order, one batch per segment; acked segments may be skipped. */
  async *read(from: number, to: number): AsyncGenerator<Numbered[]> {
    for (const segment of [...this.segments]) {
      if (segment.lastSeq < from || segment.firstSeq > to) continue;
      let text: string;
      try {
        text = await readFile(segment.path, 'utf8');
      } catch {
        continue; // acked and deleted meanwhile
      }
      const batch: Numbered[] = [];
      for (const line of text.split('\n')) {
        const seq = seqOf(line);
        if (seq === null || seq < from || seq > to) continue;
        batch.push({ seq, json: line, bytes: Buffer.byteLength(line) });
      }
      if (batch.length > 0) yield batch;
    }
  }

  /** The last event in the spool, or null when it holds none (all acked, or nothing written yet). */
  lastEvent(): ExecutionEvent | null {
    for (const segment of [...this.segments].reverse()) {
      const lines = readFileSync(segment.path, 'utf8').split('\n').filter(Boolean);
      const last = lines.at(-1);
      if (last) return JSON.parse(last) as ExecutionEvent;
    }
    return null;
  }

  /** Closes the file and keeps it: what is not acked is replayed by the next process. */
  close(): void {
    clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  /** Closes and deletes the spool: the hub has everything, or wants nothing more. */
  drop(): void {
    this.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private startSegment(firstSeq: number): void {
    if (this.fd !== null) closeSync(this.fd);
    const path = join(this.dir, segmentName(firstSeq));
    this.fd = openSync(path, 'a', 0o600);
    this.segments.push({ firstSeq, lastSeq: firstSeq - 1, path, bytes: 0 });
  }

  private sync(): void {
    this.syncTimer = undefined;
    if (!this.dirty || this.fd === null) return;
    this.dirty = false;
    // Best effort: the page cache already survives a crash of the runner; this covers a crash of the machine.
    fdatasync(this.fd, () => undefined);
  }
}

/** The last segment as an earlier process left it, a torn last line (a crash mid-write) cut off. */
function recoverLast(path: string, firstSeq: number): Segment {
  const data = readFileSync(path);
  const end = data.lastIndexOf(0x0a) + 1;
  if (end < data.length) {
    const fd = openSync(path, 'r+');
    ftruncateSync(fd, end);
    closeSync(fd);
  }
  const lines = data.subarray(0, end).toString('utf8').split('\n').filter(Boolean);
  const last = lines.length > 0 ? seqOf(lines.at(-1)!) : null;
  return { firstSeq, lastSeq: last ?? firstSeq - 1, path, bytes: end };
}

function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}
