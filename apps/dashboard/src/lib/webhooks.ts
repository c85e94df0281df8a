// Page logic of /webhooks: a delivery's outcome and reason in words, a limit beside its current usage, the create
// form turned into a POST /api/v1/webhooks body, the limits form into a PATCH body, a rule's conditions in words,
// and the deliveries' paging (pages of cursors, back and forward). Used by routes/webhooks/**; tested in
// webhooks.test.ts.
import type { DeliveryOutcome, WebhookDelivery, WebhookKind, WebhookRule } from '@claudeops/control-plane/protocol';

export const KINDS: WebhookKind[] = ['github', 'jira', 'sentry', 'generic'];
export const PAGE_SIZE = 25;

const OUTCOME_WORDS: Record<DeliveryOutcome, string> = {
  created: 'started an execution',
  ignored: 'ignored',
  duplicate: 'duplicate',
  rejected: 'rejected',
  rate_limited: 'over the limit',
  failed: 'failed',
};

/** "started an execution", "over the limit"…; an unknown outcome as it is. */
export function outcomeText(outcome: string): string {
  return OUTCOME_WORDS[outcome as DeliveryOutcome] ?? outcome;
}

/** The delivery's reason, with the outcome's usual one when the API gave none. */
export function reasonText(d: Pick<WebhookDelivery, 'outcome' | 'reason'>): string {
  if (d.reason !== null && d.reason.trim() !== '') return d.reason;
  if (d.outcome === 'ignored') return 'no rule matched';
  if (d.outcome === 'rate_limited') return 'the webhook’s limit was reached';
  if (d.outcome === 'duplicate') return 'this delivery id was seen before';
  return '';
}

/** "issues.labeled", "push", or "–" when the delivery named no event. */
export function eventText(d: Pick<WebhookDelivery, 'event' | 'action'>): string {
  if (d.event === null) return '–';
  return d.action ? `${d.event}.${d.action}` : d.event;
}

/** The rule that matched, by name or number (1-based), or "–". */
export function ruleText(d: Pick<WebhookDelivery, 'ruleIndex' | 'ruleName'>): string {
  if (d.ruleName) return d.ruleName;
  return d.ruleIndex === null ? '–' : `rule ${d.ruleIndex + 1}`;
}

export interface Usage {
  text: string;
  /** 0..1, how much of the limit is used (capped at 1). */
  ratio: number;
  full: boolean;
}

/** "12 of 60 (20%)": the usage beside the limit, full when it has been reached. */
export function usageOf(used: number, limit: number): Usage {
  const ratio = limit > 0 ? Math.min(1, used / limit) : 1;
  return { text: `${used} of ${limit} (${Math.round(ratio * 100)}%)`, ratio, full: used >= limit };
}

/** A rule's conditions in words: "issues, action labeled, label claudeops". */
export function whenText(rule: WebhookRule): string {
  const w = rule.when;
  const parts = [w.event];
  if (w.action !== undefined) parts.push(`action ${Array.isArray(w.action) ? w.action.join(' or ') : w.action}`);
  if (w.label !== undefined) parts.push(`label ${w.label}`);
  if (w.commentPrefix !== undefined) parts.push(`comment starts with ${w.commentPrefix}`);
  if (w.branch !== undefined) parts.push(`branch ${w.branch}`);
  if (w.authors !== undefined) parts.push(`by ${w.authors.join(', ')}`);
  for (const [k, v] of Object.entries(w.fields ?? {})) parts.push(`${k} = ${v}`);
  return parts.join(', ');
}

export interface WebhookForm {
  name: string;
  kind: WebhookKind;
  perMinute: string;
  perDay: string;
  enabled: boolean;
}

export const emptyWebhookForm = (): WebhookForm => ({
  name: '',
  kind: 'github',
  perMinute: '60',
  perDay: '1000',
  enabled: true,
});

export interface LimitsBody {
  rateLimitPerMinute: number;
  rateLimitPerDay: number;
}

function limitOf(text: string, label: string, max: number): number | string {
  const t = text.trim();
  if (!/^\d+$/.test(t) || Number(t) < 1 || Number(t) > max) return `${label} must be a whole number from 1 to ${max}.`;
  return Number(t);
}

/** The two limits as numbers, or the fault to show. */
export function limitsOf(
  perMinute: string,
  perDay: string,
): { ok: true; body: LimitsBody } | { ok: false; error: string } {
  const m = limitOf(perMinute, 'Deliveries a minute', 10_000);
  if (typeof m === 'string') return { ok: false, error: m };
  const d = limitOf(perDay, 'Deliveries a day', 1_000_000);
  if (typeof d === 'string') return { ok: false, error: d };
  return { ok: true, body: { rateLimitPerMinute: m, rateLimitPerDay: d } };
}

export type CreateWebhookFields = { name: string; kind: WebhookKind; enabled: boolean } & LimitsBody;

/** The create form as a POST /api/v1/webhooks body, or the fault to show. */
export function webhookBodyOf(
  form: WebhookForm,
): { ok: true; body: CreateWebhookFields } | { ok: false; error: string } {
  const name = form.name.trim();
  if (name === '') return { ok: false, error: 'Give the webhook a name.' };
  const limits = limitsOf(form.perMinute, form.perDay);
  if (!limits.ok) return limits;
  return { ok: true, body: { name, kind: form.kind, enabled: form.enabled, ...limits.body } };
}

/** Paging over the deliveries: the cursors of the pages seen so far, so Newer goes back and Older forward. */
export interface Paging {
  /** The cursor of each page shown so far (null: the first, newest page). */
  cursors: Array<string | null>;
}

export const firstPage = (): Paging => ({ cursors: [null] });
export const currentCursor = (p: Paging): string | null => p.cursors.at(-1) ?? null;
export const pageNumber = (p: Paging): number => p.cursors.length;
export const canGoNewer = (p: Paging): boolean => p.cursors.length > 1;
export const older = (p: Paging, nextCursor: string): Paging => ({ cursors: [...p.cursors, nextCursor] });
export const newer = (p: Paging): Paging => (canGoNewer(p) ? { cursors: p.cursors.slice(0, -1) } : p);

/** What the page says after a redelivery. */
export function redeliveryText(result: { outcome: string; executionId?: string; reason?: string }): string {
  const base = `Redelivered: ${outcomeText(result.outcome)}`;
  if (result.executionId) return `${base} (${result.executionId}).`;
  return result.reason ? `${base}: ${result.reason}.` : `${base}.`;
}
