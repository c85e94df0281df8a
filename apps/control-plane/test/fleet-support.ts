// Helpers for the fleet-*.test.ts files: a fresh Fleet per test, runner control sockets, lease inspection.
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { expect } from 'vitest';
import { FleetToRunner, type RunnerToFleet } from '../src/protocol';
import { openSocket, seedRunner, type Inbox, eventually } from './do-support';

export type Runner = { id: string; socket: Inbox<FleetToRunner> };
type Hello = Extract<RunnerToFleet, { type: 'runner.hello' }>;

/** A Fleet of its own for one test (production uses the one named 'global'). */
export const newFleet = () => env.FLEET.get(env.FLEET.idFromName(`fleet-test-${crypto.randomUUID()}`));
export type FleetStub = ReturnType<typeof newFleet>;

export async function connect(fleet: FleetStub, runnerId: string): Promise<Inbox<FleetToRunner>> {
  return openSocket(fleet, 'http://fleet/api/v1/runners/connect', { 'x-claudeops-runner-id': runnerId }, FleetToRunner);
}

/** Seeds a runner, connects it and says hello; returns once it is welcomed. */
export async function helloRunner(
  fleet: FleetStub,
  hello: Partial<Hello> & { labels: string[] },
  runnerId?: string,
): Promise<Runner> {
  const id = runnerId ?? (await seedRunner({ labels: hello.labels, maxConcurrent: hello.maxConcurrent ?? 1 }));
  const socket = await connect(fleet, id);
  socket.send({
    type: 'runner.hello',
    version: '0.1.0-test',
    name: 'test-runner',
    maxConcurrent: 1,
    running: [],
    sandbox: 'none',
    ...hello,
  } satisfies Hello);
  expect(await socket.next('runner.welcome')).toMatchObject({ runnerId: id });
  return { id, socket };
}

/** The lease the Fleet holds for an execution, read from its storage. */
export async function leaseOf(fleet: FleetStub, executionId: string) {
  return runInDurableObject(fleet, (_instance, state) => {
    const rows = state.storage.sql
      .exec<{ runner_id: string; expires_at: number }>(
        'SELECT runner_id, expires_at FROM leases WHERE execution_id = ?',
        executionId,
      )
      .toArray();
    return rows[0] ?? null;
  });
}

/** Moves a lease's expiry, as if time had passed (or the runner had just renewed it). */
/** Moves the execution's lease expiry; waits for the lease to exist first (a `job.accept` sent just before may still
 * be on its way to the Fleet). */
export async function setLeaseExpiry(fleet: FleetStub, executionId: string, expiresAt: number): Promise<void> {
  await eventually(() =>
    runInDurableObject(fleet, (_instance, state) => {
      const cursor = state.storage.sql.exec(
        'UPDATE leases SET expires_at = ? WHERE execution_id = ?',
        expiresAt,
        executionId,
      );
      cursor.toArray();
      if (cursor.rowsWritten === 0) throw new Error(`no lease for ${executionId} yet`);
      return true;
    }),
  );
}
