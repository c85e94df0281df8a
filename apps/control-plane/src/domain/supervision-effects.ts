// What the runner's supervision events mean for the execution's `supervision` outcome: the latest round's `check`
// and `review` events, how many retries ran, and why the run ended in `needs_review`. Pure; the ExecutionHub folds
// each stored batch with it (durable-objects/hub-review.ts) and hub-sync writes the result to D1.
import type { ExecutionEvent } from '../protocol/events';
import type { Supervision } from '../protocol/supervision';

export const noSupervision = (): Supervision => ({ checks: [], review: null, retries: 0, needsReviewReason: null });

/** Said when a runner's `needs_review` status came without a reason. */
export const NEEDS_REVIEW_TEXT = 'needs review';

/**
 * Folds events (in seq order) into the outcome; null when `current` is null and none of them is about supervision.
 * A later round (a retry after the reviewer's findings) replaces the earlier round's checks and review; an event of
 * an earlier round than the one kept is stale and ignored. A check rerun in the same round replaces its result.
 */
export function foldSupervision(current: Supervision | null, events: readonly ExecutionEvent[]): Supervision | null {
  let state = current;
  for (const event of events) {
    if (event.type === 'check' || event.type === 'review') {
      let next = state ?? noSupervision();
      const { round } = event.data;
      if (round < next.retries) continue;
      if (round > next.retries) next = { ...next, checks: [], review: null, retries: round };
      if (event.type === 'check') {
        const others = next.checks.filter((check) => check.command !== event.data.command);
        next = { ...next, checks: [...others, event.data] };
      } else {
        next = { ...next, review: event.data };
      }
      state = next;
    } else if (event.type === 'status' && event.data.status === 'needs_review') {
      const reason = event.data.reason?.trim() || NEEDS_REVIEW_TEXT;
      state = { ...(state ?? noSupervision()), needsReviewReason: reason };
    }
  }
  return state;
}

/** One line on why the outcome needs a person: the failing checks and a review below its threshold. */
export function supervisionSummary(supervision: Supervision): string {
  const failed = supervision.checks.filter((check) => check.exitCode !== 0);
  const parts = failed.map((check) =>
    check.timedOut === true ? `\`${check.command}\` timed out` : `\`${check.command}\` exited ${check.exitCode}`,
  );
  const { review } = supervision;
  if (review !== null && !review.passed) {
    parts.push(`review ${review.verdict} at ${review.confidence.toFixed(2)} (threshold ${review.threshold})`);
  }
  return parts.join('; ');
}
