// /hooks/:id: where GitHub, Jira, Sentry and generic senders deliver. Outside /api/*: no token; the signature (HMAC
// of the raw body with the webhook's secret) is checked first, before anything is parsed or stored. Then the
// delivery id, dedupe, rate limits and rules (webhooks/deliver.ts). Its own body limit (1 MiB).
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import { createDb } from '../db/client';
import { getWebhook } from '../db/queries/webhooks';
import type { AppEnv } from '../env';
import { AppError } from '../errors';
import { params } from '../middleware/validate';
import { doc } from '../openapi/describe';
import { DeliveryResult, type WebhookKind } from '../protocol';
import { deliver } from '../webhooks/deliver';
import { DELIVERY_HEADER, verifySignature } from '../webhooks/signatures';

export const MAX_HOOK_BODY_BYTES = 1024 * 1024;

export const hooksRoutes = new Hono<AppEnv>().post(
  '/:id',
  doc({
    summary: 'Receive a webhook delivery',
    description:
      'Signed with the webhook’s secret (GitHub `X-Hub-Signature-256`, Sentry `Sentry-Hook-Signature`, Jira ' +
      '`X-Hub-Signature`, generic `X-ClaudeOps-Signature: t=<unix>,v1=<hex>` of "<t>.<body>"): a bad or missing ' +
      'signature is a 401 and nothing is stored. A replayed delivery id answers 200 `{ duplicate: true }`; over the ' +
      'rate limit a 429 with Retry-After. A matching rule starts a sandboxed execution (201); otherwise 202 says why.',
    responses: { 201: { description: 'The delivery and its outcome', schema: DeliveryResult } },
  }),
  params(z.strictObject({ id: z.string().min(1).max(64) })),
  // Counts the bytes as they stream in, so a chunked body without Content-Length is cut at the limit too.
  bodyLimit({
    maxSize: MAX_HOOK_BODY_BYTES,
    onError: () => {
      throw new AppError('PAYLOAD_TOO_LARGE', 'a delivery may be at most 1 MiB');
    },
  }),
  async (c) => {
    const hook = await getWebhook(createDb(c.env.DB), c.req.valid('param').id);
    if (hook === undefined) throw new AppError('NOT_FOUND', `webhook ${c.req.valid('param').id} does not exist`);
    if (!hook.enabled) throw new AppError('FORBIDDEN', `webhook ${hook.name} is disabled`);
    const raw = new Uint8Array(await c.req.arrayBuffer());
    const kind = hook.kind as WebhookKind;
    const check = await verifySignature(kind, hook.secret, c.req.raw.headers, raw);
    if (!check.ok) throw new AppError('UNAUTHORIZED', check.reason);
    const deliveryId = c.req.header(DELIVERY_HEADER[kind])?.trim();
    if (deliveryId === undefined || deliveryId === '' || deliveryId.length > 200)
      throw new AppError('BAD_REQUEST', `missing ${DELIVERY_HEADER[kind]} delivery id header`);
    const answer = await deliver(c.env, hook, {
      deliveryId,
      headers: c.req.raw.headers,
      body: new TextDecoder().decode(raw),
    });
    if (answer.retryAfter !== undefined) c.header('Retry-After', String(answer.retryAfter));
    return c.json(answer.body, answer.status);
  },
);
