// /api/v1/executions: create, list, read (with its attempts), cancel and retry executions; read their events over
// HTTP or a viewer WebSocket; the assigned runner's event stream WebSocket and its patch upload. Used by the
// dashboard, outside clients and runners.
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { createDb } from '../db/client';
import { chainTail, listAttempts, rootOf, toAttemptSummary } from '../db/queries/attempts';
import {
  getExecution,
  listExecutions,
  MAX_PROMPT_WORDS,
  promptWords,
  toExecution,
  type ExecutionRow,
} from '../db/queries/executions';
import type { AppEnv } from '../env';
import { AppError } from '../errors';
import { cancelExecution } from '../executions/cancel';
import { apiTrigger, createExecution, createRetry } from '../executions/create';
import { decodeCursor, encodeCursor } from '../lib/cursor';
import { forwardedUpgrade, hubOf, isWebSocketUpgrade } from '../lib/stubs';
import { requireAdmin, requireRunner } from '../middleware/auth';
import { jsonBody, params, query } from '../middleware/validate';
import { doc } from '../openapi/describe';
import {
  CancelExecutionBody,
  CreateExecutionBody,
  EventsQuery,
  EventsResponse,
  Execution,
  ExecutionDetail,
  ExecutionId,
  ExecutionPage,
  isTerminal,
  ListExecutionsQuery,
  MAX_PATCH_BYTES,
  PATCH_TRUNCATED_HEADER,
  RetryExecutionBody,
} from '../protocol';

const IdParams = z.strictObject({ id: ExecutionId });

async function mustGet(db: ReturnType<typeof createDb>, id: string): Promise<ExecutionRow> {
  const row = await getExecution(db, id);
  if (!row) throw new AppError('NOT_FOUND', `execution ${id} does not exist`);
  return row;
}

/** Media types a patch upload may carry. */
const PATCH_TYPES = ['text/x-diff', 'text/x-patch', 'text/plain'];
const TRUNCATED_VALUES: Record<string, boolean> = { true: true, '1': true, false: false, '0': false };

function assertOwnRunner(c: Context<AppEnv>, row: ExecutionRow): void {
  const identity = c.get('identity');
  if (identity.kind !== 'runner' || row.runnerId !== identity.runnerId) {
    throw new AppError('FORBIDDEN', `execution ${row.id} is not assigned to this runner`);
  }
}

export const executionsRoutes = new Hono<AppEnv>()
  .post(
    '/',
    doc({
      summary: 'Start an execution',
      description: 'A `prompt`, or an `agent` template with its `inputs`; fields beside `agent` override the template.',
      responses: { 201: { description: 'The execution, queued', schema: Execution } },
    }),
    requireAdmin,
    jsonBody(CreateExecutionBody),
    async (c) => {
      const row = await createExecution(c.env, c.req.valid('json'), { trigger: apiTrigger(c) });
      return c.json(toExecution(row), 201);
    },
  )

  .get(
    '/',
    doc({
      summary: 'List executions',
      responses: { 200: { description: 'A page of executions, newest first', schema: ExecutionPage } },
    }),
    requireAdmin,
    query(ListExecutionsQuery),
    async (c) => {
      const { status, agent, runner, label, q, limit, cursor, trigger, triggerId } = c.req.valid('query');
      const words = q === undefined ? undefined : promptWords(q);
      if (words !== undefined && words.length > MAX_PROMPT_WORDS) {
        throw new AppError('BAD_REQUEST', `query.q: at most ${MAX_PROMPT_WORDS} words, not ${words.length}`);
      }
      const rows = await listExecutions(createDb(c.env.DB), {
        status,
        agent,
        runner,
        label,
        words,
        trigger,
        triggerId,
        limit,
        after: cursor === undefined ? undefined : decodeCursor(cursor),
      });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      const nextCursor = rows.length > limit && last ? encodeCursor(last) : null;
      return c.json({ items: page.map(toExecution), nextCursor } satisfies z.infer<typeof ExecutionPage>);
    },
  )

  .get(
    '/:id',
    doc({
      summary: 'Read an execution',
      responses: {
        200: { description: 'The execution and every attempt of its chain, oldest first', schema: ExecutionDetail },
      },
    }),
    requireAdmin,
    params(IdParams),
    async (c) => {
      const db = createDb(c.env.DB);
      const row = await mustGet(db, c.req.valid('param').id);
      const attempts = (await listAttempts(db, rootOf(row))).map(toAttemptSummary);
      return c.json({ ...toExecution(row), attempts } satisfies ExecutionDetail);
    },
  )

  // A person's retry: a new attempt of an ended execution, whatever maxAttempts says; one attempt at a time.
  .post(
    '/:id/retry',
    doc({
      summary: 'Retry an ended execution',
      description:
        'A new attempt whatever maxAttempts says; a 409 while the execution or another attempt of it is live.',
      responses: { 201: { description: 'The new attempt, queued', schema: Execution } },
    }),
    requireAdmin,
    params(IdParams),
    jsonBody(RetryExecutionBody, { optional: true }),
    async (c) => {
      const db = createDb(c.env.DB);
      const { id } = c.req.valid('param');
      const source = await mustGet(db, id);
      if (!isTerminal(source.status)) {
        throw new AppError(
          'CONFLICT',
          `execution ${id} has not ended (${source.status}); only an ended one is retried`,
        );
      }
      const { lastAttempt, live } = await chainTail(db, rootOf(source));
      if (live !== null) {
        throw new AppError(
          'CONFLICT',
          `attempt ${live.attempt} of this execution (${live.id}) is still ${live.status}`,
        );
      }
      const row = await createRetry(c.env, source, { attempt: lastAttempt + 1, detail: 'retried by a person' });
      if (row === null) throw new AppError('CONFLICT', `another retry of ${id} was created at the same time`);
      return c.json(toExecution(row), 201);
    },
  )

  .post(
    '/:id/cancel',
    doc({
      summary: 'Cancel an execution',
      description: 'Idempotent while it runs; a 409 once it has ended.',
      responses: { 202: { description: 'Cancelled (queued) or cancelling (running)', schema: Execution } },
    }),
    requireAdmin,
    params(IdParams),
    jsonBody(CancelExecutionBody, { optional: true }),
    async (c) => {
      const { id } = c.req.valid('param');
      return c.json(toExecution(await cancelExecution(c.env, id, 'user')), 202);
    },
  )

  .get(
    '/:id/events',
    doc({
      summary: "An execution's events",
      description:
        'Paged by `after` (the last seq seen); with `Upgrade: websocket` the same URL is the live viewer socket.',
      responses: {
        200: { description: 'A page of events after `after`, oldest first', schema: EventsResponse },
        101: {
          description:
            'With `Upgrade: websocket`: the viewer socket, replay from `after` then live frames (protocol/frames.ts)',
        },
      },
    }),
    requireAdmin,
    params(IdParams),
    query(EventsQuery),
    async (c) => {
      const { id } = c.req.valid('param');
      const { after, limit } = c.req.valid('query');
      await mustGet(createDb(c.env.DB), id);
      if (isWebSocketUpgrade(c.req.raw)) {
        // `after` stays in the URL for the hub; it was validated above.
        const request = forwardedUpgrade(c.req.raw, {
          'x-claudeops-role': 'viewer',
          'x-claudeops-execution-id': id,
        });
        return hubOf(c.env, id).fetch(request);
      }
      // Annotated: the RPC stub types this `never`, because an event's `tool.call` input is `unknown`.
      const page: EventsResponse = await hubOf(c.env, id).eventsPage(id, after, limit);
      return c.json(page);
    },
  )

  // The runner that ran the execution uploads its worktree's patch, at any time after it was assigned the job (the
  // log may be closed by then); a later upload replaces the earlier one.
  .put(
    '/:id/patch',
    doc({
      summary: "Upload the execution's patch (its runner)",
      description: 'The worktree diff, at most 1 MiB; header x-claudeops-patch-truncated: true when the runner cut it.',
      responses: { 204: { description: 'Stored (replaces an earlier upload)' } },
      rawBody: { contentTypes: PATCH_TYPES, description: 'The patch (git diff)' },
      extraParameters: [
        {
          name: PATCH_TRUNCATED_HEADER,
          in: 'header',
          description: 'true when the runner cut the patch at the size limit',
        },
      ],
    }),
    requireRunner,
    params(IdParams),
    async (c) => {
      const { id } = c.req.valid('param');
      assertOwnRunner(c, await mustGet(createDb(c.env.DB), id));
      const type = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase();
      if (type === undefined || !PATCH_TYPES.includes(type)) {
        throw new AppError('BAD_REQUEST', `Content-Type must be text/x-diff, not ${type ?? 'absent'}`);
      }
      const flag = c.req.header(PATCH_TRUNCATED_HEADER)?.trim().toLowerCase() ?? 'false';
      const truncated = TRUNCATED_VALUES[flag];
      if (truncated === undefined) {
        throw new AppError('BAD_REQUEST', `header ${PATCH_TRUNCATED_HEADER} must be true or false, not ${flag}`);
      }
      const bytes = new Uint8Array(await c.req.arrayBuffer());
      if (bytes.byteLength > MAX_PATCH_BYTES) {
        throw new AppError('PAYLOAD_TOO_LARGE', `the patch is larger than ${MAX_PATCH_BYTES} bytes; truncate it`);
      }
      await hubOf(c.env, id).putPatch(id, bytes, truncated);
      return c.body(null, 204);
    },
  )

  .get(
    '/:id/patch',
    doc({
      summary: "The execution's patch",
      responses: {
        200: {
          description: 'The diff; header x-claudeops-patch-truncated says whether it was cut',
          contentType: 'text/x-diff',
        },
      },
    }),
    requireAdmin,
    params(IdParams),
    async (c) => {
      const { id } = c.req.valid('param');
      await mustGet(createDb(c.env.DB), id);
      const patch = await hubOf(c.env, id).patch(id);
      if (patch === null) throw new AppError('NOT_FOUND', `execution ${id} has no patch`);
      return c.body(patch.bytes, 200, {
        'content-type': 'text/x-diff; charset=utf-8',
        [PATCH_TRUNCATED_HEADER]: String(patch.truncated),
      });
    },
  )

  .get(
    '/:id/stream',
    doc({
      summary: "The assigned runner's event stream (WebSocket)",
      description: 'A WebSocket upgrade for the runner the execution is assigned to; a plain GET is a 426.',
      responses: { 101: { description: 'Switching protocols: event batches up, acks down (protocol/frames.ts)' } },
    }),
    requireRunner,
    params(IdParams),
    async (c) => {
      const { id } = c.req.valid('param');
      if (!isWebSocketUpgrade(c.req.raw)) {
        throw new AppError('UPGRADE_REQUIRED', 'this endpoint is a WebSocket: send "Upgrade: websocket"');
      }
      const row = await mustGet(createDb(c.env.DB), id);
      assertOwnRunner(c, row);
      // The hub ties the socket to this runner and this assignment, so a later requeue or loss can refuse it.
      const request = forwardedUpgrade(c.req.raw, {
        'x-claudeops-role': 'runner',
        'x-claudeops-execution-id': id,
        'x-claudeops-runner-id': row.runnerId ?? '',
        'x-claudeops-assigned-at': String(row.assignedAt ?? 0),
      });
      return hubOf(c.env, id).fetch(request);
    },
  );
