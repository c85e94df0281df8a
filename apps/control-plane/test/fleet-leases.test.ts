// Fleet leases: heartbeats renew them, expiry (driven through the alarm) ends the execution lost or cancelled,
// a reconnecting runner is offered its unstarted jobs again, and a runner is told to stop what it does not own.
import { runDurableObjectAlarm } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { newExecutionId } from '../src/lib/ids';
import { eventually, executionRow, runnerRow, seedExecution, storedEvents, uniqueLabel } from './do-support';
import { connect, helloRunner, leaseOf, newFleet, setLeaseExpiry, type FleetStub, type Runner } from './fleet-support';

async function leasedJob(fleet: FleetStub): Promise<{ id: string; runner: Runner }> {
  const label = uniqueLabel();
  const id = await seedExecution({ labels: [label] });
  const runner = await helloRunner(fleet, { labels: [label] });
  expect((await runner.socket.next('job.offer')).job.executionId).toBe(id);
  return { id, runner };
}

describe('Fleet leases', () => {
  it('marks the execution lost when its lease expires, and tells the runner it lost it', async () => {
    // The production Fleet, so the hub's release call comes back into the Fleet that is closing the log.
    const fleet = env.FLEET.get(env.FLEET.idFromName('global'));
    const { id, runner } = await leasedJob(fleet);
    runner.socket.send({ type: 'job.accept', executionId: id });

    await setLeaseExpiry(fleet, id, Date.now() - 1);
    expect(await runDurableObjectAlarm(fleet)).toBe(true);

    expect(await executionRow(id)).toMatchObject({ status: 'lost', finishedAt: expect.any(Number) });
    expect((await executionRow(id))?.statusReason).toMatch(/lease expired/);
    expect(await runner.socket.next('job.cancel')).toEqual({
      type: 'job.cancel',
      executionId: id,
      reason: 'lease_lost',
    });
    expect((await storedEvents(id)).at(-1)).toMatchObject({ type: 'status', data: { status: 'lost' } });
    expect(await leaseOf(fleet, id)).toBeNull();
  });

  it('ends an execution cancelled, not lost, when its lease expires after a cancel request', async () => {
    const fleet = newFleet();
    const { id, runner } = await leasedJob(fleet);
    await fleet.cancel(id, 'user');
    expect(await runner.socket.next('job.cancel')).toEqual({ type: 'job.cancel', executionId: id, reason: 'user' });

    await setLeaseExpiry(fleet, id, Date.now() - 1);
    await runDurableObjectAlarm(fleet);
    expect((await executionRow(id))?.status).toBe('cancelled');
  });

  it('renews leases on heartbeat, records it, and stops executions the runner does not own', async () => {
    const fleet = newFleet();
    const { id, runner } = await leasedJob(fleet);
    await setLeaseExpiry(fleet, id, Date.now() + 1_000);

    const foreign = newExecutionId();
    const metrics = { cpuLoadPercent: 12.5, memUsedBytes: 1024, memTotalBytes: 4096 };
    runner.socket.send({ type: 'runner.heartbeat', running: [id, foreign], metrics });
    expect(await runner.socket.next('job.cancel')).toEqual({
      type: 'job.cancel',
      executionId: foreign,
      reason: 'lease_lost',
    });

    expect((await leaseOf(fleet, id))?.expires_at).toBeGreaterThan(Date.now() + 20_000);
    await eventually(async () => expect((await runnerRow(runner.id))?.metrics).toEqual(metrics));
    expect((await runnerRow(runner.id))?.lastHeartbeatAt).toEqual(expect.any(Number));

    // Renewed, so an alarm now expires nothing.
    await runDurableObjectAlarm(fleet);
    expect((await executionRow(id))?.status).toBe('assigned');
  });

  it('keeps leases of a runner that went offline, and offers its unstarted job again when it comes back', async () => {
    const fleet = newFleet();
    const { id, runner } = await leasedJob(fleet);
    runner.socket.close();
    await eventually(async () => expect((await runnerRow(runner.id))?.status).toBe('offline'));
    expect(await leaseOf(fleet, id)).toMatchObject({ runner_id: runner.id });
    expect((await fleet.snapshot()).find((r) => r.runnerId === runner.id)).toMatchObject({
      connected: false,
      running: [id],
    });

    const back = await helloRunner(fleet, { labels: [] }, runner.id);
    expect((await back.socket.next('job.offer')).job.executionId).toBe(id);
    expect((await runnerRow(runner.id))?.status).toBe('online');
  });

  it('does not offer again a job the reconnecting runner says it is running', async () => {
    const fleet = newFleet();
    const { id, runner } = await leasedJob(fleet);
    runner.socket.close();
    const back = await connect(fleet, runner.id);
    back.send({ type: 'runner.hello', version: '1', name: 'r', labels: [], maxConcurrent: 1, running: [id] });
    await back.next('runner.welcome');
    // A heartbeat naming an unknown execution gets an answer, so by then a re-offer would have arrived.
    back.send({ type: 'runner.heartbeat', running: [id, newExecutionId()] });
    await back.next('job.cancel');
    expect(back.unread().filter((f) => f.type === 'job.offer')).toEqual([]);
  });
});
