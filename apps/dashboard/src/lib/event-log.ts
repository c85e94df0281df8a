// One execution's event log as a viewer holds it: events in seq order, no gaps, no duplicates. Used by the
// execution stream store; pure so it can be tested in plain Node.
import type { ExecutionEvent } from '@claudeops/control-plane/protocol';

export interface AcceptResult {
  /** Events that were new and contiguous, in seq order. */
  added: ExecutionEvent[];
  /** True when a batch skipped ahead of lastSeq + 1: the viewer should resume from lastSeq to fill the hole. */
  gap: boolean;
}

export class EventLog {
  #events: ExecutionEvent[] = [];

  get events(): readonly ExecutionEvent[] {
    return this.#events;
  }

  /** The highest seq held; every seq from 1 up to it is held too. 0 when empty. */
  get lastSeq(): number {
    return this.#events.at(-1)?.seq ?? 0;
  }

  /**
   * Takes a batch as the hub sent it. Events at or below lastSeq were already seen (a replay overlapping a live
   * batch after a reconnect) and are ignored; an event beyond lastSeq + 1 stops the batch, because showing it
   * would hide a hole.
   */
  accept(batch: readonly ExecutionEvent[]): AcceptResult {
    const added: ExecutionEvent[] = [];
    let gap = false;
    for (const event of [...batch].sort((a, b) => a.seq - b.seq)) {
      const next = this.lastSeq + 1;
      if (event.seq < next) continue;
      if (event.seq > next) {
        gap = true;
        break;
      }
      this.#events.push(event);
      added.push(event);
    }
    return { added, gap };
  }
}
