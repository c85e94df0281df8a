// What a verified delivery does: dedupe by its delivery id (the unique index), the per-minute and per-day limits
// (counts of stored deliveries in D1), the rules, then an execution through createExecution (always sandboxed: a
// webhook's text is untrusted). Every delivery is stored with its outcome. Used by routes/hooks.ts and redeliver.
import { createDb } from '../db/client';
import {
  claimDelivery,
  countDeliveriesSince,
  finishDelivery,
  updateWebhook,
  type WebhookRow,
} from '../db/queries/webhooks';
import { AppError } from '../errors';
import { createExecution } from '../executions/create';
import { newDeliveryRowId } from '../lib/ids';
import {
  CreateExecutionBody,
  WebhookRules,
  type DeliveryResult,
  type GithubTarget,
  type WebhookKind,
} from '../protocol';
import { builtinRules } from './builtins';
import { actionOf, at, eventOf, str, type Payload } from './payload';
import { matchRules } from './rules';

/** The body kept for redelivery is cut at this many characters. */
export const MAX_KEPT_BODY = 256 * 1024;
const KEPT_HEADERS = [
  'content-type',
  'user-agent',
  'x-github-event',
  'x-github-delivery',
  'sentry-hook-resource',
  'request-id',
  'x-atlassian-webhook-identifier',
  'x-claudeops-delivery',
  'x-claudeops-event',
];

export function rulesOf(row: WebhookRow) {
  return row.rules === null ? builtinRules(row.kind as WebhookKind) : WebhookRules.parse(row.rules);
}

export interface Answer {
  status: 200 | 201 | 202 | 429;
  body: DeliveryResult;
  retryAfter?: number;
}

function reportTarget(kind: WebhookKind, event: string | null, payload: Payload): GithubTarget | null {
  if (kind !== 'github') return null;
  const repo = str(at(payload, 'repository.full_name'));
  if (repo === undefined) return null;
  const pr = at(payload, 'pull_request.number');
  if (typeof pr === 'number') return { repo, number: pr, kind: 'pull_request' };
  const issue = at(payload, 'issue.number');
  if (typeof issue === 'number')
    return { repo, number: issue, kind: at(payload, 'issue.pull_request') ? 'pull_request' : 'issue' };
  return event === null ? null : null;
}

function detailOf(kind: WebhookKind, event: string | null, action: string | null, payload: Payload): string {
  const target = reportTarget(kind, event, payload);
  const where = target === null ? '' : ` ${target.repo}#${target.number}`;
  const by = str(at(payload, 'sender.login'));
  return `${kind} ${event ?? '?'}${action === null ? '' : `.${action}`}${where}${by === undefined ? '' : ` by ${by}`}`;
}

export async function deliver(
  env: Env,
  hook: WebhookRow,
  input: { deliveryId: string; headers: Headers; body: string; redeliveryOf?: string },
  now: number = Date.now(),
): Promise<Answer> {
  const db = createDb(env.DB);
  const kind = hook.kind as WebhookKind;
  let payload: Payload = {};
  let parseError: string | null = null;
  try {
    const parsed: unknown = JSON.parse(input.body);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      parseError = 'the body is not a JSON object';
    else payload = parsed as Payload;
  } catch {
    parseError = 'the body is not JSON';
  }
  const event = eventOf(kind, input.headers, payload);
  const action = actionOf(payload);
  const headers = Object.fromEntries(
    KEPT_HEADERS.flatMap((name) => {
      const v = input.headers.get(name);
      return v === null ? [] : [[name, v.slice(0, 500)]];
    }),
  );
  const minute = await countDeliveriesSince(db, hook.id, now - 60_000);
  const day = await countDeliveriesSince(db, hook.id, now - 86_400_000);
  const limited =
    minute >= hook.rateLimitPerMinute
      ? { reason: `over ${hook.rateLimitPerMinute} deliveries a minute`, retryAfter: 60 }
      : day >= hook.rateLimitPerDay
        ? { reason: `over ${hook.rateLimitPerDay} deliveries a day`, retryAfter: 3600 }
        : null;
  const row = await claimDelivery(db, {
    id: newDeliveryRowId(now),
    webhookId: hook.id,
    deliveryId: input.deliveryId,
    receivedAt: now,
    event,
    action,
    verified: true,
    outcome: limited === null ? 'failed' : 'rate_limited',
    reason: limited === null ? 'in progress' : `rate limited: ${limited.reason}`,
    ruleIndex: null,
    ruleName: null,
    executionId: null,
    headers,
    body: input.body.slice(0, MAX_KEPT_BODY),
    redeliveryOf: input.redeliveryOf ?? null,
  });
  if (row === null)
    return {
      status: 200,
      body: {
        deliveryId: input.deliveryId,
        outcome: 'duplicate',
        duplicate: true,
        reason: 'this delivery id was already received',
      },
    };
  await updateWebhook(db, hook.id, { lastDeliveryAt: now });
  if (limited !== null)
    return {
      status: 429,
      retryAfter: limited.retryAfter,
      body: { deliveryId: row.id, outcome: 'rate_limited', reason: `rate limited: ${limited.reason}; retry later` },
    };
  const finish = async (outcome: DeliveryResult['outcome'], reason: string | null, extra: object = {}) => {
    await finishDelivery(db, row.id, { outcome, reason, ...extra });
  };
  if (parseError !== null) {
    await finish('failed', parseError);
    return { status: 202, body: { deliveryId: row.id, outcome: 'failed', reason: parseError } };
  }
  const result = matchRules(rulesOf(hook), { kind, event, action, payload }, { repo: hook.repo, ref: hook.ref });
  if (!result.matched) {
    // A rule that applies but needs a setting the webhook lacks is a failure the admin must fix, not an ignore.
    const outcome = result.missingSetting === undefined ? 'ignored' : 'failed';
    const rule = result.missingSetting;
    await finish(outcome, result.reason, rule ? { ruleIndex: rule.index, ruleName: rule.rule.name ?? null } : {});
    return { status: 202, body: { deliveryId: row.id, outcome, reason: result.reason } };
  }
  const { match } = result;
  const ruleColumns = { ruleIndex: match.index, ruleName: match.rule.name ?? null };
  const parsed = CreateExecutionBody.safeParse({
    agent: match.rule.agent,
    inputs: match.inputs,
    ...(match.repo === undefined ? {} : { repo: match.repo }),
    ...(match.ref === undefined || match.repo === undefined ? {} : { ref: match.ref }),
    requireSandbox: true,
  });
  try {
    if (!parsed.success) throw new AppError('BAD_REQUEST', parsed.error.issues.map((i) => i.message).join('; '));
    const execution = await createExecution(env, parsed.data, {
      trigger: { kind: 'webhook', id: hook.id, detail: detailOf(kind, event, action, payload) },
      reportTo: reportTarget(kind, event, payload),
    });
    await finish('created', null, { ...ruleColumns, executionId: execution.id });
    return { status: 201, body: { deliveryId: row.id, outcome: 'created', executionId: execution.id } };
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    const reason = `${match.rule.agent} refused the delivery: ${error.message}`;
    await finish('failed', reason, ruleColumns);
    return { status: 202, body: { deliveryId: row.id, outcome: 'failed', reason } };
  }
}
