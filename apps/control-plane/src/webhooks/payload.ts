// Reads a webhook payload: the event and action each sender names its own way, dotted paths, and the issue or pull
// request it is about. Pure; used by rules.ts and routes/hooks.ts.
import type { WebhookKind } from '../protocol/webhooks';

export type Payload = Record<string, unknown>;

/** The value at a dotted path (`issue.title`, `labels.0.name`), or undefined. */
export function at(payload: unknown, path: string): unknown {
  let value: unknown = payload;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

const str = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;

/** The event a delivery carries: GitHub's header, Sentry's resource header, Jira's webhookEvent, generic `event`. */
export function eventOf(
  kind: WebhookKind,
  headers: { get(name: string): string | null },
  payload: Payload,
): string | null {
  if (kind === 'github') return headers.get('x-github-event');
  if (kind === 'sentry') return headers.get('sentry-hook-resource');
  if (kind === 'jira') return str(payload.webhookEvent) ?? null;
  return str(payload.event) ?? headers.get('x-claudeops-event');
}

export function actionOf(payload: Payload): string | null {
  return str(payload.action) ?? null;
}

/** Labels of the issue or pull request (and the one just added), for GitHub, Jira and generic payloads. */
export function labelsOf(payload: Payload): string[] {
  const names = new Set<string>();
  const add = (list: unknown) => {
    if (!Array.isArray(list)) return;
    for (const item of list) {
      const name = typeof item === 'string' ? item : str(at(item, 'name'));
      if (name !== undefined) names.add(name);
    }
  };
  const just = str(at(payload, 'label.name'));
  if (just !== undefined) names.add(just);
  add(at(payload, 'issue.labels'));
  add(at(payload, 'pull_request.labels'));
  add(at(payload, 'issue.fields.labels'));
  add(at(payload, 'labels'));
  return [...names];
}

export function branchOf(payload: Payload): string | undefined {
  return (
    str(at(payload, 'pull_request.head.ref')) ??
    str(at(payload, 'check_suite.head_branch')) ??
    str(at(payload, 'ref'))?.replace(/^refs\/heads\//, '')
  );
}

export function authorOf(payload: Payload): string | undefined {
  return (
    str(at(payload, 'comment.user.login')) ?? str(at(payload, 'sender.login')) ?? str(at(payload, 'user.displayName'))
  );
}

export { str };
