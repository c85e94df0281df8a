// Unit tests of the runner's graceful drain (SIGTERM/SIGINT) and forced stop (a second signal), against a loopback
// fake control plane with a fake agent.
import { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CancelReason } from '@claudeops/control-plane/protocol';
import type { AgentOutcome } from '../agent/agent';
import type { RunnerConfig } from './config';
import { runDaemon, startRunner, type RunnerDeps, type RunningRunner } from './daemon';
import { FakeControlPlane, GOOD_REGISTRATION_TOKEN } from '../testing/fake-control-plane';
import type { StartAgent } from '../jobs/job-runner';
import { executionId, FAST_BACKOFF, testJob, waitFor } from '../testing/test-helpers';

let dir: string;
let plane: FakeControlPlane;
let runner: RunningRunner | undefined;
let cancels: CancelReason[];
let finishAgent: ((outcome: AgentOutcome) => void) | undefined;

/** Works until the test (or a cancel) ends it. */
const fakeAgent: StartAgent = () => {
  const done = new Promise<AgentOutcome>((resolve) => (finishAgent = resolve));
  return {
    done,
    pid: undefined,
    cancel: (reason) => {
      cancels.push(reason);
      finishAgent?.({ status: 'cancelled' });
    },
  };
};

const config = (): RunnerConfig => ({
  url: plane.url,
  registrationToken: GOOD_REGISTRATION_TOKEN,
  name: 'box',
  labels: [],
  maxConcurrent: 2,
  stateDir: join(dir, 'state'),
  workspacesDir: join(dir, 'workspaces'),
});
const deps: RunnerDeps = {
  startAgent: fakeAgent,
  backoff: FAST_BACKOFF,
  metrics: async () => ({ cpuLoadPercent: 1, memUsedBytes: 1, memTotalBytes: 2 }),
};

const job = (n: number) => testJob(n);

const lastStatus = (n: number) => plane.events(executionId(n)).at(-1);
const rejected = (n: number) =>
  plane.fleetFrames.find((f) => f.type === 'job.reject' && f.executionId === executionId(n));

/** The first job runs and its agent has started. */
async function runFirstJob(): Promise<void> {
  await waitFor(() => plane.fleetFrames.some((f) => f.type === 'runner.hello'), 'the hello');
  plane.offer(job(1));
  await waitFor(() => finishAgent !== undefined && plane.events(executionId(1)).length === 1, 'the job to run');
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'claudeops-drain-'));
  plane = new FakeControlPlane();
  await plane.start();
  cancels = [];
  finishAgent = undefined;
});
afterEach(async () => {
  await runner?.stop();
  runner = undefined;
  await plane.close();
  await rm(dir, { recursive: true, force: true });
});

describe('drain', () => {
  it('lets the running job finish, rejects new offers and reports no free slot meanwhile', async () => {
    runner = await startRunner(config(), deps);
    await runFirstJob();
    const drained = runner.drain(60_000);
    await waitFor(
      () => plane.fleetFrames.filter((f) => f.type === 'runner.hello').at(-1)?.maxConcurrent === 1,
      'a hello restating the slots as all taken',
    );
    plane.offer(job(2));
    await waitFor(() => rejected(2) !== undefined, 'the new offer to be rejected');
    expect(rejected(2)).toMatchObject({ reason: 'runner is shutting down' });

    finishAgent!({ status: 'succeeded' });
    await drained;
    await runner.done;
    expect(cancels).toEqual([]);
    expect(lastStatus(1)).toMatchObject({ type: 'status', data: { status: 'succeeded' } });
    expect(plane.events(executionId(2))).toEqual([]);
  });

  it('cancels what still runs at the deadline, and flushes its final status', async () => {
    runner = await startRunner(config(), deps);
    await runFirstJob();
    await runner.drain(20);
    expect(cancels).toEqual(['runner_shutdown']);
    expect(lastStatus(1)).toMatchObject({
      type: 'status',
      data: { status: 'cancelled', reason: 'the runner shut down' },
    });
  });
});

describe('runDaemon signals', () => {
  it('drains on SIGTERM and exits 0 once the job is done', async () => {
    const signals = new EventEmitter();
    const exit = runDaemon(config(), { ...deps, signals });
    await runFirstJob();
    signals.emit('SIGTERM', 'SIGTERM');
    plane.offer(job(2));
    await waitFor(() => rejected(2) !== undefined, 'the new offer to be rejected');
    expect(cancels).toEqual([]);
    finishAgent!({ status: 'succeeded' });
    expect(await exit).toBe(0);
    expect(lastStatus(1)).toMatchObject({ data: { status: 'succeeded' } });
  });

  it('on a second signal cancels the running job at once, flushes and exits 130', async () => {
    const signals = new EventEmitter();
    const exit = runDaemon({ ...config(), drainTimeoutMs: 600_000 }, { ...deps, signals });
    await runFirstJob();
    signals.emit('SIGTERM', 'SIGTERM');
    await waitFor(() => plane.fleetFrames.filter((f) => f.type === 'runner.hello').length === 2, 'the drain');
    signals.emit('SIGINT', 'SIGINT');
    expect(await exit).toBe(130);
    expect(cancels).toEqual(['runner_shutdown']);
    expect(lastStatus(1)).toMatchObject({ data: { status: 'cancelled', reason: 'the runner shut down' } });
  });
});
