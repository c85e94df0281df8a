// Unit tests for the event-log sequencer: dedupe, contiguity, delivery order and closing.
import { describe, expect, it } from 'vitest';
import { emptyLog, planBatch, planClose, withReplacements, type LogState } from './sequencer';

interface Ev {
  seq: number;
  end?: boolean;
  tag?: string;
}
const ev = (seq: number, end = false): Ev => ({ seq, end });
const options = { closes: (e: Ev) => e.end === true, maxAhead: 100 };
const seqs = (events: readonly Ev[]) => events.map((e) => e.seq);

/** Feeds batches through the planner as the hub does, adopting each plan's state. */
function feed(batches: Ev[][], start: LogState<Ev> = emptyLog<Ev>()) {
  let state = start;
  const delivered: number[] = [];
  const stored: number[] = [];
  for (const batch of batches) {
    const plan = planBatch(state, batch, options);
    delivered.push(...seqs(plan.deliver));
    stored.push(...seqs(plan.store));
    state = plan.state;
  }
  return { state, delivered, stored };
}

describe('planBatch', () => {
  it('stores and delivers an in-order batch and advances lastSeq', () => {
    const plan = planBatch(emptyLog<Ev>(), [ev(1), ev(2), ev(3)], options);
    expect(seqs(plan.store)).toEqual([1, 2, 3]);
    expect(seqs(plan.deliver)).toEqual([1, 2, 3]);
    expect(plan.state.lastSeq).toBe(3);
    expect(plan.state.pending.size).toBe(0);
  });

  it('drops events already stored and repeats inside a batch', () => {
    const { state, delivered, stored } = feed([
      [ev(1), ev(2)],
      [ev(2), ev(3), ev(3), ev(1)],
    ]);
    expect(stored).toEqual([1, 2, 3]);
    expect(delivered).toEqual([1, 2, 3]);
    expect(state.lastSeq).toBe(3);
    expect(planBatch(state, [ev(1), ev(3)], options).duplicates).toBe(2);
  });

  it('holds events beyond a gap and delivers them in order once it fills', () => {
    const first = planBatch(emptyLog<Ev>(), [ev(3), ev(4)], options);
    expect(seqs(first.store)).toEqual([3, 4]);
    expect(first.deliver).toEqual([]);
    expect(first.state.lastSeq).toBe(0);
    expect([...first.state.pending.keys()].sort()).toEqual([3, 4]);

    const second = planBatch(first.state, [ev(2), ev(1)], options);
    expect(seqs(second.store).sort()).toEqual([1, 2]);
    expect(seqs(second.deliver)).toEqual([1, 2, 3, 4]);
    expect(second.state.lastSeq).toBe(4);
    expect(second.state.pending.size).toBe(0);
  });

  it('treats a pending event sent again as a duplicate', () => {
    const { state } = feed([[ev(2)]]);
    const plan = planBatch(state, [ev(2)], options);
    expect(plan.duplicates).toBe(1);
    expect(plan.store).toEqual([]);
  });

  it('drops events too far ahead without acking them', () => {
    const plan = planBatch(emptyLog<Ev>(), [ev(1), ev(500)], options);
    expect(seqs(plan.store)).toEqual([1]);
    expect(plan.tooFarAhead).toBe(1);
    expect(plan.state.lastSeq).toBe(1);
  });

  it('closes the log at a closing event and keeps nothing after it', () => {
    const plan = planBatch(emptyLog<Ev>(), [ev(1), ev(2, true), ev(3)], options);
    expect(seqs(plan.store)).toEqual([1, 2]);
    expect(seqs(plan.deliver)).toEqual([1, 2]);
    expect(plan.state).toMatchObject({ lastSeq: 2, closedAt: 2 });
  });

  it('closes only when the closing event becomes contiguous, and truncates pending events past it', () => {
    const { state } = feed([[ev(2, true), ev(3)]]);
    expect(state.closedAt).toBeNull();
    const plan = planBatch(state, [ev(1)], options);
    expect(seqs(plan.deliver)).toEqual([1, 2]);
    expect(plan.state).toMatchObject({ lastSeq: 2, closedAt: 2 });
    expect(plan.truncateAbove).toBe(2);
  });

  it('refuses events beyond the end of a closed log but not duplicates of its events', () => {
    const { state } = feed([[ev(1), ev(2, true)]]);
    expect(planBatch(state, [ev(2)], options)).toMatchObject({ refused: false, duplicates: 1, store: [] });
    expect(planBatch(state, [ev(2), ev(3)], options)).toMatchObject({ refused: true, store: [] });
  });

  it('does not mutate the state it is given', () => {
    const { state } = feed([[ev(2)]]);
    planBatch(state, [ev(1), ev(3)], options);
    expect(state.lastSeq).toBe(0);
    expect([...state.pending.keys()]).toEqual([2]);
  });
});

describe('planClose', () => {
  it('appends the closing event after the contiguous end and drops pending events', () => {
    const { state } = feed([[ev(1), ev(2), ev(5)]]);
    const plan = planClose(state, (seq) => ev(seq, true));
    expect(plan?.event.seq).toBe(3);
    expect(plan?.state).toMatchObject({ lastSeq: 3, closedAt: 3 });
    expect(plan?.truncateAbove).toBe(2);
  });

  it('does nothing on a closed log', () => {
    const { state } = feed([[ev(1, true)]]);
    expect(planClose(state, (seq) => ev(seq, true))).toBeNull();
  });
});

describe('withReplacements', () => {
  it('swaps events wherever the plan holds them: to store, to deliver and held past a gap', () => {
    const { state } = feed([[ev(1)]]);
    const plan = planBatch(state, [ev(2), ev(4)], options);
    const swapped = withReplacements(
      plan,
      new Map([
        [2, { seq: 2, tag: 'priced' }],
        [4, { seq: 4, tag: 'priced' }],
      ]),
    );
    expect(swapped.store.map((e) => e.tag)).toEqual(['priced', 'priced']);
    expect(swapped.deliver).toEqual([{ seq: 2, tag: 'priced' }]);
    expect(swapped.state.pending.get(4)).toEqual({ seq: 4, tag: 'priced' });
    expect(swapped.state.lastSeq).toBe(2);
    // The plan itself is not changed.
    expect(plan.state.pending.get(4)).toEqual(ev(4));
  });

  it('returns the plan itself when there is nothing to swap', () => {
    const plan = planBatch(emptyLog<Ev>(), [ev(1)], options);
    expect(withReplacements(plan, new Map())).toBe(plan);
  });
});
