// The viewer's event log: in order, never doubled, never past a hole.
import { describe, expect, it } from 'vitest';
import type { ExecutionEvent } from '@claudeops/control-plane/protocol';
import { EventLog } from './event-log';

const log = (seq: number): ExecutionEvent => ({
  seq,
  ts: '2026-01-01T00:00:00.000Z',
  type: 'log',
  data: { level: 'info', message: `line ${seq}` },
});

describe('EventLog', () => {
  it('appends consecutive events and reports the highest seq', () => {
    const events = new EventLog();
    expect(events.lastSeq).toBe(0);
    expect(events.accept([log(1), log(2)]).added.map((e) => e.seq)).toEqual([1, 2]);
    expect(events.accept([log(3)]).added.map((e) => e.seq)).toEqual([3]);
    expect(events.lastSeq).toBe(3);
  });

  it('ignores events at or below the last seq seen (a replay overlapping live events)', () => {
    const events = new EventLog();
    events.accept([log(1), log(2), log(3)]);
    const result = events.accept([log(2), log(3), log(4)]);
    expect(result.added.map((e) => e.seq)).toEqual([4]);
    expect(events.events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
  });

  it('stops before a gap and says so', () => {
    const events = new EventLog();
    const result = events.accept([log(1), log(2), log(4), log(5)]);
    expect(result).toMatchObject({ gap: true });
    expect(events.lastSeq).toBe(2);
  });

  it('accepts a batch that arrives out of order within itself', () => {
    const events = new EventLog();
    expect(events.accept([log(2), log(1)]).added.map((e) => e.seq)).toEqual([1, 2]);
  });
});
