// What the Fleet does when a lease expires: the execution ends `cancelled` when a cancel was pending, else `lost`,
// and a lost one with attempts left is retried as a new queued execution (attempt n+1). The retry's id is chosen
// and kept in the Fleet's storage before the lost one is closed, so the closing status reason can name it and a
// failure at any step resumes with the same id: one loss never makes two retries. Used by fleet.ts (alarm, sweep).
import { createDb } from '../db/client';
import { createRetry } from '../executions/create';
import { getExecution } from '../db/queries/executions';
import { expiryOutcome, type Lease } from '../domain/lease';
import { lostReason, retryDue } from '../domain/retry';
import { newExecutionId } from '../lib/ids';
import { isTerminal } from '../protocol/common';
import { endExecution } from './end-execution';
import type { FleetStore } from './fleet-store';

/** A retry that cannot be created yet (D1 out of reach, or the lost status not synced yet) is tried after this. */
export const RETRY_AGAIN_MS = 5_000;

/** Ends the execution of an expired lease (the caller has removed the lease); false when that failed and the caller
 * should try again later. `cause`: why the runner lost it, when not silence (a revocation). */
export async function endExpired(
  env: Env,
  store: FleetStore,
  lease: Lease,
  now: number,
  cause?: string,
): Promise<boolean> {
  const outcome = expiryOutcome(lease);
  if (outcome.status === 'cancelled') return endExecution(env, lease.executionId, outcome.status, outcome.reason);
  let reason = cause ?? outcome.reason;
  try {
    const row = await getExecution(createDb(env.DB), lease.executionId);
    if (row !== undefined && !isTerminal(row.status)) {
      const facts = { attempt: row.attempt, maxAttempts: row.maxAttempts };
      let retryId: string | null = null;
      if (retryDue(facts)) {
        retryId = store.retryOf(lease.executionId) ?? newExecutionId(now);
        store.putRetry(lease.executionId, retryId, now);
      }
      reason = lostReason(lease, facts, retryId, cause);
    }
  } catch (err) {
    // Without the attempt numbers the retry policy cannot be applied; try again shortly rather than skip it.
    console.error(`Fleet: reading ${lease.executionId} before ending it failed`, err);
    return false;
  }
  return endExecution(env, lease.executionId, 'lost', reason);
}

/**
 * Creates the retries that are due. A retry is inserted once D1 shows its execution `lost` (a close still syncing
 * is waited for); an execution that ended otherwise (its runner's own end won the race) gets none. True if any was
 * created, so the caller dispatches.
 */
export async function createRetries(env: Env, store: FleetStore, now: number): Promise<boolean> {
  const due = store.dueRetries(now);
  if (due.length === 0) return false;
  const db = createDb(env.DB);
  let created = false;
  for (const { executionId, retryId } of due) {
    try {
      const source = await getExecution(db, executionId);
      if (source !== undefined && !isTerminal(source.status)) {
        store.putRetry(executionId, retryId, now + RETRY_AGAIN_MS);
        continue;
      }
      if (source?.status === 'lost') {
        const row = await createRetry(env, source, {
          id: retryId,
          attempt: source.attempt + 1,
          now,
          detail: 'automatic, after the runner was lost',
          dispatch: false,
        });
        // Null: an earlier try created it already, or a person's retry took this attempt number first.
        if (row !== null) created = true;
      }
      store.deleteRetry(executionId);
    } catch (err) {
      console.error(`Fleet: creating retry ${retryId} of ${executionId} failed`, err);
      store.putRetry(executionId, retryId, now + RETRY_AGAIN_MS);
    }
  }
  return created;
}
