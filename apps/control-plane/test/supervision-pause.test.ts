// Pause and resume inside workerd: a person's pause reaches the runner (exec.pause, and exec.welcome after a
// reconnect), the hub holds model-call permits until the resume answers them, the runner's `status: paused` moves D1
// (with why and what it says), a runner riding out a rate limit pauses without its permits being held, and the
// routes refuse what cannot be paused or resumed.
import { describe, expect, it } from 'vitest';
import { expectError } from './api-support';
import {
  connectHubRunner,
  eventually,
  executionRow,
  logEvent,
  seedExecution,
  sendBatch,
  statusEvent,
} from './do-support';
import {
  executionFrom,
  getExecution,
  pausedEvent,
  pauseExecution,
  resumeExecution,
  runningExecution,
  unreadOf,
} from './supervision-support';

describe('pausing a running execution', () => {
  it('tells the runner, holds its permits until the resume, and answers them then', async () => {
    const { id, runner } = await runningExecution();
    const paused = await executionFrom(await pauseExecution(id, { message: 'let me look first' }));
    expect(paused.id).toBe(id);
    expect(await runner.next('exec.pause')).toEqual({
      type: 'exec.pause',
      reason: 'user',
      message: 'let me look first',
    });

    runner.send({ type: 'exec.permit', requestId: 'held-1' });
    // Frames are handled in order: once this batch is acked the permit was seen, and it got no answer.
    await sendBatch(runner, [logEvent(2)]);
    expect(unreadOf(runner, 'exec.permit.result')).toEqual([]);

    const resumed = await executionFrom(await resumeExecution(id));
    expect(resumed.id).toBe(id);
    expect(await runner.next('exec.resume')).toEqual({ type: 'exec.resume' });
    expect(await runner.next('exec.permit.result')).toEqual({
      type: 'exec.permit.result',
      requestId: 'held-1',
      allowed: true,
      reason: null,
    });
    // Not paused any more: the next permit is answered at once.
    runner.send({ type: 'exec.permit', requestId: 'after-1' });
    expect(await runner.next('exec.permit.result')).toMatchObject({ requestId: 'after-1', allowed: true });
  });

  it("moves D1 to paused with the pause's reason and message once the runner records it, and back on running", async () => {
    const { id, runner } = await runningExecution();
    await executionFrom(await pauseExecution(id));
    const frame = await runner.next('exec.pause');
    expect(frame).toEqual({ type: 'exec.pause', reason: 'user', message: 'paused by admin' });

    await sendBatch(runner, [pausedEvent(2, 'user', { reason: 'paused by admin' })]);
    await eventually(async () => expect((await executionRow(id))?.status).toBe('paused'));
    expect(await getExecution(id)).toMatchObject({
      status: 'paused',
      pausedReason: 'user',
      pauseMessage: 'paused by admin',
      resumeAt: null,
    });

    // Pausing again while paused is harmless and sends nothing new.
    expect((await pauseExecution(id)).status).toBe(200);
    await sendBatch(runner, [logEvent(3)]);
    expect(unreadOf(runner, 'exec.pause')).toEqual([]);

    await executionFrom(await resumeExecution(id));
    await runner.next('exec.resume');
    await sendBatch(runner, [statusEvent(4, 'running')]);
    await eventually(async () => expect((await executionRow(id))?.status).toBe('running'));
    expect(await getExecution(id)).toMatchObject({ pausedReason: null, pauseMessage: null, resumeAt: null });
  });

  it("says so in a reconnecting runner's welcome, until it is resumed", async () => {
    const { id, runner } = await runningExecution();
    await executionFrom(await pauseExecution(id, { message: 'hold on' }));
    await runner.next('exec.pause');
    runner.close();

    const back = await connectHubRunner(id);
    expect(await back.next('exec.welcome')).toEqual({
      type: 'exec.welcome',
      ackedSeq: 1,
      cancel: null,
      paused: { reason: 'user', message: 'hold on' },
    });
    back.send({ type: 'exec.permit', requestId: 'after-reconnect' });
    await sendBatch(back, [logEvent(2)]);
    expect(unreadOf(back, 'exec.permit.result')).toEqual([]);

    await executionFrom(await resumeExecution(id));
    await back.next('exec.resume');
    expect(await back.next('exec.permit.result')).toMatchObject({ requestId: 'after-reconnect', allowed: true });
    const again = await connectHubRunner(id);
    expect(await again.next('exec.welcome')).toMatchObject({ paused: null });
  });
});

describe('pausing an assigned execution', () => {
  it("holds it from the runner's first connection, whose welcome says so", async () => {
    const id = await seedExecution({ status: 'assigned' });
    expect((await executionFrom(await pauseExecution(id))).status).toBe('assigned');
    const runner = await connectHubRunner(id);
    expect(await runner.next('exec.welcome')).toMatchObject({
      cancel: null,
      paused: { reason: 'user', message: 'paused by admin' },
    });
    await sendBatch(runner, [statusEvent(1, 'running'), pausedEvent(2, 'user', { reason: 'paused by admin' })]);
    await eventually(async () =>
      expect(await getExecution(id)).toMatchObject({ status: 'paused', pausedReason: 'user' }),
    );
  });
});

describe("a runner's own rate-limit pause", () => {
  it('shows in the API with resumeAt, holds no permits, and ends with its running status', async () => {
    const { id, runner } = await runningExecution();
    const resumeAt = new Date(Date.now() + 60_000).toISOString();
    const reason = 'the model answered 429: retrying at the time it gave';
    await sendBatch(runner, [pausedEvent(2, 'rate_limited', { reason, resumeAt })]);
    await eventually(async () => expect((await executionRow(id))?.status).toBe('paused'));
    expect(await getExecution(id)).toMatchObject({
      status: 'paused',
      pausedReason: 'rate_limited',
      pauseMessage: reason,
      resumeAt,
    });

    // The runner's proxy waits out the limit itself and needs its permit to retry.
    runner.send({ type: 'exec.permit', requestId: 'retry-1' });
    expect(await runner.next('exec.permit.result')).toMatchObject({ requestId: 'retry-1', allowed: true });
    // A reconnect is not told to hold its calls.
    const back = await connectHubRunner(id);
    expect(await back.next('exec.welcome')).toMatchObject({ paused: null });

    await sendBatch(back, [statusEvent(3, 'running')]);
    await eventually(async () => expect((await executionRow(id))?.status).toBe('running'));
    expect(await getExecution(id)).toMatchObject({ pausedReason: null, resumeAt: null });
    // That pause is over: nothing is left to resume.
    await expectError(await resumeExecution(id), 409, 'CONFLICT', `execution ${id} is not paused`);
  });
});

describe('pause and resume: refusals', () => {
  it('refuses to pause a queued or ended execution and to resume a running one', async () => {
    const queued = await seedExecution({ status: 'queued' });
    await expectError(await pauseExecution(queued), 409, 'CONFLICT', `execution ${queued} is queued`);
    const ended = await seedExecution({ status: 'succeeded', finishedAt: Date.now() });
    await expectError(await pauseExecution(ended), 409, 'CONFLICT', `execution ${ended} is succeeded`);
    await expectError(await resumeExecution(ended), 409, 'CONFLICT', 'has already ended (succeeded)');

    const { id } = await runningExecution();
    await expectError(await resumeExecution(id), 409, 'CONFLICT', `execution ${id} is not paused`);
  });

  it('refuses a pause whose log the runner already closed', async () => {
    const { id, runner } = await runningExecution();
    await sendBatch(runner, [statusEvent(2, 'succeeded')]);
    // D1 may still say running for a moment; the hub knows the log is closed and refuses either way.
    const response = await pauseExecution(id);
    expect(response.status).toBe(409);
    await eventually(async () => expect((await executionRow(id))?.status).toBe('succeeded'));
  });

  it('answers 400 for a bad body or id and 404 for an unknown execution', async () => {
    const { id } = await runningExecution();
    await expectError(await pauseExecution(id, { message: 5 }), 400, 'BAD_REQUEST');
    await expectError(await pauseExecution(id, { message: 'x', extra: true }), 400, 'BAD_REQUEST');
    await expectError(await pauseExecution(id, { message: 'x'.repeat(5000) }), 400, 'BAD_REQUEST');
    await expectError(await pauseExecution('nope'), 400, 'BAD_REQUEST');
    await expectError(await resumeExecution('nope'), 400, 'BAD_REQUEST');
    const unknown = 'ex_00000000000000000000000000';
    await expectError(await pauseExecution(unknown), 404, 'NOT_FOUND', 'does not exist');
    await expectError(await resumeExecution(unknown), 404, 'NOT_FOUND', 'does not exist');
    // None of the refusals paused it.
    expect((await getExecution(id)).status).toBe('running');
  });
});
