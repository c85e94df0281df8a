// What the Fleet trusts a runner with: the labels and slots it registered with (a hello may narrow them, never widen
// them), and telling an execution's hub when a runner no longer holds it (so the hub closes and refuses its stream
// socket). Used by fleet.ts.
import type { Db } from '../db/client';
import { getRunner } from '../db/queries/runners';

/** Close code of a revoked runner's control socket. */
export const REVOKED_CLOSE_CODE = 4401;

type Bounds = { readonly labels: readonly string[]; readonly maxConcurrent: number };

/**
 * What a hello is capped by: the registered labels and slots from D1; `revoked` for a revoked or unknown runner.
 * With D1 out of reach, what the Fleet last allowed this runner (already within its registration) stands in, so a
 * reconnect does not wait on D1; `unavailable` when there is nothing to go by.
 */
export async function registeredBounds(
  db: Db,
  runnerId: string,
  known: Bounds | undefined,
): Promise<Bounds | 'revoked' | 'unavailable'> {
  try {
    const row = await getRunner(db, runnerId);
    return row === undefined || row.revokedAt !== null ? 'revoked' : row;
  } catch (err) {
    console.error(`Fleet: reading runner ${runnerId} failed`, err);
    return known ?? 'unavailable';
  }
}

export interface CappedHello {
  readonly labels: string[];
  readonly maxConcurrent: number;
  /** What the hello asked for beyond the registration, in words for the runner's log; null when nothing. */
  readonly excess: string | null;
}

/** The hello's labels and slots within the registered ones: labels intersected, slots capped. */
export function capHello(registered: Bounds, hello: { labels: readonly string[]; maxConcurrent: number }): CappedHello {
  const allowed = new Set(registered.labels);
  const labels = hello.labels.filter((label) => allowed.has(label));
  const extra = hello.labels.filter((label) => !allowed.has(label));
  const maxConcurrent = Math.min(hello.maxConcurrent, registered.maxConcurrent);
  const parts: string[] = [];
  if (extra.length > 0)
    parts.push(`labels ${extra.join(', ')} (registered: ${registered.labels.join(', ') || 'none'})`);
  if (hello.maxConcurrent > registered.maxConcurrent) {
    parts.push(`maxConcurrent ${hello.maxConcurrent} (registered: ${registered.maxConcurrent})`);
  }
  const excess = parts.length === 0 ? null : `ignored what this runner did not register with: ${parts.join('; ')}`;
  return { labels, maxConcurrent, excess };
}

/** Tells the execution's hub that `runnerId` no longer holds it (for assignments up to `through`); a hub out of reach
 * is logged, not thrown: the stream route's D1 check still refuses that runner's reconnects. */
export async function disownOnHub(
  env: Env,
  executionId: string,
  runnerId: string,
  through: number,
  reason: string,
): Promise<void> {
  try {
    await env.EXECUTION_HUB.get(env.EXECUTION_HUB.idFromName(executionId)).disown(
      executionId,
      runnerId,
      through,
      reason,
    );
  } catch (err) {
    console.error(`Fleet: telling the hub of ${executionId} that ${runnerId} lost it failed`, err);
  }
}
