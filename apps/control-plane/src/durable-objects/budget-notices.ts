// Delivers what a BudgetGuard owes one execution: each alert (and, for a hard limit, the cancel after it) through
// the execution's hub, retried with backoff when a call fails. Used by budget-guard.ts.
import { hubOf } from '../lib/stubs';
import type { BudgetScope, CancelReason, OnHardLimit } from '../protocol/common';
import type { EventData } from '../protocol/events';
import type { BudgetStore, Notice } from './budget-store';

/** What the guard asks of an execution's hub. Typed here, not from the hub's class, so that the guard depends on
 * these two calls only. */
type HubNotices = {
  alert(executionId: string, alert: EventData<'budget.alert'>): Promise<void>;
  cancel(executionId: string, reason: CancelReason): Promise<void>;
  pause(executionId: string, reason: 'budget', message: string | null): Promise<unknown>;
};

/** A notice is first tried at once; this is when the alarm tries it again if that attempt is lost. */
export const FIRST_RETRY_MS = 2_000;
const MAX_RETRY_MS = 60_000;
/** After this many failed tries (about half an hour) a notice is given up, with an error in the log. */
const MAX_ATTEMPTS = 32;

/** One execution's notices in order, soft before hard, so the alert explains the cancel that follows it. The
 * alert and the cancel are tried independently: a hub that cannot take the alert is still cancelled. */
export async function deliverNotices(
  env: Env,
  store: BudgetStore,
  scope: BudgetScope,
  notices: readonly Notice[],
  now: number,
  onHardLimit: OnHardLimit = 'cancel',
): Promise<void> {
  for (const notice of notices) {
    const { executionId, alertId, level, limitUsd, spentUsd } = notice;
    const hub = hubOf(env, executionId) as unknown as HubNotices;
    let failed = false;
    if (notice.alertDue) {
      try {
        await hub.alert(executionId, { scope, level, spentUsd, limitUsd, alertId });
        store.delivered(notice, 'alert');
      } catch (err) {
        failed = true;
        console.error(`BudgetGuard ${scope}: alert ${alertId} to ${executionId} failed`, err);
      }
    }
    if (notice.cancelDue) {
      try {
        // A budget in pause mode pauses instead: raising the limit (or a person) lets the execution go on.
        if (onHardLimit === 'pause') {
          await hub.pause(executionId, 'budget', `budget ${scope}: hard limit $${limitUsd.toFixed(2)} reached`);
        } else await hub.cancel(executionId, 'budget');
        store.delivered(notice, 'cancel');
      } catch (err) {
        failed = true;
        console.error(`BudgetGuard ${scope}: cancelling ${executionId} failed`, err);
      }
    }
    if (!failed) continue;
    if (notice.attempts + 1 >= MAX_ATTEMPTS) {
      console.error(`BudgetGuard ${scope}: giving up on ${alertId} for ${executionId} after ${MAX_ATTEMPTS} tries`);
      store.delivered(notice, 'alert');
      store.delivered(notice, 'cancel');
    } else {
      store.retryLater(notice, now + Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** notice.attempts));
    }
  }
}
