// HTTP API v1: who is signed in (GET /api/v1/me) and Web Push subscriptions (/api/v1/push).
import { z } from 'zod';
import { IsoTime } from './common';

/** GET /api/v1/me: who the request is from (the dashboard shows it; the audit log records `actor`). */
export const Me = z.object({
  /** `admin` (API token), `dashboard` (a session), or the Cloudflare Access identity's email. */
  actor: z.string(),
  via: z.enum(['bearer', 'session', 'access']),
});
export type Me = z.infer<typeof Me>;

/** What a device can be notified of: an approval needed, an execution finished or failed, a budget alert. */
export const PUSH_TOPICS = ['approval', 'finished', 'failed', 'budget'] as const;
export const PushTopic = z.enum(PUSH_TOPICS);
export type PushTopic = z.infer<typeof PushTopic>;

const Base64Url = z
  .string()
  .min(1)
  .max(500)
  .regex(/^[A-Za-z0-9_-]+={0,2}$/, 'must be base64url');

/** GET /api/v1/push/vapid: the application server key a browser subscribes with (base64url, uncompressed P-256). */
export const VapidKey = z.object({ publicKey: z.string() });

/** POST /api/v1/push/subscriptions: a browser's PushSubscription (its toJSON()) and the topics it wants. */
export const PushSubscriptionBody = z.strictObject({
  endpoint: z
    .url({ protocol: /^https?$/ })
    .max(2000)
    .refine((v) => v.startsWith('https://') || /^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(v), {
      message: 'a push endpoint must be https',
    }),
  expirationTime: z.number().nullable().optional(),
  keys: z.strictObject({ p256dh: Base64Url, auth: Base64Url }),
  topics: z
    .array(PushTopic)
    .min(1)
    .max(PUSH_TOPICS.length)
    .default([...PUSH_TOPICS]),
});
export type PushSubscriptionBody = z.infer<typeof PushSubscriptionBody>;

export const PushSubscriptionView = z.object({
  endpoint: z.string(),
  topics: z.array(PushTopic),
  createdAt: IsoTime,
});
export type PushSubscriptionView = z.infer<typeof PushSubscriptionView>;

/** DELETE /api/v1/push/subscriptions: the endpoint to forget. */
export const DeletePushSubscriptionBody = z.strictObject({ endpoint: z.string().min(1).max(2000) });

/** The JSON a push message carries (encrypted, RFC 8291); the service worker shows it as a notification. */
export const PushPayload = z.object({
  topic: PushTopic,
  title: z.string(),
  body: z.string(),
  /** Dashboard path to open on click: /executions/ex_…, /approvals… */
  url: z.string(),
  /** Collapses repeated notifications about the same thing. */
  tag: z.string(),
});
export type PushPayload = z.infer<typeof PushPayload>;
