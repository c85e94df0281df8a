// Tests of the daemon's status file: kept current by a running daemon (connection, heartbeat, jobs), removed when it
// stops, and a stale one (its pid gone) read as "not running".
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentOutcome } from '../agent/agent';
import { startRunner, type RunningRunner } from './daemon';
import { formatStatus, readDaemonStatus, statusFilePath, type DaemonStatus, type StatusReading } from './daemon-status';
import { FakeControlPlane, GOOD_REGISTRATION_TOKEN } from '../testing/fake-control-plane';
import type { StartAgent } from '../jobs/job-runner';
import { executionId, FAST_BACKOFF, RUNNER_ID, testJob } from '../testing/test-helpers';

let dir: string;
let plane: FakeControlPlane;
let runner: RunningRunner | undefined;
let finishAgent: ((outcome: AgentOutcome) => void) | undefined;

const waitingAgent: StartAgent = () => ({
  done: new Promise<AgentOutcome>((resolve) => (finishAgent = resolve)),
  pid: undefined,
  cancel: () => finishAgent?.({ status: 'cancelled' }),
});

/** Polls the status file until `check` accepts a reading. */
async function statusWhere(check: (reading: StatusReading) => boolean, what: string): Promise<StatusReading> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const reading = await readDaemonStatus(join(dir, 'state'));
    if (check(reading)) return reading;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(reading)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'claudeops-status-'));
  plane = new FakeControlPlane();
  await plane.start();
  finishAgent = undefined;
});
afterEach(async () => {
  await runner?.stop();
  runner = undefined;
  await plane.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the daemon status', () => {
  it('shows connection, heartbeat, slots and running jobs while the daemon runs, and is gone after it stops', async () => {
    runner = await startRunner(
      {
        url: plane.url,
        registrationToken: GOOD_REGISTRATION_TOKEN,
        name: 'box',
        labels: ['gpu'],
        maxConcurrent: 2,
        stateDir: join(dir, 'state'),
        workspacesDir: join(dir, 'workspaces'),
      },
      { startAgent: waitingAgent, backoff: FAST_BACKOFF, metrics: async () => undefined },
    );
    const idle = await statusWhere(
      (r) => r.running && r.status.connection === 'connected' && r.status.lastHeartbeatAt !== null,
      'a connected status with a heartbeat',
    );
    expect(idle.running && idle.status).toMatchObject({
      pid: process.pid,
      runnerId: RUNNER_ID,
      url: plane.url,
      state: 'running',
      slots: { max: 2, busy: 0, free: 2 },
      jobs: [],
    });
    // How runs are confined here (bubblewrap where it works, else none and why).
    if (idle.running) expect(formatStatus(idle.status)).toMatch(/^sandbox: {5}(bubblewrap|none \(.+\))$/m);

    plane.offer(testJob(1, { prompt: 'p' }));
    const busy = await statusWhere((r) => r.running && r.status.jobs.length === 1, 'a running job');
    if (!busy.running) throw new Error('not running');
    expect(busy.status.slots).toEqual({ max: 2, busy: 1, free: 1 });
    expect(busy.status.jobs[0]).toMatchObject({ executionId: executionId(1), since: expect.any(String) });
    expect(formatStatus(busy.status)).toMatch(new RegExp(`${executionId(1)}\\s+running for \\d+s`));

    finishAgent?.({ status: 'succeeded' });
    await runner.stop();
    runner = undefined;
    expect(await readDaemonStatus(join(dir, 'state'))).toEqual({
      running: false,
      reason: `no runner is running with state dir ${join(dir, 'state')}`,
    });
  });

  it('reads a status file whose daemon died as not running', async () => {
    const status: DaemonStatus = {
      pid: 999_999,
      version: '0.1.0',
      startedAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
      runnerId: RUNNER_ID,
      name: 'box',
      url: 'http://127.0.0.1:1',
      labels: [],
      state: 'running',
      connection: 'connected',
      lastHeartbeatAt: null,
      slots: { max: 1, busy: 0, free: 1 },
      jobs: [],
    };
    await writeFile(statusFilePath(dir), JSON.stringify(status));
    expect(await readDaemonStatus(dir, () => false)).toEqual({
      running: false,
      reason: `no runner is running with state dir ${dir} (pid 999999 stopped without cleaning up)`,
    });
    expect(await readDaemonStatus(dir, () => true)).toEqual({ running: true, status });
  });

  it('formats what a person needs to see', () => {
    const now = Date.parse('2025-01-01T01:00:00Z');
    const text = formatStatus(
      {
        pid: 42,
        version: '0.1.0',
        startedAt: '2025-01-01T00:00:00Z',
        updatedAt: '2025-01-01T00:59:59Z',
        runnerId: RUNNER_ID,
        name: 'box',
        url: 'https://ops.example.com',
        labels: ['gpu'],
        state: 'running',
        connection: 'disconnected',
        lastHeartbeatAt: '2025-01-01T00:59:30Z',
        slots: { max: 2, busy: 1, free: 1 },
        jobs: [
          {
            executionId: executionId(7),
            since: '2025-01-01T00:58:00Z',
            events: { lastSeq: 120, ackedSeq: 100, unacked: 20, spooled: 20 },
          },
        ],
      },
      now,
    );
    expect(text).toContain('pid 42, up 1h 0m');
    expect(text).toContain(`runner:      ${RUNNER_ID} (box) on https://ops.example.com`);
    expect(text).toContain('connection:  disconnected, last heartbeat 30s ago');
    expect(text).toContain('slots:       1 of 2 busy, 1 free');
    expect(text).toContain(`${executionId(7)}  running for 2m 0s, 120 events, 20 unacked, 20 spooled`);
  });
});
