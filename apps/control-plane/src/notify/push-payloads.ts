// What each notification says: an approval needed, an execution ended, a budget limit reached. Pure; the hub and
// the BudgetGuard build these and hand them to notify().
import type { ExecutionStatus, PushPayload } from '../protocol';

const MAX_TITLE = 120;
const MAX_BODY = 400;

/** The first non-blank line, shortened to `max` characters. */
export function firstLine(text: string | null | undefined, max = MAX_BODY): string {
  const line = (text ?? '').split('\n').find((l) => l.trim().length > 0) ?? '';
  const trimmed = line.trim();
  return trimmed.length <= max ? trimmed : `${trimmed.slice(0, max - 1)}…`;
}

export function approvalPush(
  executionId: string,
  request: { approvalId: string; tool: string; summary: string },
): PushPayload {
  return {
    topic: 'approval',
    title: firstLine(`Approval needed: ${request.tool}`, MAX_TITLE),
    body: firstLine(request.summary),
    url: `/executions/${executionId}`,
    tag: `approval-${request.approvalId}`,
  };
}

/** An execution's log closed: `finished` when it succeeded, `failed` when it failed or was lost, nothing else. */
export function endedPush(
  executionId: string,
  status: ExecutionStatus,
  detail: { reason: string | null; resultText: string | null },
): PushPayload | null {
  const topic = status === 'succeeded' ? 'finished' : status === 'failed' || status === 'lost' ? 'failed' : null;
  if (topic === null) return null;
  const said = status === 'succeeded' ? detail.resultText : detail.reason;
  return {
    topic,
    title: `Execution ${status}`,
    body: firstLine(said) || executionId,
    url: `/executions/${executionId}`,
    tag: `execution-${executionId}`,
  };
}

/** An execution stopped for a person: paused by a breakpoint or a budget, or waiting for a review decision. */
export function attentionPush(executionId: string, title: string, body: string | null): PushPayload {
  return {
    topic: 'attention',
    title: firstLine(title, MAX_TITLE),
    body: firstLine(body) || executionId,
    url: `/executions/${executionId}`,
    tag: `attention-${executionId}`,
  };
}

export function budgetPush(crossing: {
  scope: string;
  level: 'soft' | 'hard';
  limitUsd: number;
  spentUsd: number;
  alertId: string;
}): PushPayload {
  const { scope, level, limitUsd, spentUsd } = crossing;
  const usd = (n: number) => `$${n.toFixed(2)}`;
  return {
    topic: 'budget',
    title: level === 'hard' ? `Budget ${scope} exhausted` : `Budget ${scope} nearly spent`,
    body:
      level === 'hard'
        ? `${usd(spentUsd)} spent of the ${usd(limitUsd)} hard limit: its executions are cancelled`
        : `${usd(spentUsd)} spent, past the ${usd(limitUsd)} soft limit`,
    url: '/costs',
    tag: `budget-${crossing.alertId}`,
  };
}
