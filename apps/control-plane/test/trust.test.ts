// What the control plane trusts a runner with, through the Worker's routes and the real Fleet and hubs: a stream
// socket only while its runner holds the execution (a rejected or lost job's old socket is closed and refused),
// labels and slots only as registered, requireSandbox jobs only on a bubblewrap runner, and the sandbox recorded.
import { describe, expect, it } from 'vitest';
import { NO_SANDBOX_RUNNER } from '../src/durable-objects/fleet-dispatch';
import { DISOWNED_CLOSE_CODE } from '../src/durable-objects/hub-owner';
import { fleetOf } from '../src/lib/stubs';
import { HubToRunner, RunnerView } from '../src/protocol';
import { env } from 'cloudflare:workers';
import { api, expectError } from './api-support';
import { eventually, storedEvents, uniqueLabel } from './do-support';
import { setLeaseExpiry } from './fleet-support';
import { connectedRunner, createExecution, eventAt, readExecution, workerSocket } from './trust-support';

const stream = (id: string, token: string) => workerSocket(`/api/v1/executions/${id}/stream`, token, HubToRunner);

describe('stream sockets belong to the runner that holds the execution', () => {
  it('closes and refuses a rejected job’s old socket; the runner it goes to next writes the log', async () => {
    const label = uniqueLabel();
    const first = await connectedRunner({ labels: [label] });
    const { id } = await createExecution({ labels: [label] });
    await first.control.next('job.offer');
    // The runner opens the execution's stream, then turns the job down.
    const old = await stream(id, first.runnerToken);
    await old.next('exec.welcome');
    first.control.send({ type: 'job.reject', executionId: id, reason: 'changed my mind' });

    await eventually(() => old.closed !== null);
    expect(old.closed).toMatchObject({
      code: DISOWNED_CLOSE_CODE,
      reason: expect.stringContaining('back to the queue'),
    });
    // Its token still works, but not for this execution any more.
    await expectError(
      await api(`/api/v1/executions/${id}/stream`, { token: first.runnerToken, headers: { upgrade: 'websocket' } }),
      403,
      'FORBIDDEN',
    );

    const second = await connectedRunner({ labels: [label] });
    await second.control.next('job.offer');
    second.control.send({ type: 'job.accept', executionId: id });
    const next = await stream(id, second.runnerToken);
    expect(await next.next('exec.welcome')).toMatchObject({ ackedSeq: 0 });
    next.send({ type: 'exec.events', events: [eventAt(1, 'from the second runner')] });
    expect(await next.next('exec.ack')).toEqual({ type: 'exec.ack', seq: 1 });
    expect((await storedEvents(id)).map((e) => e.data)).toEqual([{ level: 'info', message: 'from the second runner' }]);
    expect(await readExecution(id)).toMatchObject({ status: 'assigned', runnerId: second.runnerId });
  });

  it('closes the stream socket of a runner whose lease expired (the execution is lost)', async () => {
    const label = uniqueLabel();
    const runner = await connectedRunner({ labels: [label] });
    const { id } = await createExecution({ labels: [label] });
    await runner.control.next('job.offer');
    runner.control.send({ type: 'job.accept', executionId: id });
    const socket = await stream(id, runner.runnerToken);
    await socket.next('exec.welcome');

    await setLeaseExpiry(fleetOf(env), id, Date.now() - 1);
    await fleetOf(env).sweep();
    expect(await socket.next('exec.closed')).toMatchObject({ status: 'lost' });
    await eventually(() => socket.closed?.code === DISOWNED_CLOSE_CODE);
    // Coming back, it hears how the execution ended, and nothing it sends is stored.
    const again = await stream(id, runner.runnerToken);
    expect(await again.next('exec.closed')).toMatchObject({ status: 'lost' });
    const before = await storedEvents(id);
    again.send({ type: 'exec.events', events: [eventAt(before.length + 1, 'too late')] });
    await eventually(() => again.closed !== null || again.unread().some((frame) => frame.type === 'error'));
    expect(await storedEvents(id)).toEqual(before);
  });
});

describe('labels and slots are fixed at registration', () => {
  it('gives the runner the token’s labels and slots, and a hello cannot widen them', async () => {
    const label = uniqueLabel();
    const other = uniqueLabel();
    const minted = await api('/api/v1/runners/registration-tokens', {
      method: 'POST',
      body: { labels: [label], maxConcurrent: 2 },
    });
    expect(minted.status).toBe(201);
    expect(await minted.json()).toMatchObject({ labels: [label], maxConcurrent: 2 });

    // It asks for more at registration and again in its hello: it gets what the token says.
    const runner = await connectedRunner({
      labels: [label, other],
      maxConcurrent: 8,
      token: { labels: [label], maxConcurrent: 2 },
    });
    const error = await runner.control.next('error');
    expect(error.error).toMatchObject({ code: 'FORBIDDEN' });
    expect(error.error.message).toContain(`labels ${other}`);
    expect(error.error.message).toContain('maxConcurrent 8 (registered: 2)');
    const view = RunnerView.parse(await (await api(`/api/v1/runners/${runner.runnerId}`)).json());
    expect(view).toMatchObject({ labels: [label], maxConcurrent: 2, status: 'online', freeSlots: 2 });

    // A job needing the label it was not given is not offered to it; three jobs it may take fill two slots.
    const foreign = await createExecution({ labels: [other] });
    const mine = [];
    for (let i = 0; i < 3; i++) mine.push(await createExecution({ labels: [label] }));
    const offered = [
      (await runner.control.next('job.offer')).job.executionId,
      (await runner.control.next('job.offer')).job.executionId,
    ];
    expect(offered).toEqual([mine[0]!.id, mine[1]!.id]);
    const snapshot = await fleetOf(env).snapshot();
    expect(snapshot.find((entry) => entry.runnerId === runner.runnerId)).toMatchObject({ freeSlots: 0 });
    expect(await readExecution(foreign.id)).toMatchObject({ status: 'queued', runnerId: null });
    expect(await readExecution(mine[2]!.id)).toMatchObject({ status: 'queued' });
  });

  it('without labels or slots on the token, the runner gets what it asked for at registration', async () => {
    const label = uniqueLabel();
    const runner = await connectedRunner({ labels: [label], maxConcurrent: 3 });
    const view = RunnerView.parse(await (await api(`/api/v1/runners/${runner.runnerId}`)).json());
    expect(view).toMatchObject({ labels: [label], maxConcurrent: 3, freeSlots: 3, sandbox: 'none' });
    expect(runner.control.unread().filter((frame) => frame.type === 'error')).toEqual([]);
  });
});

describe('requireSandbox', () => {
  it('keeps a job that requires a sandbox queued while only unconfined runners are connected, then runs it confined', async () => {
    const label = uniqueLabel();
    const unconfined = await connectedRunner({ labels: [label], sandbox: 'none' });
    const { id } = await createExecution({ labels: [label], requireSandbox: true });
    await eventually(async () =>
      expect(await readExecution(id)).toMatchObject({ status: 'queued', blockedReason: NO_SANDBOX_RUNNER }),
    );
    expect(unconfined.control.unread().filter((frame) => frame.type === 'job.offer')).toEqual([]);

    const confined = await connectedRunner({ labels: [label], sandbox: 'bubblewrap' });
    const offer = await confined.control.next('job.offer');
    expect(offer.job).toMatchObject({ executionId: id, requireSandbox: true });
    confined.control.send({ type: 'job.accept', executionId: id });
    await eventually(async () =>
      expect(await readExecution(id)).toMatchObject({
        status: 'assigned',
        runnerId: confined.runnerId,
        sandbox: 'bubblewrap',
        blockedReason: null,
      }),
    );
    const view = RunnerView.parse(await (await api(`/api/v1/runners/${confined.runnerId}`)).json());
    expect(view.sandbox).toBe('bubblewrap');
  });

  it('records "none" on an execution an unconfined runner accepted', async () => {
    const label = uniqueLabel();
    const runner = await connectedRunner({ labels: [label], sandbox: 'none' });
    const { id } = await createExecution({ labels: [label] });
    await runner.control.next('job.offer');
    runner.control.send({ type: 'job.accept', executionId: id });
    await eventually(async () => expect((await readExecution(id)).sandbox).toBe('none'));
  });
});
