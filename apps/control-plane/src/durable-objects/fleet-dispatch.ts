// One Fleet dispatch round: offers waiting (queued or blocked) executions, oldest first, to connected runners with
// free slots and the labels they need, each once every budget scope it falls in has admitted it (fleet-admission);
// one a budget refuses is marked blocked with the reason and the round goes on to the next; a retry goes to another
// runner than the one its previous attempt ran on when one fits; a job that requires a sandbox goes only to a runner
// that announced bubblewrap (it stays queued, saying so, while none is connected); a follow-up pinned to the runner
// holding its session goes to that runner only (it stays queued, naming the runner, while that one is away or full).
// Used by fleet.ts.
import { createDb } from '../db/client';
import { claimQueued, listQueued, markBlocked, toJob, type JobRow } from '../db/queries/lifecycle';
import { getRunner, noteWaiting } from '../db/queries/runners';
import { freeSlots, pickRunner, pinnedReason, satisfiesLabels, type RunnerSlots } from '../domain/dispatch';
import { leaseTtlMs } from '../domain/lease';
import type { FleetToRunner } from '../protocol/frames';
import { Admission } from './fleet-admission';
import type { FleetStore } from './fleet-store';
import { sendFrame } from './sockets';

/** Waiting executions read per page, per free slot: enough to skip past jobs no connected runner can take. Further
 * pages are read while slots stay free, so blocked executions at the head never starve the rest. */
const JOBS_PER_FREE_SLOT = 4;
/** A round reads at most this many waiting executions. */
const MAX_JOBS_PER_ROUND = 1_000;
/** Why a queued job that requires a sandbox waits (shown as its blockedReason while it stays queued). */
export const NO_SANDBOX_RUNNER = 'waiting for a runner with a bubblewrap sandbox (requireSandbox)';

export interface DispatchContext {
  readonly env: Env;
  readonly store: FleetStore;
  readonly intervalMs: number;
  /** The runner's open control socket, if it said hello on it. */
  socketOf(runnerId: string): WebSocket | null;
}

/** Runs one round; true if it leased anything (the caller then reschedules its alarm). */
export async function offerWaiting(fleet: DispatchContext): Promise<boolean> {
  const { env, store } = fleet;
  const leases = [...store.leases().values()];
  const runners = new Map<string, RunnerSlots>();
  const confining = new Set<string>();
  for (const [runnerId, info] of store.runners()) {
    if (info.sandbox === 'bubblewrap') confining.add(runnerId);
    if (fleet.socketOf(runnerId) === null) continue;
    runners.set(runnerId, { ...info, leased: leases.filter((l) => l.runnerId === runnerId).length });
  }
  let free = [...runners.values()].reduce((sum, r) => sum + (r.offerable ? freeSlots(r) : 0), 0);
  if (free === 0) return false;

  const db = createDb(env.DB);
  const admission = new Admission(env);
  const labels = [...new Set([...runners.values()].flatMap((r) => (r.offerable && freeSlots(r) > 0 ? r.labels : [])))];
  const pageSize = free * JOBS_PER_FREE_SLOT;
  let offered = false;
  const pinnedNames = new Map<string, string>();
  let after: JobRow | undefined;
  for (let read = 0; free > 0 && read < MAX_JOBS_PER_ROUND; read += pageSize) {
    const page = await listQueued(db, labels, pageSize, after);
    for (const row of page) {
      const candidates = [...runners.values()].filter((r) => !row.requireSandbox || confining.has(r.runnerId));
      const runner = pickRunner(candidates, row.labels, row.avoidRunnerId, row.pinnedRunnerId);
      if (runner === null && row.pinnedRunnerId !== null) {
        // A follow-up waits for the runner holding its session, whatever else is free.
        await notePinned(db, row, pinnedNames);
        continue;
      }
      if (runner === null) {
        // Only when no connected runner could ever take it; a busy confining runner is just a wait.
        const unconfined = row.requireSandbox && !candidates.some((r) => satisfiesLabels(r.labels, row.labels));
        if (unconfined && row.status === 'queued' && row.blockedReason !== NO_SANDBOX_RUNNER) {
          await noteWaiting(db, row.id, NO_SANDBOX_RUNNER, Date.now());
        }
        continue;
      }
      const admitted = await admission.admit(row);
      if (!admitted.ok) {
        // A row already blocked for this reason is not rewritten every round.
        if (!admitted.retry && !(row.status === 'blocked' && row.blockedReason === admitted.reason)) {
          await markBlocked(db, row.id, admitted.reason, Date.now());
        }
        continue;
      }
      const now = Date.now();
      if (!(await claimQueued(db, row.id, runner.runnerId, now))) {
        await admission.release(row.id, admitted.scopes);
        continue;
      }
      store.putLease({
        executionId: row.id,
        runnerId: runner.runnerId,
        expiresAt: now + leaseTtlMs(fleet.intervalMs),
        cancelReason: null,
      });
      store.setOffered(runner.runnerId, now);
      runners.set(runner.runnerId, { ...runner, leased: runner.leased + 1, lastOfferedAt: now });
      offered = true;
      // A runner that went away meanwhile gets this job again on its hello, or the lease expires.
      const ws = fleet.socketOf(runner.runnerId);
      if (ws !== null) {
        sendFrame(ws, { type: 'job.offer', job: toJob({ ...row, status: 'assigned' }) } satisfies FleetToRunner);
      }
      if (--free === 0) break;
    }
    if (page.length < pageSize) break;
    after = page.at(-1);
  }
  return offered;
}

/** Marks a queued follow-up as waiting for its pinned runner (by name), unless it says so already. */
async function notePinned(db: ReturnType<typeof createDb>, row: JobRow, names: Map<string, string>): Promise<void> {
  const runnerId = row.pinnedRunnerId;
  if (runnerId === null || row.status !== 'queued') return;
  let name = names.get(runnerId);
  if (name === undefined) {
    name = (await getRunner(db, runnerId))?.name ?? runnerId;
    names.set(runnerId, name);
  }
  const reason = pinnedReason(name);
  if (row.blockedReason !== reason) await noteWaiting(db, row.id, reason, Date.now());
}
