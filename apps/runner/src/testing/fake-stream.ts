// A recording event stream for the job runner's unit tests: keeps what is emitted, acks when told, and holds each
// permit question until the test answers it. Not part of the runner itself.
import type { EventDraft } from '@claudeops/control-plane/protocol';
import type { EventStream } from '../jobs/job-runner';
import type { StreamHandlers } from '../stream/log-streamer';
import type { PermitAnswer } from '../proxy/model-proxy';

export class FakeStream implements EventStream {
  events: EventDraft[] = [];
  started = false;
  stopped = false;
  /** Permit questions not yet answered, oldest first. */
  permits: Array<(answer: PermitAnswer) => void> = [];
  private acked = false;
  private waiters: Array<() => void> = [];
  constructor(readonly handlers: StreamHandlers) {}
  start() {
    this.started = true;
  }
  emit(draft: EventDraft) {
    if (this.stopped) return null;
    this.events.push(draft);
    return this.events.length;
  }
  drained() {
    return this.acked ? Promise.resolve() : new Promise<void>((resolve) => this.waiters.push(resolve));
  }
  requestPermit() {
    return new Promise<PermitAnswer>((resolve) => this.permits.push(resolve));
  }
  /** The hub answers the oldest permit question. */
  answerPermit(answer: PermitAnswer) {
    this.permits.shift()?.(answer);
  }
  /** The hub acks everything. */
  ackAll() {
    this.acked = true;
    for (const resolve of this.waiters) resolve();
  }
  stop() {
    this.stopped = true;
  }
  statuses() {
    return this.events.flatMap((event) => (event.type === 'status' ? [event.data] : []));
  }
}
