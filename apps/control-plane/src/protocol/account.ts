// HTTP API v1: who is signed in (GET /api/v1/me), the admin token's rotation (/api/v1/admin-token) and Web Push
// subscriptions (/api/v1/push).
import { z } from 'zod';
import { IsoTime } from './common';

/** GET /api/v1/me: who the request is from (the dashboard shows it; the audit log records `actor`). */
export const Me = z.object({
  /** `admin` (API token), `dashboard` (a session), or the Cloudflare Access identity's email. */
  actor: z.string(),
  via: z.enum(['bearer', 'session', 'access']),
});
export type Me = z.infer<typeof Me>;

/** POST /api/v1/admin-token/rotate takes no fields: an empty body or `{}`. */
export const RotateAdminTokenBody = z.strictObject({});
/** The new admin token, shown this once (only its hash is stored); the old one and every session end with it. */
export const RotatedAdminToken = z.object({ token: z.string() });
export type RotatedAdminToken = z.infer<typeof RotatedAdminToken>;

/** What a device can be notified of: an approval needed, an execution finished or failed, a budget alert. */
/** `attention`: an execution paused (a breakpoint, a budget in pause mode) or needs a person's review. */
export const PUSH_TOPICS = ['approval', 'finished', 'failed', 'budget', 'attention'] as const;
export const PushTopic = z.enum(PUSH_TOPICS);
export type PushTopic = z.infer<typeof PushTopic>;

/** Bytes that unpadded base64url of `length` characters decodes to; null for a length no encoding has. */
function base64UrlBytes(text: string): number | null {
  const bare = text.replace(/=+$/, '');
  if (bare.length % 4 === 1) return null;
  // Padding, when present, must complete the last group of four.
  if (bare.length !== text.length && text.length % 4 !== 0) return null;
  return Math.floor((bare.length * 3) / 4);
}

/** base64url (padding optional) of exactly `bytes` bytes, checked by arithmetic so no decoder can throw later. */
const Base64UrlOf = (bytes: number, what: string) =>
  z
    .string()
    .max(500)
    .regex(/^[A-Za-z0-9_-]+={0,2}$/, 'must be base64url')
    .refine((v) => base64UrlBytes(v) === bytes, { message: `must be base64url of ${what} (${bytes} bytes)` });

/** An uncompressed P-256 public key: 0x04 then x and y, 65 bytes; base64url of a leading 0x04 starts with `B`. */
const P256PublicKey = Base64UrlOf(65, 'an uncompressed P-256 public key').refine((v) => v.startsWith('B'), {
  message: 'must be an uncompressed P-256 public key (its first byte 0x04)',
});

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
  keys: z.strictObject({ p256dh: P256PublicKey, auth: Base64UrlOf(16, 'a 16-byte secret') }),
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
