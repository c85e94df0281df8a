// Which of two reports of an execution's status is newer. The page hears about status from the live stream and
// from HTTP refreshes, which can arrive in either order; statuses only move forward, so the later stage wins.
import { isTerminal, type ExecutionStatus } from '@claudeops/control-plane/protocol';

const STAGE: Record<ExecutionStatus, number> = {
  queued: 0,
  blocked: 1,
  assigned: 2,
  running: 3,
  awaiting_approval: 3,
  succeeded: 4,
  failed: 4,
  cancelled: 4,
  lost: 4,
};

/**
 * The later of two statuses; between two terminal ones the first (the stored one) wins, as it never changes. Running
 * and awaiting approval alternate, so between those the live report wins.
 */
export function latestStatus(stored: ExecutionStatus, live: ExecutionStatus | null): ExecutionStatus {
  if (live === null || isTerminal(stored)) return stored;
  const alternating = STAGE[live] === STAGE.running && STAGE[stored] === STAGE.running;
  return alternating || STAGE[live] > STAGE[stored] ? live : stored;
}
