// /api/v1/webhooks: webhook endpoints, their rules and deliveries (redeliver). The secret is shown once, when the
// webhook is made or its secret rotated. Used by the dashboard, the CLI and outside clients.
import { Hono } from 'hono';
import { z } from 'zod';
import { createDb, type Db } from '../db/client';
import {
  countDeliveriesSince,
  deleteWebhook,
  getDelivery,
  getWebhook,
  getWebhookByName,
  insertWebhook,
  listDeliveries,
  listWebhooks,
  updateWebhook,
  type DeliveryRow,
  type WebhookRow,
} from '../db/queries/webhooks';
import type { AppEnv } from '../env';
import { AppError } from '../errors';
import { newWebhookId } from '../lib/ids';
import { toIso, toIsoOrNull } from '../lib/time';
import { requireAdmin } from '../middleware/auth';
import { jsonBody, params, query } from '../middleware/validate';
import { doc } from '../openapi/describe';
import {
  CreateWebhookBody,
  DeliveryResult,
  ListDeliveriesQuery,
  PatchWebhookBody,
  Webhook,
  WebhookDelivery,
  WebhookDeliveryPage,
  WebhookPage,
  type DeliveryOutcome,
  type WebhookKind,
} from '../protocol';
import { deliver, rulesOf } from '../webhooks/deliver';
import { newWebhookSecret } from '../webhooks/signatures';

const IdParams = z.strictObject({ id: z.string().min(1).max(100) });
const DeliveryParams = z.strictObject({ id: z.string().min(1).max(100), deliveryId: z.string().min(1).max(200) });

async function mustGet(db: Db, idOrName: string): Promise<WebhookRow> {
  const row = (await getWebhook(db, idOrName)) ?? (await getWebhookByName(db, idOrName));
  if (row === undefined) throw new AppError('NOT_FOUND', `webhook ${idOrName} does not exist`);
  return row;
}

async function toWebhook(db: Db, row: WebhookRow, origin: string, secret?: string): Promise<Webhook> {
  const now = Date.now();
  return {
    id: row.id,
    name: row.name,
    kind: row.kind as WebhookKind,
    endpoint: `${origin}/hooks/${row.id}`,
    rules: rulesOf(row),
    builtinRules: row.rules === null,
    rateLimitPerMinute: row.rateLimitPerMinute,
    rateLimitPerDay: row.rateLimitPerDay,
    repo: row.repo,
    ref: row.ref,
    usage: {
      lastMinute: await countDeliveriesSince(db, row.id, now - 60_000),
      lastDay: await countDeliveriesSince(db, row.id, now - 86_400_000),
    },
    enabled: row.enabled,
    lastDeliveryAt: toIsoOrNull(row.lastDeliveryAt),
    createdAt: toIso(row.createdAt),
    updatedAt: toIso(row.updatedAt),
    ...(secret === undefined ? {} : { secret }),
  };
}

function toDelivery(row: DeliveryRow, full: boolean): WebhookDelivery {
  return {
    id: row.id,
    webhookId: row.webhookId,
    deliveryId: row.deliveryId,
    receivedAt: toIso(row.receivedAt),
    event: row.event,
    action: row.action,
    verified: row.verified,
    outcome: row.outcome as DeliveryOutcome,
    reason: row.reason,
    ruleIndex: row.ruleIndex,
    ruleName: row.ruleName,
    executionId: row.executionId,
    redeliveryOf: row.redeliveryOf,
    ...(full ? { headers: row.headers ?? {}, body: row.body } : {}),
  };
}

const originOf = (url: string) => new URL(url).origin;

export const webhooksRoutes = new Hono<AppEnv>()
  .post(
    '/',
    doc({
      summary: 'Create a webhook',
      description:
        'Its endpoint (POST /hooks/:id) and secret are in the answer; the secret is shown this once. Without ' +
        '`rules`, the kind’s built-in rules apply. A 409 when the name is taken.',
      responses: { 201: { description: 'The webhook, with its secret', schema: Webhook } },
    }),
    requireAdmin,
    jsonBody(CreateWebhookBody),
    async (c) => {
      const body = c.req.valid('json');
      const db = createDb(c.env.DB);
      const now = Date.now();
      const secret = newWebhookSecret();
      const row = await insertWebhook(db, {
        id: newWebhookId(now),
        name: body.name,
        kind: body.kind,
        secret,
        rules: body.rules ?? null,
        rateLimitPerMinute: body.rateLimitPerMinute,
        rateLimitPerDay: body.rateLimitPerDay,
        repo: body.repo ?? null,
        ref: body.ref ?? null,
        enabled: body.enabled,
        lastDeliveryAt: null,
        createdAt: now,
        updatedAt: now,
      });
      if (row === null) throw new AppError('CONFLICT', `a webhook named ${body.name} already exists`);
      return c.json(await toWebhook(db, row, originOf(c.req.url), secret), 201);
    },
  )
  .get(
    '/',
    doc({
      summary: 'List webhooks',
      responses: { 200: { description: 'The webhooks, by name', schema: WebhookPage } },
    }),
    requireAdmin,
    async (c) => {
      const db = createDb(c.env.DB);
      const rows = await listWebhooks(db);
      const origin = originOf(c.req.url);
      return c.json({ items: await Promise.all(rows.map((row) => toWebhook(db, row, origin))) });
    },
  )
  .get(
    '/:id',
    doc({
      summary: 'Read a webhook',
      description: 'By id or name; its rules, limits and current usage (never its secret).',
      responses: { 200: { description: 'The webhook', schema: Webhook } },
    }),
    requireAdmin,
    params(IdParams),
    async (c) => {
      const db = createDb(c.env.DB);
      return c.json(await toWebhook(db, await mustGet(db, c.req.valid('param').id), originOf(c.req.url)));
    },
  )
  .patch(
    '/:id',
    doc({
      summary: 'Change a webhook',
      description:
        'Name, rules (null: the built-in ones), limits, enabled, repo and ref (null clears them); ' +
        '`rotateSecret: true` returns a new secret once.',
      responses: { 200: { description: 'The webhook', schema: Webhook } },
    }),
    requireAdmin,
    params(IdParams),
    jsonBody(PatchWebhookBody),
    async (c) => {
      const db = createDb(c.env.DB);
      const row = await mustGet(db, c.req.valid('param').id);
      const { rotateSecret, ...change } = c.req.valid('json');
      if (change.name !== undefined && change.name !== row.name && (await getWebhookByName(db, change.name)))
        throw new AppError('CONFLICT', `a webhook named ${change.name} already exists`);
      const secret = rotateSecret === true ? newWebhookSecret() : undefined;
      const updated = await updateWebhook(db, row.id, {
        ...Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)),
        ...(secret === undefined ? {} : { secret }),
        updatedAt: Date.now(),
      });
      if (updated === undefined) throw new AppError('NOT_FOUND', `webhook ${row.id} does not exist`);
      return c.json(await toWebhook(db, updated, originOf(c.req.url), secret));
    },
  )
  .delete(
    '/:id',
    doc({
      summary: 'Delete a webhook',
      description: 'And its deliveries; its endpoint answers 404 from now on.',
      responses: { 200: { description: 'Deleted', schema: z.object({ deleted: z.literal(true) }) } },
    }),
    requireAdmin,
    params(IdParams),
    async (c) => {
      const db = createDb(c.env.DB);
      const row = await mustGet(db, c.req.valid('param').id);
      await deleteWebhook(db, row.id);
      return c.json({ deleted: true as const });
    },
  )
  .get(
    '/:id/deliveries',
    doc({
      summary: 'List a webhook’s deliveries',
      description: 'Newest first, each with its outcome, the rule that matched and the execution it started.',
      responses: { 200: { description: 'A page of deliveries', schema: WebhookDeliveryPage } },
    }),
    requireAdmin,
    params(IdParams),
    query(ListDeliveriesQuery),
    async (c) => {
      const db = createDb(c.env.DB);
      const row = await mustGet(db, c.req.valid('param').id);
      const { limit, cursor } = c.req.valid('query');
      let before: { receivedAt: number; id: string } | undefined;
      if (cursor !== undefined) {
        const dot = cursor.indexOf('.');
        const at = cursor.slice(0, dot);
        const id = cursor.slice(dot + 1);
        if (dot < 1 || id === '' || !/^\d+$/.test(at))
          throw new AppError('BAD_REQUEST', 'cursor is not one this API gave');
        before = { receivedAt: Number(at), id };
      }
      const rows = await listDeliveries(db, row.id, limit + 1, before);
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return c.json({
        items: page.map((d) => toDelivery(d, false)),
        nextCursor: rows.length > limit && last !== undefined ? `${last.receivedAt}.${last.id}` : null,
      });
    },
  )
  .get(
    '/:id/deliveries/:deliveryId',
    doc({
      summary: 'Read a delivery',
      description: 'By its row id or the sender’s delivery id, with the kept headers and body.',
      responses: { 200: { description: 'The delivery', schema: WebhookDelivery } },
    }),
    requireAdmin,
    params(DeliveryParams),
    async (c) => {
      const db = createDb(c.env.DB);
      const { id, deliveryId } = c.req.valid('param');
      const row = await mustGet(db, id);
      const delivery = await getDelivery(db, row.id, deliveryId);
      if (delivery === undefined) throw new AppError('NOT_FOUND', `delivery ${deliveryId} does not exist`);
      return c.json(toDelivery(delivery, true));
    },
  )
  .post(
    '/:id/deliveries/:deliveryId/redeliver',
    doc({
      summary: 'Redeliver a delivery',
      description:
        'Runs the stored delivery through the rules again, as a new delivery that names the one it redelivers.',
      responses: { 201: { description: 'The new delivery and its outcome', schema: DeliveryResult } },
    }),
    requireAdmin,
    params(DeliveryParams),
    async (c) => {
      const db = createDb(c.env.DB);
      const { id, deliveryId } = c.req.valid('param');
      const row = await mustGet(db, id);
      const delivery = await getDelivery(db, row.id, deliveryId);
      if (delivery === undefined) throw new AppError('NOT_FOUND', `delivery ${deliveryId} does not exist`);
      if (delivery.body === null) throw new AppError('CONFLICT', `delivery ${deliveryId} kept no body to redeliver`);
      const now = Date.now();
      const answer = await deliver(
        c.env,
        row,
        {
          deliveryId: `redeliver-${delivery.id}-${now}`,
          headers: new Headers(delivery.headers ?? {}),
          body: delivery.body,
          redeliveryOf: delivery.id,
        },
        now,
      );
      if (answer.retryAfter !== undefined) c.header('Retry-After', String(answer.retryAfter));
      return c.json(answer.body, answer.status);
    },
  );
