// A conversation on the execution page: the chain of executions a first one started and each follow-up continued
// (GET /api/v1/executions/:id/conversation), as turns (the person's prompt or message, the agent's answer, status,
// cost, a link to that turn's log, the one shown marked), and what the message box says after a send. Pure; used by
// components/execution/conversation-view.svelte and message-box.svelte.
import type { Execution, ExecutionStatus, PostMessageResult } from '@claudeops/control-plane/protocol';

export interface Turn {
  id: string;
  href: string;
  /** What the person asked: the first execution's prompt, a follow-up's message. */
  prompt: string;
  /** The agent's answer (the result text), or null while it runs or when it ended without one. */
  answer: string | null;
  status: ExecutionStatus;
  /** Null until it has a cost. */
  costUsd: number | null;
  /** A retry of a turn (it repeats that turn's prompt). */
  retry: boolean;
  current: boolean;
  createdAt: string;
}

/** The turns, oldest first; the conversation is worth showing only when it has more than one. */
export function conversationTurns(items: readonly Execution[], currentId: string): Turn[] {
  const sorted = [...items].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  return sorted.map((execution) => ({
    id: execution.id,
    href: `/executions/${encodeURIComponent(execution.id)}`,
    prompt: execution.prompt,
    answer: answerText(execution),
    status: execution.status,
    costUsd: execution.costUsd,
    retry: execution.trigger.kind === 'retry',
    current: execution.id === currentId,
    createdAt: execution.createdAt,
  }));
}

function answerText(execution: Execution): string | null {
  const text = execution.result?.text?.trim();
  return text ? text : null;
}

export function showConversation(turns: readonly Turn[]): boolean {
  return turns.length > 1;
}

/** The conversation's total cost. */
export function conversationCost(turns: readonly Turn[]): number {
  return turns.reduce((sum, turn) => sum + (turn.costUsd ?? 0), 0);
}

/** Whether a message can be sent to an execution in this status (the API answers 409 while it waits to start). */
export function canMessage(status: ExecutionStatus): boolean {
  return status !== 'queued' && status !== 'blocked';
}

/** What the message box says after a send, and where to go (the follow-up's page), if anywhere. */
export function sentOutcome(result: PostMessageResult): { text: string; goTo: string | null } {
  if (result.delivery === 'live') return { text: 'Sent to the running session.', goTo: null };
  return {
    text: 'Follow-up started.',
    goTo: `/executions/${encodeURIComponent(result.execution.id)}`,
  };
}

/** Ctrl+Enter or Cmd+Enter sends. */
export function isSendShortcut(event: { key: string; ctrlKey: boolean; metaKey: boolean }): boolean {
  return event.key === 'Enter' && (event.ctrlKey || event.metaKey);
}
