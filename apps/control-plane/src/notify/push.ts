// Sends a notification to every browser subscribed to its topic: Web Push (RFC 8030), the payload encrypted with
// aes128gcm (RFC 8291) and signed with VAPID (RFC 8292). Never throws: callers run it with waitUntil and move on.
// Used by the ExecutionHub (approvals, executions ending) and the BudgetGuard (budget alerts).
import { encryptNotification } from '@block65/webcrypto-web-push';
import { createDb, type Db } from '../db/client';
import {
  clearPushFailures,
  deletePushSubscription,
  recordPushFailure,
  subscriptionsFor,
  type PushSubscriptionRow,
} from '../db/queries/push';
import type { PushPayload, PushTopic } from '../protocol';
import { vapidAuthorization, vapidKeys, vapidSubject, type VapidKeys } from './vapid';

/** How long a push service keeps a message for a device that is offline, and how eagerly it delivers it. */
const DELIVERY: Record<PushTopic, { ttl: number; urgency: 'high' | 'normal' | 'low' }> = {
  approval: { ttl: 24 * 60 * 60, urgency: 'high' },
  budget: { ttl: 24 * 60 * 60, urgency: 'normal' },
  failed: { ttl: 6 * 60 * 60, urgency: 'normal' },
  finished: { ttl: 60 * 60, urgency: 'low' },
  attention: { ttl: 24 * 60 * 60, urgency: 'high' },
};
/** Devices are few; this bounds one notification's work whatever the table holds. */
export const MAX_SUBSCRIPTIONS = 100;
/** Sends that fail in a row (not a 404/410, which drop it at once) before a subscription is dropped. */
const MAX_FAILURES = 10;
const SEND_TIMEOUT_MS = 10_000;

/** Notifies every subscription of `payload.topic`; resolves when all sends are done, whatever happened. */
export async function notify(env: Env, payload: PushPayload): Promise<void> {
  try {
    const db = createDb(env.DB);
    // The one query on the hot path's behalf; most of the time nobody is subscribed and this is all.
    const subscriptions = await subscriptionsFor(db, payload.topic, MAX_SUBSCRIPTIONS);
    if (subscriptions.length === 0) return;
    const keys = await vapidKeys(env, db);
    const subject = vapidSubject(env);
    const plaintext = new TextEncoder().encode(JSON.stringify(payload));
    await Promise.all(subscriptions.map((row) => sendOne(db, { keys, subject }, row, payload.topic, plaintext)));
  } catch (err) {
    console.error(`web push: notifying ${payload.topic} (${payload.tag}) failed`, err);
  }
}

async function sendOne(
  db: Db,
  vapid: { keys: VapidKeys; subject: string },
  row: PushSubscriptionRow,
  topic: PushTopic,
  plaintext: Uint8Array,
): Promise<void> {
  const { endpoint } = row;
  let error: string;
  try {
    const body = await encryptNotification(
      { endpoint, expirationTime: null, keys: { p256dh: row.p256dh, auth: row.auth } },
      plaintext,
    );
    const { ttl, urgency } = DELIVERY[topic];
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        authorization: await vapidAuthorization(endpoint, vapid.keys, vapid.subject),
        'content-encoding': 'aes128gcm',
        'content-type': 'application/octet-stream',
        ttl: String(ttl),
        urgency,
      },
      body,
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
    });
    const text = response.ok ? '' : await response.text().catch(() => '');
    if (response.ok) {
      await response.body?.cancel();
      await clearPushFailures(db, endpoint);
      return;
    }
    if (response.status === 404 || response.status === 410) {
      // The browser unsubscribed or the subscription expired: it will never work again.
      await deletePushSubscription(db, endpoint);
      return;
    }
    error = `${response.status} ${text}`.trim();
  } catch (err) {
    error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  }
  console.warn(`web push: sending to ${new URL(endpoint).origin} failed: ${error.slice(0, 200)}`);
  if ((await recordPushFailure(db, endpoint, error)) >= MAX_FAILURES) await deletePushSubscription(db, endpoint);
}
