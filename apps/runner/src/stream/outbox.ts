// The events of one execution the hub has not acked yet (used by the log streamer): each is written to the spool
// before anything sends it; the newest stay in memory too, up to a byte budget, so a long time offline costs disk, not
// memory; older ones are read back from the spool when they have to be resent. Without a spool all stay in memory.
import type WebSocket from 'ws';
import { MAX_EVENTS_PER_FRAME } from '@claudeops/control-plane/protocol';
import type { Logger } from '../support/logger';
import { errorMessage } from '../support/logger';
import type { Numbered } from './numbered-event';
import type { Spool } from './spool';

/** Unacked events kept in memory per execution when a spool holds them all. */
export const MEMORY_BYTES = 4 * 1024 * 1024;

export interface ReplayPosition {
  /** Highest seq sent on this socket so far (acks move it too). */
  sent(): number;
  onSent(seq: number): void;
  /** Whether the socket is still the stream's own. */
  current(): boolean;
}

export class Outbox {
  lastSeq = 0;
  ackedSeq = 0;
  /** Events in memory, oldest first, from `head` on: exactly the seqs memoryFrom … lastSeq. */
  private queue: Numbered[] = [];
  private head = 0;
  private memoryBytes = 0;
  /** False once the spool refused a write: from then on nothing may leave memory. */
  private spooling: boolean;
  private lastSpooledSeq = 0;

  constructor(
    private readonly spool: Spool | null,
    private readonly log: Logger,
    private readonly maxMemoryBytes = MEMORY_BYTES,
  ) {
    this.spooling = spool !== null;
    if (spool) {
      // A spool left by an earlier process: its events are on disk only.
      this.lastSeq = spool.lastSeq;
      this.ackedSeq = spool.ackedSeq;
      this.lastSpooledSeq = spool.lastSeq;
    }
  }

  /** First seq held in memory (lastSeq + 1 when none is). */
  get memoryFrom(): number {
    return this.queue[this.head]?.seq ?? this.lastSeq + 1;
  }

  get unacked(): number {
    return this.lastSeq - this.ackedSeq;
  }

  /** Unacked events written to the spool. */
  get spooled(): number {
    return Math.max(0, Math.min(this.lastSpooledSeq, this.lastSeq) - this.ackedSeq);
  }

  get spooledBytes(): number {
    return this.spool?.bytes ?? 0;
  }

  add(event: Numbered): void {
    if (this.spooling) {
      try {
        this.spool!.append(event);
        this.lastSpooledSeq = event.seq;
      } catch (error) {
        this.spooling = false;
        this.log.error('cannot write the spool; keeping events in memory only', { error: errorMessage(error) });
      }
    }
    this.queue.push(event);
    this.memoryBytes += event.bytes;
    this.lastSeq = event.seq;
    if (!this.spooling) return;
    while (this.memoryBytes > this.maxMemoryBytes && this.head < this.queue.length - 1) this.shift();
    this.compact();
  }

  /** The hub stored everything up to `seq` (at most lastSeq; the streamer moves lastSeq first when the hub is ahead). */
  ack(seq: number): void {
    if (seq <= this.ackedSeq) return;
    this.lastSeq = Math.max(this.lastSeq, seq);
    while (this.head < this.queue.length && this.queue[this.head]!.seq <= seq) this.shift();
    this.compact();
    this.ackedSeq = seq;
    this.spool?.ack(seq);
  }

  /** Events after `seq` held in memory, or null when some of them are only in the spool. */
  inMemoryAfter(seq: number): Numbered[] | null {
    if (seq + 1 < this.memoryFrom) return null;
    return this.queue.slice(this.head + (seq + 1 - this.memoryFrom));
  }

  /**
   * Sends on `socket` what is after `sent()` and only in the spool (a long time offline, a previous process's
   * events), until what is left is in memory; one segment at a time, so the socket's buffer never holds it all.
   */
  async replay(socket: WebSocket, maxFrameBytes: number, at: ReplayPosition): Promise<void> {
    if (!this.spool) return;
    while (at.current() && at.sent() + 1 < this.memoryFrom) {
      const before = at.sent();
      for await (const batch of this.spool.read(before + 1, this.memoryFrom - 1)) {
        if (!at.current()) return;
        const fresh = batch.filter((event) => event.seq > at.sent());
        if (fresh[0]?.seq !== at.sent() + 1) continue;
        await new Promise<void>((resolve) => {
          const done = () => {
            socket.off('close', done);
            resolve();
          };
          socket.once('close', done);
          at.onSent(sendFrames(socket, fresh, maxFrameBytes, done));
        });
      }
      if (at.sent() === before && at.sent() + 1 < this.memoryFrom) {
        throw new Error(`the spool lacks events from seq ${before + 1} that the hub has not stored`);
      }
    }
  }

  /** Forgets everything; with `keepSpool` what is not acked stays on disk for the next process. */
  close(keepSpool: boolean): void {
    this.queue = [];
    this.head = 0;
    this.memoryBytes = 0;
    this.ackedSeq = this.lastSeq;
    if (keepSpool) this.spool?.close();
    else this.spool?.drop();
  }

  private shift(): void {
    this.memoryBytes -= this.queue[this.head]!.bytes;
    this.head += 1;
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}

/**
 * Sends events as exec.events frames within the event-count and byte caps; returns the last seq sent. `written` is
 * called once the last frame is written out (or could not be).
 */
export function sendFrames(
  socket: WebSocket,
  events: readonly Numbered[],
  maxFrameBytes: number,
  written?: () => void,
): number {
  let batch: string[] = [];
  let bytes = 0;
  const send = (last: boolean) => {
    const frame = `{"type":"exec.events","events":[${batch.join(',')}]}`;
    if (last && written) socket.send(frame, () => written());
    else socket.send(frame);
    batch = [];
    bytes = 0;
  };
  for (const entry of events) {
    if (batch.length > 0 && (batch.length >= MAX_EVENTS_PER_FRAME || bytes + entry.bytes > maxFrameBytes)) send(false);
    batch.push(entry.json);
    bytes += entry.bytes + 1;
  }
  if (batch.length > 0) send(true);
  else written?.();
  return events.at(-1)?.seq ?? 0;
}
