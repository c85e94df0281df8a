// A person's message to an execution's conversation: it goes to the conversation's newest turn. While that turn runs
// the message reaches its Claude Code session through the ExecutionHub (live); once it has ended a follow-up execution
// resumes the session (followup); a turn that has not started yet refuses it (409). Used by
// routes/execution-messages.ts.
import { createDb } from '../db/client';
import { auditMessage, conversationOf, conversationTail } from '../db/queries/conversations';
import { getExecution, type ExecutionRow } from '../db/queries/executions';
import type { MessageOutcome } from '../durable-objects/hub-messages';
import type { ReviewOutcome } from '../durable-objects/hub-supervision';
import { AppError } from '../errors';
import { hubOf } from '../lib/stubs';
import { isTerminal, type ExecutionStatus } from '../protocol';
import { createFollowup } from './followup';

/** Statuses in which a session exists and takes messages. */
const LIVE: readonly ExecutionStatus[] = ['assigned', 'running', 'awaiting_approval', 'paused'];

export interface Delivered {
  delivery: 'live' | 'followup';
  messageId: string | null;
  execution: ExecutionRow;
}

/** Message ids: `msg_` and a random UUID (the runner records each once). */
export const newMessageId = (): string => `msg_${crypto.randomUUID()}`;

export async function postMessage(env: Env, source: ExecutionRow, text: string, from: string): Promise<Delivered> {
  const db = createDb(env.DB);
  // Never two concurrent turns of one session: the message goes to the conversation's newest turn.
  const target = (await conversationTail(db, conversationOf(source))) ?? source;
  let delivered: Delivered;
  if (LIVE.includes(target.status)) {
    delivered = await deliverLive(env, target, text, from);
  } else if (target.status === 'needs_review') {
    // A message to a run waiting for review is feedback: it ends the review and goes on in a follow-up.
    const outcome = (await hubOf(env, target.id).review(
      target.id,
      { decision: 'feedback', message: text },
      from,
    )) as ReviewOutcome;
    if (outcome.outcome === 'conflict')
      throw new AppError('CONFLICT', `execution ${target.id} was decided meanwhile; send the message again`);
    const ended = (await getExecution(db, target.id)) ?? target;
    delivered = { delivery: 'followup', messageId: null, execution: await createFollowup(env, ended, text) };
  } else if (isTerminal(target.status)) {
    delivered = { delivery: 'followup', messageId: null, execution: await createFollowup(env, target, text) };
  } else {
    const which = target.id === source.id ? `execution ${target.id}` : `its follow-up ${target.id}`;
    throw new AppError('CONFLICT', `${which} has not started yet (${target.status}); send the message once it runs`);
  }
  await auditMessage(db, {
    actor: from,
    executionId: source.id,
    delivery: delivered.delivery,
    messageId: delivered.messageId,
    to: delivered.execution.id,
  });
  return delivered;
}

async function deliverLive(env: Env, target: ExecutionRow, text: string, from: string): Promise<Delivered> {
  const messageId = newMessageId();
  const outcome = (await hubOf(env, target.id).message(target.id, { messageId, text, from })) as MessageOutcome;
  if (outcome.outcome === 'live') return { delivery: 'live', messageId, execution: target };
  if (outcome.outcome === 'refused') throw new AppError('CONFLICT', outcome.message);
  // The run ended as the message arrived: the hub turned it into a follow-up.
  const followup = await getExecution(createDb(env.DB), outcome.executionId);
  if (followup === undefined) throw new Error(`follow-up ${outcome.executionId} is not in D1`);
  return { delivery: 'followup', messageId: null, execution: followup };
}
