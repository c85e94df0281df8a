// Conversations in D1: the executions that share a conversationId (the first one's own id), oldest first, and the
// conversation's tail (the turn a new message goes to); the audit row of a message. Used by executions/messages.ts
// and routes/execution-messages.ts.
import { asc, desc, eq, or } from 'drizzle-orm';
import { newAuditId } from '../../lib/ids';
import type { Db } from '../client';
import { auditLog, executions } from '../schema';
import type { ExecutionRow } from './executions';

/** A conversation lists at most this many turns (its first ones). */
export const MAX_CONVERSATION_ITEMS = 200;

/** The conversation an execution belongs to (a first execution's is its own id). */
export const conversationOf = (row: Pick<ExecutionRow, 'id' | 'conversationId'>): string =>
  row.conversationId ?? row.id;

/** Rows of the conversation; its first execution by id too (rows from before follow-ups have no conversationId). */
const inConversation = (conversationId: string) =>
  or(eq(executions.conversationId, conversationId), eq(executions.id, conversationId));

/** Every execution of the conversation, oldest first, at most MAX_CONVERSATION_ITEMS. */
export async function listConversation(db: Db, conversationId: string): Promise<ExecutionRow[]> {
  return db
    .select()
    .from(executions)
    .where(inConversation(conversationId))
    .orderBy(asc(executions.createdAt), asc(executions.id))
    .limit(MAX_CONVERSATION_ITEMS);
}

/** The newest execution of the conversation (a follow-up, or a retry of one): where the next message goes. */
export async function conversationTail(db: Db, conversationId: string): Promise<ExecutionRow | undefined> {
  const [row] = await db
    .select()
    .from(executions)
    .where(inConversation(conversationId))
    .orderBy(desc(executions.createdAt), desc(executions.id))
    .limit(1);
  return row;
}

/** The audit row of a message a person sent to an execution (live, or the follow-up it started). */
export async function auditMessage(
  db: Db,
  entry: { actor: string; executionId: string; delivery: 'live' | 'followup'; messageId: string | null; to: string },
  now: number = Date.now(),
): Promise<void> {
  await db.insert(auditLog).values({
    id: newAuditId(now),
    at: now,
    actor: entry.actor,
    action: 'execution.message',
    subject: entry.executionId,
    executionId: entry.to,
    details: { delivery: entry.delivery, messageId: entry.messageId, to: entry.to },
  });
}
