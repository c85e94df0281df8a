// /api/v1/executions/:id/messages and /conversation: follow-ups from the phone. A message to a running execution
// reaches its Claude Code session (202, live); one to an ended execution starts a follow-up that resumes the session
// (201, followup); the conversation lists every turn. Used by the dashboard, the CLI (`claudeops say`) and clients.
import { Hono } from 'hono';
import { z } from 'zod';
import { createDb } from '../db/client';
import { conversationOf, listConversation } from '../db/queries/conversations';
import { getExecution, toExecution } from '../db/queries/executions';
import type { AppEnv } from '../env';
import { AppError } from '../errors';
import { postMessage } from '../executions/messages';
import { actorOf, requireAdmin } from '../middleware/auth';
import { jsonBody, params } from '../middleware/validate';
import { doc } from '../openapi/describe';
import { Conversation, ExecutionId, PostMessageBody, PostMessageResult } from '../protocol';

const IdParams = z.strictObject({ id: ExecutionId });

async function mustGet(env: Env, id: string) {
  const row = await getExecution(createDb(env.DB), id);
  if (!row) throw new AppError('NOT_FOUND', `execution ${id} does not exist`);
  return row;
}

export const executionMessagesRoutes = new Hono<AppEnv>()
  .post(
    '/:id/messages',
    doc({
      summary: 'Send a message to an execution',
      description:
        "Goes to the conversation's newest turn. Running: the session's next user message (202, `delivery: live`; the runner records a `user.message` event with the messageId). Ended: a follow-up execution resumes the session on the same runner (201, `delivery: followup`). Queued or never started a session: 409.",
      responses: {
        202: { description: 'Queued for the live session', schema: PostMessageResult },
        201: { description: 'A follow-up execution, queued', schema: PostMessageResult },
      },
    }),
    requireAdmin,
    params(IdParams),
    jsonBody(PostMessageBody),
    async (c) => {
      const source = await mustGet(c.env, c.req.valid('param').id);
      const from = actorOf(c.get('identity'));
      const sent = await postMessage(c.env, source, c.req.valid('json').text, from);
      const body = { ...sent, execution: toExecution(sent.execution) } satisfies PostMessageResult;
      return sent.delivery === 'live' ? c.json(body, 202) : c.json(body, 201);
    },
  )

  .get(
    '/:id/conversation',
    doc({
      summary: "An execution's conversation",
      description: `Every execution of its conversation (the first one's id is the conversationId), oldest first; at most the first 200.`,
      responses: { 200: { description: 'The conversation', schema: Conversation } },
    }),
    requireAdmin,
    params(IdParams),
    async (c) => {
      const row = await mustGet(c.env, c.req.valid('param').id);
      const conversationId = conversationOf(row);
      const items = (await listConversation(createDb(c.env.DB), conversationId)).map(toExecution);
      return c.json({ conversationId, items } satisfies Conversation);
    },
  );
