// Follow-ups: POST /api/v1/executions/:id/messages and the conversation an execution belongs to. A message to a live
// execution reaches its Claude Code session as the next user turn (hub -> runner `exec.message`, recorded by the
// runner as a `user.message` event); a message to an ended one starts a follow-up execution that resumes the session.
import { z } from 'zod';
import { Execution } from './api';

/** Characters of one message. */
export const MAX_MESSAGE_CHARS = 100_000;

export const PostMessageBody = z.strictObject({
  text: z.string().trim().min(1, 'text must not be empty').max(MAX_MESSAGE_CHARS),
});
export type PostMessageBody = z.infer<typeof PostMessageBody>;

export const PostMessageResult = z.object({
  /** `live`: queued for the running session (202); `followup`: a new execution resumes the ended one (201). */
  delivery: z.enum(['live', 'followup']),
  /** The id the `user.message` event carries once the runner delivered it (live), or null (followup). */
  messageId: z.string().nullable(),
  /** The running execution (live) or the new follow-up (followup). */
  execution: Execution,
});
export type PostMessageResult = z.infer<typeof PostMessageResult>;

/** GET /api/v1/executions/:id/conversation: every execution of its conversation, oldest first (the first one started
 * it; each follow-up continues the one before). Retries of a turn appear as their own items. */
export const Conversation = z.object({
  conversationId: z.string(),
  items: z.array(Execution),
});
export type Conversation = z.infer<typeof Conversation>;
