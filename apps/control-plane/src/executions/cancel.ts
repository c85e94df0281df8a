// Cancelling an execution: a waiting one (queued, blocked) ends at once; an assigned or running one gets its cancel
// recorded and sent to its hub and the Fleet (the runner stops it). Used by POST /api/v1/executions/:id/cancel and
// by a schedule with `overlap: "cancel-previous"` (reason `superseded`).
import { createDb } from '../db/client';
import { getExecution, type ExecutionRow } from '../db/queries/executions';
import { cancelWaiting, recordCancel } from '../db/queries/lifecycle';
import { AppError } from '../errors';
import { fleetOf, hubOf } from '../lib/stubs';
import { CANCEL_REASON_TEXT, isTerminal, type CancelReason } from '../protocol';

async function mustGet(db: ReturnType<typeof createDb>, id: string): Promise<ExecutionRow> {
  const row = await getExecution(db, id);
  if (!row) throw new AppError('NOT_FOUND', `execution ${id} does not exist`);
  return row;
}

/** Cancels `id` and returns its row as it is then. Idempotent while it runs; a CONFLICT once it has ended. */
export async function cancelExecution(env: Env, id: string, reason: CancelReason): Promise<ExecutionRow> {
  const db = createDb(env.DB);
  const text = CANCEL_REASON_TEXT[reason];
  let row = await mustGet(db, id);
  if (row.status === 'queued' || row.status === 'blocked') {
    if (await cancelWaiting(db, id, { reason, statusReason: text, now: Date.now() })) {
      // D1 already says cancelled; a hub that cannot be reached only misses its closing status event.
      try {
        await hubOf(env, id).close(id, 'cancelled', text);
      } catch (error) {
        console.error(`closing the log of cancelled ${id} failed`, error);
      }
      return mustGet(db, id);
    }
    row = await mustGet(db, id); // a runner claimed it meanwhile: cancel it as an assigned one
  }
  if (isTerminal(row.status)) {
    throw new AppError('CONFLICT', `execution ${id} has already ended (${row.status})`);
  }
  if (!(await recordCancel(db, id, reason, Date.now()))) {
    // Either a cancel is already recorded (go on: the calls below are repeated) or the execution ended since we read it.
    row = await mustGet(db, id);
    if (isTerminal(row.status)) throw new AppError('CONFLICT', `execution ${id} has already ended (${row.status})`);
  }
  // Both calls are idempotent, so a repeated cancel re-sends them: that heals a first attempt that failed midway.
  await hubOf(env, id).cancel(id, reason);
  await fleetOf(env).cancel(id, reason);
  return mustGet(db, id);
}
