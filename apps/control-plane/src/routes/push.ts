// /api/v1/push: Web Push for the dashboard. The VAPID public key a browser subscribes with, and the subscriptions
// (one per browser, by endpoint) with the topics each wants. Sending lives in notify/push.ts.
import { Hono } from 'hono';
import type { z } from 'zod';
import { createDb } from '../db/client';
import {
  countPushSubscriptions,
  deletePushSubscription,
  listPushSubscriptions,
  toPushSubscriptionView,
  upsertPushSubscription,
} from '../db/queries/push';
import type { AppEnv } from '../env';
import { AppError } from '../errors';
import { decodeBase64Url } from '../lib/base64url';
import { requireAdmin } from '../middleware/auth';
import { jsonBody } from '../middleware/validate';
import { MAX_SUBSCRIPTIONS } from '../notify/push';
import { vapidKeys } from '../notify/vapid';
import { doc } from '../openapi/describe';
import {
  DeletePushSubscriptionBody,
  PushSubscriptionBody,
  PushSubscriptionPage,
  PushSubscriptionView,
  VapidKey,
} from '../protocol';

/** The keys must be what RFC 8291 encrypts to: the schema checked their sizes; the point must also lie on P-256,
 * or every later send would fail to import it. */
async function assertKeys(keys: { p256dh: string; auth: string }): Promise<void> {
  try {
    await crypto.subtle.importKey('raw', decodeBase64Url(keys.p256dh), { name: 'ECDH', namedCurve: 'P-256' }, true, []);
  } catch {
    throw new AppError('BAD_REQUEST', 'body.keys.p256dh: must be a point on the P-256 curve');
  }
}

export const pushRoutes = new Hono<AppEnv>()
  .get(
    '/vapid',
    doc({
      summary: 'The VAPID public key a browser subscribes with',
      responses: { 200: { description: 'The key (base64url)', schema: VapidKey } },
    }),
    requireAdmin,
    async (c) => {
      const { publicKey } = await vapidKeys(c.env, createDb(c.env.DB));
      return c.json({ publicKey } satisfies z.infer<typeof VapidKey>);
    },
  )

  .post(
    '/subscriptions',
    doc({
      summary: 'Subscribe a browser to Web Push',
      description: 'One per browser, by endpoint, with the topics it wants. A 409 past the limit of subscriptions.',
      responses: {
        201: { description: 'A new subscription', schema: PushSubscriptionView },
        200: { description: 'A renewed subscription (same endpoint)', schema: PushSubscriptionView },
      },
    }),
    requireAdmin,
    jsonBody(PushSubscriptionBody),
    async (c) => {
      const db = createDb(c.env.DB);
      const { endpoint, keys, topics } = c.req.valid('json');
      await assertKeys(keys);
      const row = {
        endpoint,
        p256dh: keys.p256dh,
        auth: keys.auth,
        topics: [...new Set(topics)],
        createdAt: Date.now(),
      };
      // Checked before the upsert, so a renewal at the limit still goes through; two racing new ones may pass it.
      if ((await countPushSubscriptions(db)) >= MAX_SUBSCRIPTIONS) {
        const known = (await listPushSubscriptions(db, MAX_SUBSCRIPTIONS)).some((s) => s.endpoint === endpoint);
        if (!known) {
          throw new AppError('CONFLICT', `at most ${MAX_SUBSCRIPTIONS} push subscriptions; delete an unused one first`);
        }
      }
      const created = await upsertPushSubscription(db, row);
      return c.json(toPushSubscriptionView(row), created ? 201 : 200);
    },
  )

  .get(
    '/subscriptions',
    doc({
      summary: 'List push subscriptions',
      responses: { 200: { description: 'Every subscription', schema: PushSubscriptionPage } },
    }),
    requireAdmin,
    async (c) => {
      const rows = await listPushSubscriptions(createDb(c.env.DB), MAX_SUBSCRIPTIONS);
      return c.json({ items: rows.map(toPushSubscriptionView), nextCursor: null } satisfies z.infer<
        typeof PushSubscriptionPage
      >);
    },
  )

  .delete(
    '/subscriptions',
    doc({ summary: 'Unsubscribe a browser', responses: { 204: { description: 'Forgotten' } } }),
    requireAdmin,
    jsonBody(DeletePushSubscriptionBody),
    async (c) => {
      const { endpoint } = c.req.valid('json');
      if (!(await deletePushSubscription(createDb(c.env.DB), endpoint))) {
        throw new AppError('NOT_FOUND', 'no push subscription has this endpoint');
      }
      return c.body(null, 204);
    },
  );
