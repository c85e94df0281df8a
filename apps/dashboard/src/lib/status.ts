// Which of two reports of an execution's status is newer. The page hears about status from the live stream and
// from HTTP refreshes, which can arrive in either order; statuses only move forward, so the later stage wins.
import { isTerminal, type ExecutionStatus } from '@claudeops/control-plane/protocol';

const STAGE: Record<ExecutionStatus, number> = {
  queued: 0,
  assigned: 1,
  running: 2,
  succeeded: 3,
  failed: 3,
  cancelled: 3,
  lost: 3,
};

/** The later of two statuses; between two terminal ones the first (the stored one) wins, as it never changes. */
export function latestStatus(stored: ExecutionStatus, live: ExecutionStatus | null): ExecutionStatus {
  if (live === null || isTerminal(stored)) return stored;
  return STAGE[live] > STAGE[stored] ? live : stored;
}
