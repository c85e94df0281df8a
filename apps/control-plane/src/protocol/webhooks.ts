// Wire shapes of webhooks (routes/webhooks.ts, routes/hooks.ts): a webhook's rules, the bodies that create and change
// one, and the outcome of a delivery. Used by the control plane, the typed client, the dashboard and the CLI.
import { z } from 'zod';

export const WebhookKind = z.enum(['github', 'jira', 'sentry', 'generic']);
export type WebhookKind = z.infer<typeof WebhookKind>;

export const DeliveryOutcome = z.enum(['created', 'ignored', 'duplicate', 'rejected', 'rate_limited', 'failed']);
export type DeliveryOutcome = z.infer<typeof DeliveryOutcome>;

/** A value from the payload: `$.issue.title` style dotted paths start with `$.`; anything else is a literal. */
const MappedValue = z.string().max(10_000);

/** The webhook's own repository setting: for Sentry and Jira, whose payloads name none. */
const RepoSetting = z.string().trim().min(1).max(500);
const RefSetting = z.string().trim().min(1).max(300);

/** When a rule applies: every given condition must hold. */
export const WebhookWhen = z.strictObject({
  /** The event: GitHub's X-GitHub-Event (issues, pull_request, issue_comment, check_suite), Sentry's resource
   * (issue), Jira's webhookEvent (jira:issue_created), or the generic payload's `event` field. */
  event: z.string().min(1).max(100),
  /** The payload's action (labeled, opened, created…); a list: any of them. */
  action: z.union([z.string().min(1).max(100), z.array(z.string().min(1).max(100)).max(20)]).optional(),
  /** A label the issue or pull request carries (or was just given). */
  label: z.string().min(1).max(200).optional(),
  /** The comment's body starts with this (e.g. `/claude`). */
  commentPrefix: z.string().min(1).max(200).optional(),
  /** The branch (pull request head, check suite head branch, push ref). */
  branch: z.string().min(1).max(300).optional(),
  /** Only these authors (logins); absent with commentPrefix: OWNER, MEMBER or COLLABORATOR association. */
  authors: z.array(z.string().min(1).max(100)).max(200).optional(),
  /** Payload fields that must equal these values (dotted path → value). */
  fields: z.record(z.string().min(1).max(200), z.string().max(1000)).optional(),
});
export type WebhookWhen = z.infer<typeof WebhookWhen>;

export const WebhookRule = z.strictObject({
  name: z.string().min(1).max(100).optional(),
  when: WebhookWhen,
  /** The agent template the matching delivery starts. */
  agent: z.string().min(1).max(100),
  /** Template inputs: each a `$.dotted.path` into the payload, `$webhook.repo` / `$webhook.ref` (the webhook's
   * settings), or a literal string. */
  inputs: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/), MappedValue).default({}),
  /** The execution's repository and base ref (paths or literals), for a worktree. */
  repo: MappedValue.optional(),
  ref: MappedValue.optional(),
});
export type WebhookRule = z.infer<typeof WebhookRule>;

export const WebhookRules = z.array(WebhookRule).max(50);

export const CreateWebhookBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  kind: WebhookKind,
  /** Absent or null: the kind's built-in rules. */
  rules: WebhookRules.nullable().optional(),
  rateLimitPerMinute: z.number().int().min(1).max(10_000).default(60),
  rateLimitPerDay: z.number().int().min(1).max(1_000_000).default(1000),
  enabled: z.boolean().default(true),
  /** The repository runs work on when the payload names none (Sentry, Jira): `$webhook.repo` in rules. */
  repo: RepoSetting.nullable().optional(),
  /** Its base ref (branch, tag or commit): `$webhook.ref`. */
  ref: RefSetting.nullable().optional(),
});
export type CreateWebhookBody = z.infer<typeof CreateWebhookBody>;

export const PatchWebhookBody = z.strictObject({
  name: z.string().trim().min(1).max(100).optional(),
  rules: WebhookRules.nullable().optional(),
  rateLimitPerMinute: z.number().int().min(1).max(10_000).optional(),
  rateLimitPerDay: z.number().int().min(1).max(1_000_000).optional(),
  enabled: z.boolean().optional(),
  /** null clears it. */
  repo: RepoSetting.nullable().optional(),
  ref: RefSetting.nullable().optional(),
  /** A new secret, returned once in this answer. */
  rotateSecret: z.boolean().optional(),
});
export type PatchWebhookBody = z.infer<typeof PatchWebhookBody>;

export const Webhook = z.object({
  id: z.string(),
  name: z.string(),
  kind: WebhookKind,
  /** POST here (absolute, from the request's origin). */
  endpoint: z.string(),
  /** The webhook's own rules, or the built-in ones when `builtinRules`. */
  rules: WebhookRules,
  builtinRules: z.boolean(),
  rateLimitPerMinute: z.number().int(),
  rateLimitPerDay: z.number().int(),
  /** The repository and base ref settings (`$webhook.repo`, `$webhook.ref` in rules). */
  repo: z.string().nullable(),
  ref: z.string().nullable(),
  /** Deliveries counted against the limits now. */
  usage: z.object({ lastMinute: z.number().int(), lastDay: z.number().int() }),
  enabled: z.boolean(),
  lastDeliveryAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Only in the answer that creates the webhook or rotates its secret. */
  secret: z.string().optional(),
});
export type Webhook = z.infer<typeof Webhook>;

export const WebhookPage = z.object({ items: z.array(Webhook) });

export const WebhookDelivery = z.object({
  id: z.string(),
  webhookId: z.string(),
  deliveryId: z.string(),
  receivedAt: z.string(),
  event: z.string().nullable(),
  action: z.string().nullable(),
  verified: z.boolean(),
  outcome: DeliveryOutcome,
  reason: z.string().nullable(),
  ruleIndex: z.number().int().nullable(),
  ruleName: z.string().nullable(),
  executionId: z.string().nullable(),
  redeliveryOf: z.string().nullable(),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.string().nullable().optional(),
});
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;

export const WebhookDeliveryPage = z.object({ items: z.array(WebhookDelivery), nextCursor: z.string().nullable() });

export const ListDeliveriesQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** The `nextCursor` of the page before. */
  cursor: z.string().max(100).optional(),
});

/** What POST /hooks/:id answers. */
export const DeliveryResult = z.object({
  deliveryId: z.string(),
  outcome: DeliveryOutcome,
  executionId: z.string().optional(),
  reason: z.string().optional(),
  duplicate: z.boolean().optional(),
});
export type DeliveryResult = z.infer<typeof DeliveryResult>;
