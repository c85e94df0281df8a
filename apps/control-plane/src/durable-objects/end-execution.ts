// Ends an execution whose runner is gone: through its hub (which writes the closing status event, updates D1 and
// releases the lease), or straight in D1 when the hub cannot be reached. Used by the Fleet when a lease expires.
import { createDb } from '../db/client';
import { finish } from '../db/queries/lifecycle';

/** True once the execution is terminal in D1 (or already was); false when both ways failed and it needs a retry. */
export async function endExecution(
  env: Env,
  executionId: string,
  status: 'lost' | 'cancelled',
  reason: string,
): Promise<boolean> {
  try {
    await env.EXECUTION_HUB.get(env.EXECUTION_HUB.idFromName(executionId)).close(executionId, status, reason);
    return true;
  } catch (err) {
    console.error(`closing the log of ${executionId} failed; updating D1 directly`, err);
  }
  try {
    await finish(createDb(env.DB), executionId, { status, reason, now: Date.now() });
    return true;
  } catch (err) {
    console.error(`ending ${executionId} in D1 failed`, err);
    return false;
  }
}
