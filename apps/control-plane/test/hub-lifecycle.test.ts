// ExecutionHub lifecycle: status events move the execution in D1, a terminal one closes the log, the hub's own
// close (lost, cancelled) and cancel requests, and frames the hub must refuse without dropping the socket.
import { describe, expect, it } from 'vitest';
import { MAX_EVENT_BYTES } from '../src/protocol';
import {
  connectHubRunner,
  connectViewer,
  eventually,
  executionRow,
  hubOf,
  logEvent,
  logEvents,
  resultEvent,
  seedExecution,
  sendBatch,
  statusEvent,
  storedEvents,
} from './do-support';

describe('ExecutionHub lifecycle', () => {
  it('marks the execution running, then succeeded with Claude Code cost and result, and closes the log', async () => {
    const id = await seedExecution({ status: 'assigned' });
    const runner = await connectHubRunner(id);
    const viewer = await connectViewer(id);
    await viewer.next('ready');

    await sendBatch(runner, [statusEvent(1, 'running'), logEvent(2)]);
    await eventually(async () => expect((await executionRow(id))?.status).toBe('running'));
    expect((await executionRow(id))?.startedAt).toEqual(expect.any(Number));

    expect(await sendBatch(runner, [resultEvent(3, 0.0421), statusEvent(4, 'succeeded')])).toBe(4);
    expect(await runner.next('exec.closed')).toEqual({ type: 'exec.closed', status: 'succeeded', ackedSeq: 4 });
    expect(await viewer.next('status')).toEqual({ type: 'status', status: 'running', reason: null });
    expect(await viewer.next('status')).toEqual({ type: 'status', status: 'succeeded', reason: null });

    const row = await eventually(async () => {
      const current = await executionRow(id);
      expect(current?.status).toBe('succeeded');
      return current;
    });
    expect(row).toMatchObject({ costUsd: 0.0421, lastSeq: 4, finishedAt: expect.any(Number) });
    expect(row?.result).toMatchObject({
      subtype: 'success',
      totalCostUsd: 0.0421,
      text: 'done',
      sessionId: 'session-1',
    });

    // The log is closed: a later event is refused, a resent one is still acked.
    runner.send({ type: 'exec.events', events: [logEvent(5)] });
    expect(await runner.next('exec.closed')).toMatchObject({ status: 'succeeded', ackedSeq: 4 });
    expect(await sendBatch(runner, [statusEvent(4, 'succeeded')])).toBe(4);
    expect((await storedEvents(id)).map((e) => e.seq)).toEqual([1, 2, 3, 4]);

    const late = await connectHubRunner(id);
    expect(await late.next('exec.closed')).toMatchObject({ status: 'succeeded', ackedSeq: 4 });
  });

  it('closes the log as lost with a hub-written status event, once', async () => {
    const id = await seedExecution({ status: 'running', startedAt: Date.now() });
    const runner = await connectHubRunner(id);
    await sendBatch(runner, logEvents(1, 2));
    const viewer = await connectViewer(id);
    await viewer.next('ready');

    await hubOf(id).close(id, 'lost', 'runner stopped heartbeating');
    expect((await executionRow(id))?.status).toBe('lost');
    expect((await executionRow(id))?.statusReason).toBe('runner stopped heartbeating');
    expect(await runner.next('exec.closed')).toMatchObject({ status: 'lost', ackedSeq: 3 });
    const frame = await viewer.next('events');
    expect(frame.events).toEqual([
      expect.objectContaining({
        seq: 3,
        type: 'status',
        data: { status: 'lost', reason: 'runner stopped heartbeating' },
      }),
    ]);

    await hubOf(id).close(id, 'cancelled', 'too late');
    expect((await executionRow(id))?.status).toBe('lost');
    expect((await storedEvents(id)).map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it('never moves an execution that is already terminal in D1', async () => {
    const id = await seedExecution({ status: 'cancelled', statusReason: 'cancelled by user' });
    await hubOf(id).close(id, 'lost', 'lease expired');
    expect(await executionRow(id)).toMatchObject({ status: 'cancelled', statusReason: 'cancelled by user' });
    const viewer = await connectViewer(id);
    expect(await viewer.next('ready')).toMatchObject({ lastSeq: 1, status: 'lost' });
  });

  it('passes a cancel to the connected runner and again in the welcome of its next connection', async () => {
    const id = await seedExecution({ status: 'running' });
    const runner = await connectHubRunner(id);
    await runner.next('exec.welcome');
    await hubOf(id).cancel(id, 'user');
    expect(await runner.next('exec.cancel')).toEqual({ type: 'exec.cancel', reason: 'user' });

    const again = await connectHubRunner(id);
    expect(await again.next('exec.welcome')).toEqual({
      type: 'exec.welcome',
      ackedSeq: 0,
      cancel: 'user',
      paused: null,
    });
  });

  it('answers bad frames with an error frame and keeps the socket', async () => {
    const id = await seedExecution({ status: 'running' });
    const runner = await connectHubRunner(id);

    runner.send('not json');
    expect((await runner.next('error')).error).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/JSON/),
    });
    runner.send({ type: 'exec.events', events: [{ seq: 0, type: 'log' }] });
    expect((await runner.next('error')).error.code).toBe('BAD_REQUEST');
    runner.send({ type: 'exec.nonsense' });
    expect((await runner.next('error')).error.code).toBe('BAD_REQUEST');

    const huge = logEvent(2, 'x'.repeat(MAX_EVENT_BYTES));
    runner.send({ type: 'exec.events', events: [logEvent(1), huge] });
    expect((await runner.next('error')).error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(await storedEvents(id)).toEqual([]);

    expect(await sendBatch(runner, [logEvent(1)])).toBe(1);
    expect(runner.closed).toBeNull();
  });

  it('answers a viewer ping with pong and refuses anything else a viewer sends', async () => {
    const id = await seedExecution({ status: 'queued' });
    const viewer = await connectViewer(id);
    expect(await viewer.next('ready')).toEqual({ type: 'ready', lastSeq: 0, status: 'queued' });
    viewer.send('ping');
    await viewer.text('pong');
    viewer.send({ type: 'exec.events', events: [logEvent(1)] });
    expect((await viewer.next('error')).error.code).toBe('BAD_REQUEST');
    expect(await storedEvents(id)).toEqual([]);
  });
});
