// /api/v1/executions/:id/pause, /resume, /review, /checkpoints and /rewind: a person steering a run. Pause holds the
// next model call at the hub (the runner confirms with `status: paused`); resume lets it go; review decides a
// `needs_review` execution; rewind restores a checkpoint in a follow-up. Used by the dashboard, the CLI and clients.
import { Hono } from 'hono';
import { z } from 'zod';
import { createDb } from '../db/client';
import { getExecution, toExecution, type ExecutionRow } from '../db/queries/executions';
import type { PauseOutcome, ReviewOutcome } from '../durable-objects/hub-supervision';
import type { AppEnv } from '../env';
import { AppError } from '../errors';
import { cancelExecution } from '../executions/cancel';
import { createFollowup } from '../executions/followup';
import { createRewind, findCheckpoint } from '../executions/rewind';
import { hubOf } from '../lib/stubs';
import { actorOf, requireAdmin } from '../middleware/auth';
import { jsonBody, params } from '../middleware/validate';
import { doc } from '../openapi/describe';
import {
  CheckpointList,
  Execution,
  ExecutionId,
  isTerminal,
  PauseBody,
  ReviewDecisionBody,
  ReviewDecisionResult,
  RewindBody,
  RewindResult,
  type ExecutionEvent,
  type ExecutionStatus,
} from '../protocol';

const IdParams = z.strictObject({ id: ExecutionId });
/** Statuses a pause applies to: a runner holds the run. */
const PAUSABLE: readonly ExecutionStatus[] = ['assigned', 'running', 'awaiting_approval', 'paused'];

async function mustGet(env: Env, id: string): Promise<ExecutionRow> {
  const row = await getExecution(createDb(env.DB), id);
  if (!row) throw new AppError('NOT_FOUND', `execution ${id} does not exist`);
  return row;
}

/** The row, read again after the hub's call. */
const reread = (env: Env, id: string) => mustGet(env, id).then(toExecution);

export const executionSupervisionRoutes = new Hono<AppEnv>()
  .post(
    '/:id/pause',
    doc({
      summary: 'Pause an execution',
      description:
        'From now on its next model call waits (no tokens are spent); the runner records `status: paused` (reason `user`) and the status follows. Idempotent while paused; a 409 when it is not running (queued, waiting for review, ended).',
      responses: { 200: { description: 'Paused (or pausing)', schema: Execution } },
    }),
    requireAdmin,
    params(IdParams),
    jsonBody(PauseBody, { optional: true }),
    async (c) => {
      const { id } = c.req.valid('param');
      const row = await mustGet(c.env, id);
      if (!PAUSABLE.includes(row.status)) {
        throw new AppError('CONFLICT', `execution ${id} is ${row.status}: only a running execution can be paused`);
      }
      const message = c.req.valid('json')?.message ?? `paused by ${actorOf(c.get('identity'))}`;
      const outcome = (await hubOf(c.env, id).pause(id, 'user', message)) as PauseOutcome;
      if (outcome.outcome === 'conflict') {
        throw new AppError('CONFLICT', `execution ${id} is ${outcome.status}: it can no longer be paused`);
      }
      return c.json(await reread(c.env, id));
    },
  )

  .post(
    '/:id/resume',
    doc({
      summary: 'Resume a paused execution',
      description:
        'Its held model calls go on (a budget still over its hard limit pauses it again). A 409 when it is not paused.',
      responses: { 200: { description: 'Resumed', schema: Execution } },
    }),
    requireAdmin,
    params(IdParams),
    async (c) => {
      const { id } = c.req.valid('param');
      const row = await mustGet(c.env, id);
      if (isTerminal(row.status)) throw new AppError('CONFLICT', `execution ${id} has already ended (${row.status})`);
      const outcome = (await hubOf(c.env, id).resume(id)) as PauseOutcome;
      if (outcome.outcome === 'conflict') throw new AppError('CONFLICT', `execution ${id} is not paused`);
      return c.json(await reread(c.env, id));
    },
  )

  .post(
    '/:id/review',
    doc({
      summary: 'Decide an execution that needs review',
      description:
        '`accept`: it succeeds; `reject`: it fails; `feedback`: it fails ("changes requested") and the message starts a follow-up that resumes the session in the same workspace. A 409 unless it is `needs_review`.',
      responses: { 200: { description: 'Decided', schema: ReviewDecisionResult } },
    }),
    requireAdmin,
    params(IdParams),
    jsonBody(ReviewDecisionBody),
    async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const row = await mustGet(c.env, id);
      if (row.status !== 'needs_review') {
        throw new AppError(
          'CONFLICT',
          `execution ${id} is ${row.status}: only a needs_review execution takes a review`,
        );
      }
      const actor = actorOf(c.get('identity'));
      const outcome = (await hubOf(c.env, id).review(id, body, actor)) as ReviewOutcome;
      if (outcome.outcome === 'conflict') {
        throw new AppError('CONFLICT', `execution ${id} is ${outcome.status}: it was decided already`);
      }
      const ended = await mustGet(c.env, id);
      const followup = body.decision === 'feedback' ? await createFollowup(c.env, ended, body.message) : null;
      return c.json({
        execution: toExecution(ended),
        followup: followup === null ? null : toExecution(followup),
      } satisfies ReviewDecisionResult);
    },
  )

  .get(
    '/:id/checkpoints',
    doc({
      summary: "An execution's checkpoints",
      description:
        'One per turn that changed files (by any tool): the hidden ref, the files with their line counts and the diff against the previous checkpoint (cut at 32 KiB), oldest first.',
      responses: { 200: { description: 'The checkpoints', schema: CheckpointList } },
    }),
    requireAdmin,
    params(IdParams),
    async (c) => {
      const { id } = c.req.valid('param');
      await mustGet(c.env, id);
      const events = (await hubOf(c.env, id).checkpoints(id)) as ExecutionEvent[];
      const items = events.flatMap((e) => (e.type === 'checkpoint' ? [{ seq: e.seq, ts: e.ts, ...e.data }] : []));
      return c.json({ items } satisfies CheckpointList);
    },
  )

  .post(
    '/:id/rewind',
    doc({
      summary: 'Rewind an execution to a checkpoint',
      description:
        "Restores the checkpoint's files in the execution's workspace and, with `conversation: true`, resumes the Claude Code session at the checkpoint's message, in a follow-up on the same runner. An ended execution gets the follow-up at once (201). A running one is cancelled (reason `rewound`) and the follow-up starts once it has stopped (202, `followup: null`; the execution's conversation lists it).",
      responses: {
        201: { description: 'The follow-up, queued', schema: RewindResult },
        202: { description: 'Cancelling; the follow-up starts after', schema: RewindResult },
      },
    }),
    requireAdmin,
    params(IdParams),
    jsonBody(RewindBody),
    async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const row = await mustGet(c.env, id);
      const hub = hubOf(c.env, id);
      const checkpoint = findCheckpoint(id, (await hub.checkpoints(id)) as ExecutionEvent[], body.checkpoint);
      if (isTerminal(row.status)) {
        const followup = await createRewind(c.env, row, checkpoint, body);
        return c.json({ execution: toExecution(row), followup: toExecution(followup) } satisfies RewindResult, 201);
      }
      if (row.status === 'queued' || row.status === 'blocked') {
        throw new AppError('CONFLICT', `execution ${id} has not started (${row.status}): there is nothing to rewind`);
      }
      if (!(await hub.rewindAfterEnd(id, checkpoint, body))) {
        throw new AppError('CONFLICT', `execution ${id} is already being rewound`);
      }
      const cancelled = await cancelExecution(c.env, id, 'rewound');
      return c.json({ execution: toExecution(cancelled), followup: null } satisfies RewindResult, 202);
    },
  );
