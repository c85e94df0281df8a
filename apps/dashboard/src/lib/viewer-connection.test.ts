// The viewer socket's resume story, against a fake WebSocket: replay, live events, drops, duplicates, gaps, end.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ExecutionEvent, HubToViewer } from '@claudeops/control-plane/protocol';
import { ViewerConnection, type ConnectionState, type SocketLike } from './viewer-connection';

class FakeSocket implements SocketLike {
  onopen: SocketLike['onopen'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  sent: string[] = [];
  closed: { code?: number; reason?: string } | null = null;

  constructor(readonly url: string) {}

  open() {
    this.onopen?.(new Event('open'));
  }
  frame(frame: HubToViewer) {
    this.onmessage?.({ data: JSON.stringify(frame) } as MessageEvent);
  }
  text(data: string) {
    this.onmessage?.({ data } as MessageEvent);
  }
  drop() {
    this.onclose?.({ code: 1006, reason: '' } as CloseEvent);
  }
  send(data: string) {
    this.sent.push(data);
  }
  close(code?: number, reason?: string) {
    this.closed = { code, reason };
  }
}

const ts = '2026-01-01T00:00:00.000Z';
const text = (seq: number): ExecutionEvent => ({
  seq,
  ts,
  type: 'assistant.text',
  data: { messageId: 'm', text: `line ${seq}` },
});
const status = (seq: number, value: 'running' | 'succeeded'): ExecutionEvent => ({
  seq,
  ts,
  type: 'status',
  data: { status: value },
});
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => text(from + i));

function setup(options: { probe?: () => Promise<'retry' | 'stop'> } = {}) {
  const sockets: FakeSocket[] = [];
  const shown: number[] = [];
  const states: ConnectionState[] = [];
  const statuses: string[] = [];
  const connection = new ViewerConnection({
    url: (after) => `ws://dash/api/v1/executions/ex_1/events?after=${after}`,
    createSocket: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    onEvents: (added) => shown.push(...added.map((event) => event.seq)),
    onStatus: (value) => statuses.push(value),
    onState: (state) => states.push(state),
    backoff: { initialMs: 100, maxMs: 1000, jitter: 0 },
    ...options,
  });
  const latest = () => {
    const socket = sockets.at(-1);
    if (!socket) throw new Error('no socket yet');
    return socket;
  };
  return { connection, sockets, shown, states, statuses, latest };
}

describe('ViewerConnection', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('replays, goes live, and shows each event once in order', () => {
    const { connection, shown, latest, states } = setup();
    connection.start();
    expect(latest().url).toContain('after=0');
    latest().open();
    latest().frame({ type: 'events', events: range(1, 3) });
    latest().frame({ type: 'ready', lastSeq: 3, status: 'running' });
    latest().frame({ type: 'events', events: range(4, 5) });
    expect(shown).toEqual([1, 2, 3, 4, 5]);
    expect(states.at(-1)).toEqual({ kind: 'live' });
  });

  it('after a drop, reconnects with after=<last seq seen> and ignores what it already has', () => {
    const { connection, shown, latest, sockets, states } = setup();
    connection.start();
    latest().open();
    latest().frame({ type: 'events', events: range(1, 4) });
    latest().frame({ type: 'ready', lastSeq: 4, status: 'running' });
    latest().drop();
    expect(states.at(-1)?.kind).toBe('waiting');

    vi.advanceTimersByTime(100);
    expect(sockets).toHaveLength(2);
    expect(latest().url).toContain('after=4');
    latest().open();
    // A replay that overlaps what was shown (a live batch crossed the reconnect): nothing doubles.
    latest().frame({ type: 'events', events: range(3, 6) });
    latest().frame({ type: 'ready', lastSeq: 6, status: 'running' });
    expect(shown).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('backs off longer after each failed attempt and resets once connected', () => {
    const { connection, latest, sockets, states } = setup();
    connection.start();
    latest().drop();
    vi.advanceTimersByTime(99);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(2);
    latest().drop();
    vi.advanceTimersByTime(199);
    expect(sockets).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(3);
    latest().open();
    latest().frame({ type: 'ready', lastSeq: 0, status: 'queued' });
    latest().drop();
    expect(states.at(-1)).toMatchObject({ kind: 'waiting', attempt: 1 });
    vi.advanceTimersByTime(100);
    expect(sockets).toHaveLength(4);
  });

  it('stops at a gap and resumes from the last contiguous event', () => {
    const { connection, shown, latest } = setup();
    connection.start();
    latest().open();
    latest().frame({ type: 'events', events: range(1, 2) });
    latest().frame({ type: 'events', events: [text(5), text(6)] });
    expect(shown).toEqual([1, 2]);
    vi.advanceTimersByTime(100);
    expect(latest().url).toContain('after=2');
  });

  it('ends once the replay is complete and the execution is over, and does not reconnect', () => {
    const { connection, latest, sockets, states, statuses } = setup();
    connection.start();
    latest().open();
    latest().frame({ type: 'events', events: [status(1, 'running'), text(2), status(3, 'succeeded')] });
    expect(states.at(-1)?.kind).toBe('replaying');
    latest().frame({ type: 'ready', lastSeq: 3, status: 'succeeded' });
    expect(states.at(-1)).toEqual({ kind: 'ended' });
    expect(latest().closed?.code).toBe(1000);
    expect(statuses).toContain('succeeded');
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);
  });

  it('replaces a socket that stops answering pings (a phone that slept)', () => {
    const { connection, latest, sockets } = setup();
    connection.start();
    latest().open();
    latest().frame({ type: 'ready', lastSeq: 0, status: 'running' });
    vi.advanceTimersByTime(25_000);
    expect(latest().sent).toContain('ping');
    latest().text('pong');
    vi.advanceTimersByTime(25_000 + 9_000);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(1_000 + 100);
    expect(sockets[0]?.closed).not.toBeNull();
    expect(sockets).toHaveLength(2);
  });

  it('retries at once when nudged (page visible again) instead of waiting out the backoff', () => {
    const { connection, latest, sockets } = setup();
    connection.start();
    latest().drop();
    expect(sockets).toHaveLength(1);
    connection.nudge();
    expect(sockets).toHaveLength(2);
  });

  it('asks the probe before retrying a socket that never got ready, and gives up when told to', async () => {
    const probe = vi.fn(async () => 'stop' as const);
    const { connection, latest, sockets, states } = setup({ probe });
    connection.start();
    latest().drop();
    await vi.runAllTimersAsync();
    expect(probe).toHaveBeenCalledOnce();
    expect(states.at(-1)?.kind).toBe('failed');
    expect(sockets).toHaveLength(1);
  });

  it('gives up on a fatal error frame and ignores frames that do not parse', () => {
    const { connection, latest, shown, states } = setup();
    connection.start();
    latest().open();
    latest().text('not json');
    latest().text(JSON.stringify({ type: 'events', events: [{ seq: 'x' }] }));
    expect(shown).toEqual([]);
    latest().frame({ type: 'error', error: { code: 'NOT_FOUND', message: 'no such execution' } });
    expect(states.at(-1)).toEqual({ kind: 'failed', message: 'no such execution' });
  });

  it('stop() closes the socket and cancels a pending retry', () => {
    const { connection, latest, sockets } = setup();
    connection.start();
    latest().drop();
    connection.stop();
    vi.advanceTimersByTime(10_000);
    expect(sockets).toHaveLength(1);
    expect(connection.state).toEqual({ kind: 'stopped' });
  });
});
