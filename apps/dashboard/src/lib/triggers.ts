// What started an execution, for the trigger badge on the executions list rows and the execution page header: a short
// label, a longer title (the trigger's detail), and where it links (the schedules page, the webhook's page, or the
// execution a follow-up or retry continues). Pure; used by components/execution/trigger-badge.svelte.
import { TRIGGER_KINDS, type Trigger, type TriggerKind } from '@claudeops/control-plane/protocol';

const LABELS: Record<TriggerKind, string> = {
  api: 'API',
  schedule: 'Schedule',
  webhook: 'Webhook',
  followup: 'Follow-up',
  mcp: 'MCP',
  retry: 'Retry',
};

export function triggerLabel(kind: TriggerKind): string {
  return LABELS[kind];
}

/** The page the trigger links to, or null (api, mcp, or no id). */
export function triggerHref(trigger: Trigger): string | null {
  const id = trigger.id;
  if (!id) return null;
  switch (trigger.kind) {
    case 'schedule':
      return '/schedules';
    case 'webhook':
      return `/webhooks/${encodeURIComponent(id)}`;
    case 'followup':
    case 'retry':
      return `/executions/${encodeURIComponent(id)}`;
    default:
      return null;
  }
}

/** The badge's accessible text: "Started by schedule: due 2026-12-03T07:00Z". */
export function triggerDescription(trigger: Trigger): string {
  const what =
    trigger.kind === 'api' || trigger.kind === 'mcp' ? LABELS[trigger.kind] : LABELS[trigger.kind].toLowerCase();
  const base = `Started by ${what}`;
  if (trigger.detail) return `${base}: ${trigger.detail}`;
  if ((trigger.kind === 'followup' || trigger.kind === 'retry') && trigger.id) return `${base} of ${trigger.id}`;
  return base;
}

/** A trigger kind from a URL query value, or undefined when unknown or blank. */
export function parseTriggerKind(value: string | null | undefined): TriggerKind | undefined {
  return TRIGGER_KINDS.find((kind) => kind === value?.trim());
}

export const TRIGGER_OPTIONS: readonly { value: TriggerKind; label: string }[] = TRIGGER_KINDS.map((kind) => ({
  value: kind,
  label: LABELS[kind],
}));
