// Retry policy for lost executions: whether a lost attempt gets another, and the status reason that says what
// happened. Pure; the Fleet applies it when a lease expires (durable-objects/fleet-expiry.ts).
import type { Lease } from './lease';

export interface AttemptFacts {
  /** 1-based number of the attempt that was lost. */
  readonly attempt: number;
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
}

/** A lost attempt is retried while its chain has attempts left. */
export const retryDue = (facts: AttemptFacts): boolean => facts.attempt < facts.maxAttempts;

/** The status reason of a lost execution: which runner went quiet, when its lease expired, and what follows. With
 * no facts (the execution's row could not be read) it says only what is known. */
export function lostReason(
  lease: Pick<Lease, 'runnerId' | 'expiresAt'>,
  facts: AttemptFacts | null,
  retryId: string | null,
  /** What happened to the runner, when it was not silence (`runner r_… was revoked`). */
  cause?: string,
): string {
  const lost =
    cause ??
    `runner ${lease.runnerId} stopped heartbeating; lease expired at ${new Date(lease.expiresAt).toISOString()}`;
  if (facts === null) return lost;
  if (retryId !== null) return `${lost}; retried as ${retryId} (attempt ${facts.attempt + 1} of ${facts.maxAttempts})`;
  const which =
    facts.attempt === facts.maxAttempts
      ? `attempt ${facts.attempt} of ${facts.maxAttempts}`
      : `attempt ${facts.attempt}, maxAttempts ${facts.maxAttempts}`;
  return `${lost}; not retried: no attempts left (${which})`;
}
