// Webhooks and their deliveries in D1: create, read, list, change, delete; a delivery claimed once per (webhook,
// delivery id) by the unique index; the counts the rate limits use; the 72-hour dedupe window. Used by
// routes/webhooks.ts and routes/hooks.ts.
import { and, asc, count, desc, eq, gte, lt, ne, or } from 'drizzle-orm';
import type { Db } from '../client';
import { webhookDeliveries, webhooks } from '../schema';

export type WebhookRow = typeof webhooks.$inferSelect;
export type DeliveryRow = typeof webhookDeliveries.$inferSelect;

/** A delivery id counts as seen for this long. */
export const DEDUPE_WINDOW_MS = 72 * 60 * 60 * 1000;

export async function insertWebhook(db: Db, row: WebhookRow): Promise<WebhookRow | null> {
  const [created] = await db.insert(webhooks).values(row).onConflictDoNothing().returning();
  return created ?? null;
}

export async function getWebhook(db: Db, id: string): Promise<WebhookRow | undefined> {
  const [row] = await db.select().from(webhooks).where(eq(webhooks.id, id));
  return row;
}

export async function getWebhookByName(db: Db, name: string): Promise<WebhookRow | undefined> {
  const [row] = await db.select().from(webhooks).where(eq(webhooks.name, name));
  return row;
}

export async function listWebhooks(db: Db): Promise<WebhookRow[]> {
  return db.select().from(webhooks).orderBy(asc(webhooks.name));
}

export async function updateWebhook(db: Db, id: string, change: Partial<WebhookRow>): Promise<WebhookRow | undefined> {
  const [row] = await db.update(webhooks).set(change).where(eq(webhooks.id, id)).returning();
  return row;
}

export async function deleteWebhook(db: Db, id: string): Promise<boolean> {
  await db.delete(webhookDeliveries).where(eq(webhookDeliveries.webhookId, id));
  const rows = await db.delete(webhooks).where(eq(webhooks.id, id)).returning({ id: webhooks.id });
  return rows.length > 0;
}

/** Deliveries received since `since`, the refused ones aside (the rate limits count these). */
export async function countDeliveriesSince(db: Db, webhookId: string, since: number): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.webhookId, webhookId),
        gte(webhookDeliveries.receivedAt, since),
        ne(webhookDeliveries.outcome, 'rate_limited'),
      ),
    );
  return row?.n ?? 0;
}

/** Stores a delivery unless its id was seen in the window: null means a duplicate. Older rows are pruned first. */
export async function claimDelivery(db: Db, row: DeliveryRow): Promise<DeliveryRow | null> {
  await db
    .delete(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.webhookId, row.webhookId),
        eq(webhookDeliveries.deliveryId, row.deliveryId),
        lt(webhookDeliveries.receivedAt, row.receivedAt - DEDUPE_WINDOW_MS),
      ),
    );
  const [created] = await db.insert(webhookDeliveries).values(row).onConflictDoNothing().returning();
  return created ?? null;
}

export async function finishDelivery(db: Db, id: string, change: Partial<DeliveryRow>): Promise<void> {
  await db.update(webhookDeliveries).set(change).where(eq(webhookDeliveries.id, id));
}

export async function getDelivery(db: Db, webhookId: string, id: string): Promise<DeliveryRow | undefined> {
  const [row] = await db
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.webhookId, webhookId),
        or(eq(webhookDeliveries.id, id), eq(webhookDeliveries.deliveryId, id)),
      ),
    );
  return row;
}

/** Newest first; the cursor is the last row's (receivedAt, id). */
export async function listDeliveries(
  db: Db,
  webhookId: string,
  limit: number,
  before?: { receivedAt: number; id: string },
): Promise<DeliveryRow[]> {
  const where =
    before === undefined
      ? eq(webhookDeliveries.webhookId, webhookId)
      : and(
          eq(webhookDeliveries.webhookId, webhookId),
          or(
            lt(webhookDeliveries.receivedAt, before.receivedAt),
            and(eq(webhookDeliveries.receivedAt, before.receivedAt), lt(webhookDeliveries.id, before.id)),
          ),
        );
  return db
    .select()
    .from(webhookDeliveries)
    .where(where)
    .orderBy(desc(webhookDeliveries.receivedAt), desc(webhookDeliveries.id))
    .limit(limit);
}
