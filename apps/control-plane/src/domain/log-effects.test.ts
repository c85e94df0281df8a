// Unit tests for reading lifecycle facts out of stored events.
import { describe, expect, it } from 'vitest';
import type { ExecutionEvent } from '../protocol/events';
import { closesLog, effectsOf, toExecutionResult } from './log-effects';

const ts = '2026-01-01T00:00:00.000Z';
const status = (seq: number, s: 'running' | 'succeeded' | 'failed', reason?: string): ExecutionEvent => ({
  seq,
  ts,
  type: 'status',
  data: reason === undefined ? { status: s } : { status: s, reason },
});
const result: ExecutionEvent = {
  seq: 3,
  ts,
  type: 'result',
  data: {
    subtype: 'success',
    isError: false,
    text: 'done',
    totalCostUsd: 0.0123,
    numTurns: 2,
    durationMs: 900,
    durationApiMs: 800,
    sessionId: 's1',
  },
};

describe('closesLog', () => {
  it('is true only for terminal status events', () => {
    expect(closesLog(status(1, 'running'))).toBe(false);
    expect(closesLog(status(1, 'succeeded'))).toBe(true);
    expect(closesLog(result)).toBe(false);
  });
});

describe('effectsOf', () => {
  it('reports the start, the last status and the last result', () => {
    const effects = effectsOf([
      status(1, 'running'),
      { seq: 2, ts, type: 'log', data: { level: 'info', message: 'x' } },
      result,
      status(4, 'failed', 'boom'),
    ]);
    expect(effects.started).toBe(true);
    expect(effects.status).toEqual({ status: 'failed', reason: 'boom' });
    expect(effects.result?.totalCostUsd).toBe(0.0123);
  });

  it('reports nothing for events without lifecycle meaning', () => {
    expect(effectsOf([{ seq: 1, ts, type: 'log', data: { level: 'info', message: 'x' } }])).toEqual({
      status: null,
      started: false,
      result: null,
    });
  });
});

describe('toExecutionResult', () => {
  it('keeps the API summary fields only', () => {
    if (result.type !== 'result') throw new Error('fixture');
    expect(toExecutionResult(result.data)).toEqual({
      subtype: 'success',
      isError: false,
      text: 'done',
      totalCostUsd: 0.0123,
      numTurns: 2,
      durationMs: 900,
      sessionId: 's1',
    });
  });

  it('keeps a structured result (a review or a report of a template)', () => {
    if (result.type !== 'result') throw new Error('fixture');
    const structured = { summary: 'ok', verdict: 'approve', findings: [] };
    expect(toExecutionResult({ ...result.data, structured })).toMatchObject({ subtype: 'success', structured });
  });
});
