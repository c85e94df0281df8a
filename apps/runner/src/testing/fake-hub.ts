// A loopback ExecutionHub as the log streamer sees it, for the runner's unit tests: stores contiguous seqs, drops
// duplicates, acks, records permit questions; each behaviour switchable. Not part of the runner itself.
import { expect } from 'vitest';
import type { WebSocket } from 'ws';
import type { CancelReason, ExecutionEvent, RunnerToHub } from '@claudeops/control-plane/protocol';
import { startFakeServer, type FakeServer, type Upgrade } from './test-helpers';

export class FakeHub {
  stored: ExecutionEvent[] = [];
  /** Every frame's events, per connection, as received. */
  frames: ExecutionEvent[][][] = [];
  /** Every exec.permit requestId, per connection, with how many events were stored when it arrived. */
  permits: Array<Array<{ requestId: string; storedBefore: number }>> = [];
  sockets: WebSocket[] = [];
  autoAck = true;
  /** Overrides the ackedSeq of the next welcome (a hub that lost what it had not acked, or answers oddly). */
  nextWelcomeAckedSeq: number | null = null;
  welcomeCancel: CancelReason | null = null;
  refuseWith: number | null = null;
  server!: FakeServer;

  async start(): Promise<void> {
    this.server = await startFakeServer({
      gate: () => this.refuseWith,
      onConnection: (ws) => this.connect(ws),
    });
  }

  get upgrades(): Upgrade[] {
    return this.server.upgrades;
  }

  get last(): WebSocket {
    const socket = this.sockets.at(-1);
    if (!socket) throw new Error('no connection');
    return socket;
  }

  /** Seqs received on connection `index`, in arrival order. */
  received(index: number): number[] {
    return (this.frames[index] ?? []).flat().map((event) => event.seq);
  }

  /** Every permit requestId received, on any connection, in arrival order. */
  permitIds(): string[] {
    return this.permits.flat().map((permit) => permit.requestId);
  }

  send(frame: unknown, socket = this.last): void {
    socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  ack(socket = this.last): void {
    this.send({ type: 'exec.ack', seq: this.stored.length }, socket);
  }

  answerPermit(requestId: string, allowed: boolean, reason: string | null = null, socket = this.last): void {
    this.send({ type: 'exec.permit.result', requestId, allowed, reason }, socket);
  }

  private connect(ws: WebSocket): void {
    const index = this.sockets.push(ws) - 1;
    this.frames[index] = [];
    this.permits[index] = [];
    const ackedSeq = this.nextWelcomeAckedSeq ?? this.stored.length;
    this.nextWelcomeAckedSeq = null;
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as RunnerToHub;
      if (frame.type === 'exec.permit') {
        this.permits[index]!.push({ requestId: frame.requestId, storedBefore: this.stored.length });
        return;
      }
      expect(frame.type).toBe('exec.events');
      this.frames[index]!.push(frame.events);
      for (const event of frame.events) {
        if (event.seq === this.stored.length + 1) this.stored.push(event);
        else if (event.seq > this.stored.length + 1)
          throw new Error(`gap: got ${event.seq} after ${this.stored.length}`);
      }
      if (this.autoAck) this.ack(ws);
    });
    this.send({ type: 'exec.welcome', ackedSeq, cancel: this.welcomeCancel }, ws);
  }
}
