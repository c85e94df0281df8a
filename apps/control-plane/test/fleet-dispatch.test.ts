// Fleet dispatch: queued jobs go to connected runners that carry their labels, never beyond maxConcurrent,
// spread across runners, and a rejected offer goes back to the queue.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import {
  PLAIN_JOB_FIELDS,
  connectHubRunner,
  eventually,
  executionRow,
  runnerRow,
  seedExecution,
  statusEvent,
  uniqueLabel,
} from './do-support';
import { helloRunner, newFleet } from './fleet-support';

describe('Fleet dispatch', () => {
  it('welcomes a runner, marks it online, and offers a queued job only to a runner with its labels', async () => {
    const fleet = newFleet();
    const gpu = uniqueLabel();
    const other = await helloRunner(fleet, { labels: [uniqueLabel()] });
    const runner = await helloRunner(fleet, { labels: [gpu, 'linux'] });
    expect((await runnerRow(runner.id))?.status).toBe('online');

    const id = await seedExecution({ labels: [gpu], prompt: 'train it', model: 'claude-test', maxBudgetUsd: 2 });
    await fleet.dispatch();
    const offer = await runner.socket.next('job.offer');
    expect(offer.job).toEqual({
      executionId: id,
      prompt: 'train it',
      model: 'claude-test',
      maxBudgetUsd: 2,
      labels: [gpu],
      repo: null,
      ref: null,
      attempt: 1,
      ...PLAIN_JOB_FIELDS,
    });
    expect(await executionRow(id)).toMatchObject({ status: 'assigned', runnerId: runner.id });

    const snapshot = await fleet.snapshot();
    expect(snapshot.find((r) => r.runnerId === runner.id)).toEqual({
      runnerId: runner.id,
      connected: true,
      running: [id],
      freeSlots: 0,
    });
    expect(snapshot.find((r) => r.runnerId === other.id)).toMatchObject({ running: [], freeSlots: 1 });
  });

  it('tells the runner its heartbeat interval and lease length', async () => {
    const fleet = newFleet();
    const runner = await helloRunner(fleet, { labels: [uniqueLabel()] });
    runner.socket.send({
      type: 'runner.hello',
      version: '1',
      name: 'again',
      labels: [],
      maxConcurrent: 1,
      running: [],
    });
    expect(await runner.socket.next('runner.welcome')).toEqual({
      type: 'runner.welcome',
      runnerId: runner.id,
      heartbeatIntervalMs: 10_000,
      leaseTtlMs: 30_000,
    });
  });

  it('never offers a runner more jobs than its maxConcurrent, and offers the next when one ends', async () => {
    const fleet = newFleet();
    const label = uniqueLabel();
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await seedExecution({ labels: [label], createdAt: Date.now() + i }));
    const runner = await helloRunner(fleet, { labels: [label], maxConcurrent: 2 });

    const offered = [(await runner.socket.next('job.offer')).job.executionId];
    offered.push((await runner.socket.next('job.offer')).job.executionId);
    expect(offered).toEqual(ids.slice(0, 2));
    expect((await fleet.snapshot())[0]).toMatchObject({ running: ids.slice(0, 2), freeSlots: 0 });
    expect((await executionRow(ids[2]!))?.status).toBe('queued');

    await fleet.release(ids[0]!);
    expect((await runner.socket.next('job.offer')).job.executionId).toBe(ids[2]);
    expect((await fleet.snapshot())[0]).toMatchObject({ running: ids.slice(1), freeSlots: 0 });
  });

  it('frees the slot when the runner reports the end through the execution hub', async () => {
    // The production Fleet: the hub releases leases on the one named 'global'.
    const fleet = env.FLEET.get(env.FLEET.idFromName('global'));
    const label = uniqueLabel();
    const id = await seedExecution({ labels: [label] });
    const runner = await helloRunner(fleet, { labels: [label] });
    expect((await runner.socket.next('job.offer')).job.executionId).toBe(id);
    runner.socket.send({ type: 'job.accept', executionId: id });

    const stream = await connectHubRunner(id);
    stream.send({ type: 'exec.events', events: [statusEvent(1, 'running'), statusEvent(2, 'failed', 'exit 1')] });
    expect(await stream.next('exec.closed')).toMatchObject({ status: 'failed', ackedSeq: 2 });

    await eventually(async () => {
      const mine = (await fleet.snapshot()).find((r) => r.runnerId === runner.id);
      expect(mine).toMatchObject({ running: [], freeSlots: 1 });
    });
    expect(await executionRow(id)).toMatchObject({ status: 'failed', statusReason: 'exit 1' });
  });

  it('spreads jobs across runners with free slots', async () => {
    const fleet = newFleet();
    const label = uniqueLabel();
    const a = await helloRunner(fleet, { labels: [label] });
    const b = await helloRunner(fleet, { labels: [label] });
    const first = await seedExecution({ labels: [label] });
    const second = await seedExecution({ labels: [label], createdAt: Date.now() + 1 });
    await fleet.dispatch();

    const offers = [
      (await a.socket.next('job.offer')).job.executionId,
      (await b.socket.next('job.offer')).job.executionId,
    ];
    expect(offers.sort()).toEqual([first, second].sort());
  });

  it('puts a rejected job back in the queue, for another runner to take', async () => {
    const fleet = newFleet();
    const label = uniqueLabel();
    const id = await seedExecution({ labels: [label] });
    const busy = await helloRunner(fleet, { labels: [label] });
    expect((await busy.socket.next('job.offer')).job.executionId).toBe(id);

    busy.socket.send({ type: 'job.reject', executionId: id, reason: 'no free slot' });
    await eventually(async () => expect(await executionRow(id)).toMatchObject({ status: 'queued', runnerId: null }));

    const idle = await helloRunner(fleet, { labels: [label] });
    expect((await idle.socket.next('job.offer')).job.executionId).toBe(id);
    expect(await executionRow(id)).toMatchObject({ status: 'assigned', runnerId: idle.id });
  });

  it('answers a bad frame with an error frame and keeps the socket', async () => {
    const fleet = newFleet();
    const runner = await helloRunner(fleet, { labels: [] });
    runner.socket.send({ type: 'runner.heartbeat', running: ['not-an-id'] });
    expect((await runner.socket.next('error')).error.code).toBe('BAD_REQUEST');
    runner.socket.send('{');
    expect((await runner.socket.next('error')).error.code).toBe('BAD_REQUEST');
    runner.socket.send({ type: 'runner.hello', version: '1', name: 'x', labels: [], maxConcurrent: 1, running: [] });
    expect(await runner.socket.next('runner.welcome')).toMatchObject({ runnerId: runner.id });
  });
});
