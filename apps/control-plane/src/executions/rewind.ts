// Rewinding an execution to one of its checkpoints: a follow-up that first restores the checkpoint's files in the
// same workspace and, with `conversation`, resumes the Claude Code session only up to the checkpoint's message. A
// finished execution gets it at once; a live one is cancelled (reason `rewound`) and its hub starts the follow-up
// once the run has stopped (hub-rewind.ts). Used by routes/execution-supervision.ts and the ExecutionHub.
import type { ExecutionRow } from '../db/queries/executions';
import { AppError } from '../errors';
import type { EventData, ExecutionEvent, RewindBody } from '../protocol';
import { createFollowup } from './followup';

type CheckpointEvent = Extract<ExecutionEvent, { type: 'checkpoint' }>;

/** The checkpoint `n` among the execution's checkpoint events; NOT_FOUND (saying which exist) when absent. */
export function findCheckpoint(
  executionId: string,
  events: readonly ExecutionEvent[],
  n: number,
): EventData<'checkpoint'> {
  const checkpoints = events.filter((e): e is CheckpointEvent => e.type === 'checkpoint');
  const found = checkpoints.find((e) => e.data.n === n);
  if (found !== undefined) return found.data;
  const have = checkpoints.map((e) => e.data.n);
  const list = have.length === 0 ? 'it has none' : `it has ${have.join(', ')}`;
  throw new AppError('NOT_FOUND', `execution ${executionId} has no checkpoint ${n} (${list})`);
}

/** What the agent is told after the rewind when the person gave no prompt. */
export function rewindPrompt(checkpoint: EventData<'checkpoint'>, body: RewindBody): string {
  if (body.prompt !== undefined) return body.prompt;
  const conversation = body.conversation ? ' and the conversation' : '';
  return `The workspace files${conversation} were rewound to checkpoint ${checkpoint.n}: changes made after it are gone. Look at the current state of the files and continue the task from there.`;
}

/** Starts the rewind's follow-up of an ended execution. */
export async function createRewind(
  env: Env,
  source: ExecutionRow,
  checkpoint: EventData<'checkpoint'>,
  body: RewindBody,
  sessionId?: string | null,
): Promise<ExecutionRow> {
  return createFollowup(env, source, rewindPrompt(checkpoint, body), {
    ...(sessionId !== undefined && { sessionId }),
    detail: `rewind of ${source.id} to checkpoint ${checkpoint.n}${body.conversation ? ' (files and conversation)' : ' (files)'}`,
    rewind: { ref: checkpoint.ref, messageId: body.conversation ? checkpoint.messageId : null },
  });
}
