// Which of two reports of an execution's status is newer. The page hears about status from the live stream and
// from HTTP refreshes, which can arrive in either order; statuses only move forward, so the later stage wins.
import { isTerminal, type ExecutionStatus } from '@claudeops/control-plane/protocol';

const STAGE: Record<ExecutionStatus, number> = {
  queued: 0,
  blocked: 1,
  assigned: 2,
  running: 3,
  awaiting_approval: 3,
  paused: 3,
  needs_review: 4,
  succeeded: 5,
  failed: 5,
  cancelled: 5,
  lost: 5,
};

/**
 * The later of two statuses; between two terminal ones the first (the stored one) wins, as it never changes. Running,
 * awaiting approval and paused alternate, so between those the live report wins; needs review comes after them.
 */
export function latestStatus(stored: ExecutionStatus, live: ExecutionStatus | null): ExecutionStatus {
  if (live === null || isTerminal(stored)) return stored;
  const alternating = STAGE[live] === STAGE.running && STAGE[stored] === STAGE.running;
  return alternating || STAGE[live] > STAGE[stored] ? live : stored;
}
