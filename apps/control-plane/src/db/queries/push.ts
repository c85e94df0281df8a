// Web Push rows: browser subscriptions (by endpoint) with their delivery failures, and the generated settings (the
// VAPID key pair). Used by routes/push.ts and notify/.
import { and, count, desc, eq, gt, sql } from 'drizzle-orm';
import { toIso } from '../../lib/time';
import type { PushSubscriptionView, PushTopic } from '../../protocol';
import type { Db } from '../client';
import { pushSubscriptions, settings } from '../schema';

export type PushSubscriptionRow = typeof pushSubscriptions.$inferSelect;

/** Creates or replaces the subscription of `endpoint` (a browser renewing it keeps the endpoint, new keys);
 * a replaced one starts with a clean failure count. True if it was new. */
export async function upsertPushSubscription(
  db: Db,
  row: Pick<PushSubscriptionRow, 'endpoint' | 'p256dh' | 'auth' | 'topics' | 'createdAt'>,
): Promise<boolean> {
  const existed = await db
    .select({ endpoint: pushSubscriptions.endpoint })
    .from(pushSubscriptions)
    .where(eq(pushSubscriptions.endpoint, row.endpoint))
    .get();
  await db
    .insert(pushSubscriptions)
    .values(row)
    .onConflictDoUpdate({
      target: pushSubscriptions.endpoint,
      set: { p256dh: row.p256dh, auth: row.auth, topics: row.topics, failures: 0, lastError: null },
    });
  return existed === undefined;
}

export async function countPushSubscriptions(db: Db): Promise<number> {
  const row = await db.select({ n: count() }).from(pushSubscriptions).get();
  return row?.n ?? 0;
}

/** Newest first, at most `limit`. */
export function listPushSubscriptions(db: Db, limit: number): Promise<PushSubscriptionRow[]> {
  return db
    .select()
    .from(pushSubscriptions)
    .orderBy(desc(pushSubscriptions.createdAt), desc(pushSubscriptions.endpoint))
    .limit(limit);
}

/** True if there was such a subscription. */
export async function deletePushSubscription(db: Db, endpoint: string): Promise<boolean> {
  const deleted = await db
    .delete(pushSubscriptions)
    .where(eq(pushSubscriptions.endpoint, endpoint))
    .returning({ endpoint: pushSubscriptions.endpoint });
  return deleted.length === 1;
}

/** The subscriptions that want `topic`: one query, and usually an empty answer (nobody subscribed). */
export function subscriptionsFor(db: Db, topic: PushTopic, limit: number): Promise<PushSubscriptionRow[]> {
  return db
    .select()
    .from(pushSubscriptions)
    .where(sql`EXISTS (SELECT 1 FROM json_each(${pushSubscriptions.topics}) WHERE json_each.value = ${topic})`)
    .limit(limit);
}

/** A send failed (not for good): counted, with what the push service said; returns the count so far. */
export async function recordPushFailure(db: Db, endpoint: string, error: string): Promise<number> {
  const [row] = await db
    .update(pushSubscriptions)
    .set({ failures: sql`${pushSubscriptions.failures} + 1`, lastError: error.slice(0, 500) })
    .where(eq(pushSubscriptions.endpoint, endpoint))
    .returning({ failures: pushSubscriptions.failures });
  return row?.failures ?? 0;
}

/** A send went through: failures are counted in a row, so the count starts again (a write only after failures). */
export async function clearPushFailures(db: Db, endpoint: string): Promise<void> {
  await db
    .update(pushSubscriptions)
    .set({ failures: 0, lastError: null })
    .where(and(eq(pushSubscriptions.endpoint, endpoint), gt(pushSubscriptions.failures, 0)));
}

export function toPushSubscriptionView(
  row: Pick<PushSubscriptionRow, 'endpoint' | 'topics' | 'createdAt'>,
): PushSubscriptionView {
  return { endpoint: row.endpoint, topics: row.topics, createdAt: toIso(row.createdAt) };
}

export async function getSetting(db: Db, key: string): Promise<Record<string, unknown> | undefined> {
  const row = await db.select({ value: settings.value }).from(settings).where(eq(settings.key, key)).get();
  return row?.value;
}

/** Stores `value` unless the key is set; returns the stored value either way (the first writer's). */
export async function insertSettingOnce(
  db: Db,
  key: string,
  value: Record<string, unknown>,
  now: number,
): Promise<Record<string, unknown>> {
  await db.insert(settings).values({ key, value, createdAt: now }).onConflictDoNothing();
  const stored = await getSetting(db, key);
  if (stored === undefined) throw new Error(`setting ${key} was not stored`);
  return stored;
}
