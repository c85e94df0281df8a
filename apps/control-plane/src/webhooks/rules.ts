// Webhook rules: the first rule whose `when` holds for a delivery picks the agent template, and its `inputs` map
// payload fields (`$.issue.title`), the webhook's settings (`$webhook.repo`, `$webhook.ref`) or literals into the
// template's inputs. Pure; used by webhooks/deliver.ts.
import type { WebhookKind, WebhookRule, WebhookWhen } from '../protocol/webhooks';
import { at, authorOf, branchOf, labelsOf, str, type Payload } from './payload';

const TRUSTED_ASSOCIATIONS = new Set(['OWNER', 'MEMBER', 'COLLABORATOR']);

export interface Delivery {
  kind: WebhookKind;
  event: string | null;
  action: string | null;
  payload: Payload;
}

/** Why a rule does not apply to a delivery, or null when it does. */
export function mismatch(when: WebhookWhen, d: Delivery): string | null {
  if (d.event !== when.event) return `event ${d.event ?? '(none)'} is not ${when.event}`;
  if (when.action !== undefined) {
    const actions = Array.isArray(when.action) ? when.action : [when.action];
    if (d.action === null || !actions.includes(d.action))
      return `action ${d.action ?? '(none)'} is not ${actions.join('|')}`;
  }
  if (when.label !== undefined && !labelsOf(d.payload).includes(when.label)) return `no label ${when.label}`;
  if (when.commentPrefix !== undefined) {
    const body = str(at(d.payload, 'comment.body')) ?? '';
    if (!body.trimStart().startsWith(when.commentPrefix))
      return `the comment does not start with ${when.commentPrefix}`;
  }
  if (when.branch !== undefined && branchOf(d.payload) !== when.branch) return `branch is not ${when.branch}`;
  if (when.authors !== undefined) {
    const author = authorOf(d.payload);
    if (author === undefined || !when.authors.includes(author)) return `author ${author ?? '(unknown)'} is not allowed`;
  } else if (when.commentPrefix !== undefined) {
    const association = str(at(d.payload, 'comment.author_association'));
    if (association === undefined || !TRUSTED_ASSOCIATIONS.has(association))
      return `author ${authorOf(d.payload) ?? '(unknown)'} (${association ?? 'no association'}) is not an owner, member or collaborator`;
  }
  for (const [path, want] of Object.entries(when.fields ?? {})) {
    if (str(at(d.payload, path)) !== want) return `${path} is not ${want}`;
  }
  return null;
}

/** The webhook's own settings a rule may name: for senders whose payloads name no repository (Sentry, Jira). */
export interface WebhookSettings {
  repo: string | null;
  ref: string | null;
}
const NO_SETTINGS: WebhookSettings = { repo: null, ref: null };

const TOKEN = /\$\.([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)|\$webhook\.(repo|ref)\b/g;
const NEEDS_REPO = /\$webhook\.repo\b/;

const text = (found: unknown): string =>
  found === undefined || found === null
    ? ''
    : typeof found === 'string'
      ? found
      : typeof found === 'object'
        ? JSON.stringify(found)
        : String(found);

/** Each `$.dotted.path` in the value is replaced by the payload's value there (missing: empty), each
 * `$webhook.repo|ref` by the webhook's setting (unset: empty); the rest is literal. */
export function mapValue(value: string, payload: Payload, settings: WebhookSettings = NO_SETTINGS): string {
  return value.replace(TOKEN, (_, path: string | undefined, setting: 'repo' | 'ref' | undefined) =>
    setting === undefined ? text(at(payload, path!)) : (settings[setting] ?? ''),
  );
}

/** Why the rule cannot run with these settings (it names `$webhook.repo` and the webhook has none), or null. */
export function missingSetting(rule: WebhookRule, settings: WebhookSettings): string | null {
  if (settings.repo !== null) return null;
  const values = [rule.repo ?? '', ...Object.values(rule.inputs)];
  return values.some((v) => NEEDS_REPO.test(v))
    ? `${rule.name ?? 'the rule'} needs the webhook's repo setting ($webhook.repo) and this webhook has none: ` +
        'set it with PATCH /api/v1/webhooks/<id> {"repo": "https://github.com/owner/name.git"}'
    : null;
}

export interface Match {
  index: number;
  rule: WebhookRule;
  inputs: Record<string, string>;
  repo?: string;
  ref?: string;
}

export type RuleResult =
  | { matched: true; match: Match }
  | { matched: false; reason: string; missingSetting?: { index: number; rule: WebhookRule } };

/** The first rule that applies, with its inputs filled; otherwise why none did. */
export function matchRules(rules: WebhookRule[], d: Delivery, settings: WebhookSettings = NO_SETTINGS): RuleResult {
  if (rules.length === 0) return { matched: false, reason: 'the webhook has no rules' };
  const reasons: string[] = [];
  for (const [index, rule] of rules.entries()) {
    const why = mismatch(rule.when, d);
    if (why !== null) {
      reasons.push(`${rule.name ?? `rule ${index}`}: ${why}`);
      continue;
    }
    const missing = missingSetting(rule, settings);
    if (missing !== null) return { matched: false, reason: missing, missingSetting: { index, rule } };
    const map = (v: string) => mapValue(v, d.payload, settings);
    const inputs = Object.fromEntries(Object.entries(rule.inputs).map(([k, v]) => [k, map(v)]));
    const repo = rule.repo === undefined ? undefined : map(rule.repo) || undefined;
    const ref = rule.ref === undefined ? undefined : map(rule.ref) || undefined;
    return { matched: true, match: { index, rule, inputs, repo, ref } };
  }
  return { matched: false, reason: `no rule matched (${reasons.join('; ')})` };
}
