// Pure sequencing of one execution's event log: dedupe by seq, track the highest contiguous seq, decide which
// events become deliverable and when the log closes. The ExecutionHub persists what a plan says before acking it.

export interface Sequenced {
  readonly seq: number;
}

export interface LogState<E extends Sequenced> {
  /** Highest seq such that every event 1..lastSeq is stored: what the hub acks and viewers have seen. */
  readonly lastSeq: number;
  /** Stored events above lastSeq, waiting for a gap to fill (rare: only out-of-order batches leave any). */
  readonly pending: ReadonlyMap<number, E>;
  /** Seq of the event that closed the log (always lastSeq once set), or null while it is open. */
  readonly closedAt: number | null;
}

export interface BatchPlan<E extends Sequenced> {
  /** The state once `store` is persisted; adopt it only after the write commits. */
  readonly state: LogState<E>;
  /** Events not stored before, to persist in one transaction. */
  readonly store: E[];
  /** Events that became contiguous, in seq order: the ones to fan out now. */
  readonly deliver: E[];
  /** When the batch closed the log: stored pending events above this seq must be deleted. */
  readonly truncateAbove: number | null;
  /** Events already stored (or repeated within the batch): dropped, still covered by the ack. */
  readonly duplicates: number;
  /** Events too far ahead of lastSeq to hold; dropped unacked, so the runner resends them later. */
  readonly tooFarAhead: number;
  /** The log was already closed and the batch carried events beyond its end. */
  readonly refused: boolean;
}

export interface PlanOptions<E> {
  /** Whether storing this event ends the log (a terminal status). */
  readonly closes: (event: E) => boolean;
  /** How far beyond lastSeq an event may be and still be held, bounding what a runner can make the hub keep. */
  readonly maxAhead: number;
}

export const emptyLog = <E extends Sequenced>(): LogState<E> => ({ lastSeq: 0, pending: new Map(), closedAt: null });

/** Plans how to take in one batch of events. Never mutates `state`. */
export function planBatch<E extends Sequenced>(
  state: LogState<E>,
  batch: readonly E[],
  options: PlanOptions<E>,
): BatchPlan<E> {
  if (state.closedAt !== null) {
    const beyond = batch.filter((e) => e.seq > state.lastSeq).length;
    return noop(state, batch.length - beyond, 0, beyond > 0);
  }
  const fresh = new Map<number, E>();
  let duplicates = 0;
  let tooFarAhead = 0;
  for (const event of batch) {
    if (event.seq <= state.lastSeq || state.pending.has(event.seq) || fresh.has(event.seq)) duplicates++;
    else if (event.seq > state.lastSeq + options.maxAhead) tooFarAhead++;
    else fresh.set(event.seq, event);
  }
  if (fresh.size === 0) return noop(state, duplicates, tooFarAhead, false);

  const deliver: E[] = [];
  let closedAt: number | null = null;
  for (let seq = state.lastSeq + 1; ; seq++) {
    const event = fresh.get(seq) ?? state.pending.get(seq);
    if (event === undefined) break;
    deliver.push(event);
    if (options.closes(event)) {
      closedAt = seq;
      break;
    }
  }
  const lastSeq = state.lastSeq + deliver.length;

  if (closedAt !== null) {
    const store = [...fresh.values()].filter((e) => e.seq <= closedAt);
    const truncateAbove = state.pending.size > 0 ? closedAt : null;
    return {
      state: { lastSeq, pending: new Map(), closedAt },
      store,
      deliver,
      truncateAbove,
      duplicates,
      tooFarAhead,
      refused: false,
    };
  }

  let pending: ReadonlyMap<number, E> = state.pending;
  if (state.pending.size > 0 || fresh.size > deliver.length) {
    const next = new Map(state.pending);
    for (const [seq, event] of fresh) next.set(seq, event);
    for (const event of deliver) next.delete(event.seq);
    pending = next;
  }
  return {
    state: { lastSeq, pending, closedAt: null },
    store: [...fresh.values()],
    deliver,
    truncateAbove: null,
    duplicates,
    tooFarAhead,
    refused: false,
  };
}

/**
 * The plan with some of its new events swapped for others of the same seq: the hub fills in what it computes
 * (a usage event's cost) before storing. Swapped wherever the plan holds them: to store, to deliver, held pending.
 */
export function withReplacements<E extends Sequenced>(
  plan: BatchPlan<E>,
  replace: ReadonlyMap<number, E>,
): BatchPlan<E> {
  if (replace.size === 0) return plan;
  const swap = (event: E): E => replace.get(event.seq) ?? event;
  let { pending } = plan.state;
  if ([...replace.keys()].some((seq) => pending.has(seq))) {
    pending = new Map([...pending].map(([seq, event]) => [seq, swap(event)]));
  }
  return {
    ...plan,
    state: { ...plan.state, pending },
    store: plan.store.map(swap),
    deliver: plan.deliver.map(swap),
  };
}

export interface ClosePlan<E extends Sequenced> {
  readonly state: LogState<E>;
  /** The closing event, at lastSeq + 1. */
  readonly event: E;
  /** Stored pending events above this seq must be deleted before the closing event is written. */
  readonly truncateAbove: number | null;
}

/** Plans closing an open log with an event written by the hub itself; null when the log is already closed. */
export function planClose<E extends Sequenced>(state: LogState<E>, make: (seq: number) => E): ClosePlan<E> | null {
  if (state.closedAt !== null) return null;
  const seq = state.lastSeq + 1;
  return {
    state: { lastSeq: seq, pending: new Map(), closedAt: seq },
    event: make(seq),
    truncateAbove: state.pending.size > 0 ? state.lastSeq : null,
  };
}

function noop<E extends Sequenced>(
  state: LogState<E>,
  duplicates: number,
  tooFarAhead: number,
  refused: boolean,
): BatchPlan<E> {
  return { state, store: [], deliver: [], truncateAbove: null, duplicates, tooFarAhead, refused };
}
