// Unit tests for what the CLI prints: colour rules (TTY, NO_COLOR, FORCE_COLOR), one-sentence errors, event
// rendering, the follow state and its status line, and exit codes by status.
import type { ExecutionEvent } from '@claudeops/control-plane/protocol';
import { describe, expect, it } from 'vitest';
import { EXIT, exitForStatus } from './exit-codes';
import { applyEvents, contiguous, newFollowState, statusLine } from './follow-state';
import { colourEnabled, errorLine, painter } from './output';
import { renderEvent, toolInputSummary } from './render-events';

const tty = { write: () => true, isTTY: true };
const pipe = { write: () => true };
const ts = '2026-12-03T12:00:00.000Z';

describe('colour', () => {
  it('is on for a terminal only, never with NO_COLOR, and forced by FORCE_COLOR', () => {
    expect(colourEnabled(tty, {})).toBe(true);
    expect(colourEnabled(pipe, {})).toBe(false);
    expect(colourEnabled(tty, { NO_COLOR: '1' })).toBe(false);
    expect(colourEnabled(tty, { NO_COLOR: '1', FORCE_COLOR: '1' })).toBe(false);
    expect(colourEnabled(tty, { NO_COLOR: '' })).toBe(true);
    expect(colourEnabled(pipe, { FORCE_COLOR: '1' })).toBe(true);
    expect(colourEnabled(tty, { FORCE_COLOR: '0' })).toBe(false);
    expect(painter(false)('red', 'x')).toBe('x');
    expect(painter(true)('red', 'x')).toBe('\x1b[31mx\x1b[39m');
  });
});

describe('errorLine', () => {
  it('is one line starting claudeops:, without commander’s prefix or a stack', () => {
    const error = new Error('execution ex_1 does not exist\n    at foo (bar.js:1:1)');
    expect(errorLine(error)).toBe('claudeops: execution ex_1 does not exist');
    expect(errorLine(new Error("error: unknown option '--x'"))).toBe("claudeops: unknown option '--x'");
  });
});

describe('renderEvent', () => {
  const plain = painter(false);
  it('shows Claude’s text as it is, tool calls, results and usage on marked lines', () => {
    const events: ExecutionEvent[] = [
      { seq: 1, ts, type: 'assistant.text', data: { messageId: 'm', text: 'Hello\nworld' } },
      {
        seq: 2,
        ts,
        type: 'tool.call',
        data: { messageId: 'm', toolUseId: 't', name: 'Bash', input: { command: 'ls -la' } },
      },
      { seq: 3, ts, type: 'tool.result', data: { toolUseId: 't', isError: false, content: 'a\nb\n' } },
      {
        seq: 4,
        ts,
        type: 'usage',
        data: {
          messageId: 'm',
          model: 'claude-sonnet-4-5',
          inputTokens: 10,
          outputTokens: 5,
          cacheReadInputTokens: 0,
          cacheCreationInputTokens: 0,
          costUsd: 0.5,
          totalCostUsd: 1.25,
        },
      },
    ];
    expect(events.flatMap((event) => renderEvent(event, plain))).toEqual([
      'Hello',
      'world',
      '→ Bash: ls -la',
      '← result',
      '  a',
      '  b',
      '· usage claude-sonnet-4-5: 10 in, 5 out, $0.50, total $1.25',
    ]);
    expect(toolInputSummary({ file_path: '/x/y.ts', content: '...' })).toBe('/x/y.ts');
  });
});

describe('follow state', () => {
  const event = (seq: number, type: 'log' = 'log'): ExecutionEvent => ({
    seq,
    ts,
    type,
    data: { level: 'info', message: String(seq) },
  });

  it('takes each seq once and stops at a gap', () => {
    expect(contiguous(2, [event(1), event(2), event(3), event(4)]).fresh.map((e) => e.seq)).toEqual([3, 4]);
    expect(contiguous(2, [event(3), event(5)])).toEqual({ fresh: [event(3)], gap: true });
  });

  it('tracks status, cost, turns and the approvals still waiting', () => {
    const state = newFollowState('ex_1');
    applyEvents(state, [
      { seq: 1, ts, type: 'status', data: { status: 'running' } },
      {
        seq: 2,
        ts,
        type: 'usage',
        data: {
          messageId: 'm',
          model: 'x',
          inputTokens: 1,
          outputTokens: 1,
          cacheReadInputTokens: 0,
          cacheCreationInputTokens: 0,
          totalCostUsd: 0.02,
        },
      },
      {
        seq: 3,
        ts,
        type: 'approval.requested',
        data: { approvalId: 'ap_1', tool: 'Write', input: {}, summary: 's', pattern: 'Write', timeoutMs: 1000 },
      },
    ]);
    expect(state).toMatchObject({ lastSeq: 3, status: 'running', costUsd: 0.02, turns: 1 });
    expect(statusLine(state)).toBe('ex_1 · running · $0.02 · 1 turn · 1 approval waiting');
    applyEvents(state, [
      {
        seq: 4,
        ts,
        type: 'approval.decided',
        data: {
          approvalId: 'ap_1',
          status: 'allowed',
          decision: 'allow',
          decidedBy: 'admin',
          message: null,
          remember: null,
          reason: null,
        },
      },
    ]);
    expect(state.pending.size).toBe(0);
  });

  it('maps ended statuses to exit codes', () => {
    expect(['succeeded', 'failed', 'cancelled', 'lost'].map((s) => exitForStatus(s as never))).toEqual([0, 1, 2, 3]);
    expect(exitForStatus('running')).toBeNull();
    expect(EXIT.needsPerson).toBe(4);
  });
});

describe('isEventEnvelope', () => {
  it('takes an event’s envelope and refuses what is not one', async () => {
    const { isEventEnvelope } = await import('./follow-state');
    expect(isEventEnvelope({ seq: 1, ts, type: 'log', data: {} })).toBe(true);
    for (const bad of [
      null,
      {},
      { seq: 0, ts, type: 'log', data: {} },
      { seq: 1, ts, type: 'nope', data: {} },
      { seq: 1, ts, type: 'log' },
    ]) {
      expect(isEventEnvelope(bad)).toBe(false);
    }
  });
});

describe('LiveView', () => {
  const sinks = (errTTY: boolean) => {
    const written = { out: '', err: '' };
    const out = { write: (text: string) => (written.out += text) };
    const err = { write: (text: string) => (written.err += text), isTTY: errTTY };
    return { written, out, err };
  };
  const event: ExecutionEvent = { seq: 1, ts, type: 'assistant.text', data: { messageId: 'm', text: 'Hi' } };

  it('redraws the status line in place on a terminal, around the events on stdout', async () => {
    const { LiveView } = await import('./live-view');
    const { createOutput } = await import('./output');
    const { written, out, err } = sinks(true);
    const view = new LiveView(createOutput(out, err, { NO_COLOR: '1' }), { json: false, statusLine: true });
    const state = newFollowState('ex_1');
    state.status = 'running';
    view.update(state);
    view.events([event]);
    view.end(state);
    expect(written.out).toBe('Hi\n');
    expect(written.err).toContain('\r\x1b[2Kex_1 · running · 0 turns');
    expect(written.err.endsWith('ex_1 · running · 0 turns\n')).toBe(true);
  });

  it('prints one plain line per change of state off a terminal, and NDJSON with json', async () => {
    const { LiveView } = await import('./live-view');
    const { createOutput } = await import('./output');
    const { written, out, err } = sinks(false);
    const view = new LiveView(createOutput(out, err, {}), { json: true, statusLine: true });
    const state = newFollowState('ex_1');
    state.status = 'running';
    view.update(state);
    state.costUsd = 0.5;
    view.update(state);
    view.events([event]);
    expect(JSON.parse(written.out)).toEqual(event);
    expect(written.err).toBe('ex_1 · running · 0 turns\n');
    expect(written.err).not.toContain('\x1b');
  });
});
