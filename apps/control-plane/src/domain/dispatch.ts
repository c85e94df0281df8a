// Dispatch choice for the Fleet: which connected runner gets a queued job. Pure; the Fleet claims the job in D1.

export interface RunnerSlots {
  readonly runnerId: string;
  readonly labels: readonly string[];
  readonly maxConcurrent: number;
  /** Leases the Fleet holds for this runner: the authority on how busy it is. */
  readonly leased: number;
  /** Epoch ms of the last offer to it (0 for never); ties go to the runner offered least recently. */
  readonly lastOfferedAt: number;
  /** False after the runner rejected an offer, until it restates its state (hello or heartbeat). */
  readonly offerable: boolean;
}

export const freeSlots = (runner: RunnerSlots): number => Math.max(0, runner.maxConcurrent - runner.leased);

/** A runner may take a job only if it carries every label the job asks for. */
export const satisfiesLabels = (runnerLabels: readonly string[], jobLabels: readonly string[]): boolean =>
  jobLabels.every((label) => runnerLabels.includes(label));

/** Why a follow-up pinned to a runner waits while that runner is offline, revoked or full (its blockedReason). */
export const pinnedReason = (runnerName: string): string =>
  `waiting for runner ${runnerName}, which holds this conversation's session`;

/** The runner to offer a job with these labels, or null when none fits: most free slots, then least recently
 * offered, then by id so the choice is deterministic. `avoid` (the runner a retried attempt was lost on) gets the
 * job only when no other runner fits. A job `pinned` to a runner (a follow-up resuming a session that lives there)
 * goes to that runner only, never elsewhere. */
export function pickRunner(
  runners: readonly RunnerSlots[],
  jobLabels: readonly string[],
  avoid: string | null = null,
  pinned: string | null = null,
): RunnerSlots | null {
  let best: RunnerSlots | null = null;
  let avoided: RunnerSlots | null = null;
  for (const runner of runners) {
    if (pinned !== null && runner.runnerId !== pinned) continue;
    if (!runner.offerable || freeSlots(runner) === 0 || !satisfiesLabels(runner.labels, jobLabels)) continue;
    if (runner.runnerId === avoid && pinned === null) avoided = runner;
    else if (best === null || better(runner, best)) best = runner;
  }
  return best ?? avoided;
}

function better(a: RunnerSlots, b: RunnerSlots): boolean {
  const free = freeSlots(a) - freeSlots(b);
  if (free !== 0) return free > 0;
  if (a.lastOfferedAt !== b.lastOfferedAt) return a.lastOfferedAt < b.lastOfferedAt;
  return a.runnerId < b.runnerId;
}
