// /api/v1/executions: create, list, read (with its attempts), cancel and retry executions; read their events over
// HTTP or a viewer WebSocket; the assigned runner's event stream WebSocket and its patch upload. Used by the
// dashboard, outside clients and runners.
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { createDb } from '../db/client';
import { newExecutionFields } from './execution-templates';
import { chainTail, insertRetry, listAttempts, rootOf, toAttemptSummary } from '../db/queries/attempts';
import {
  cancelQueuedExecution,
  getExecution,
  insertExecution,
  listExecutions,
  MAX_PROMPT_WORDS,
  promptWords,
  recordCancelRequest,
  toExecution,
  type ExecutionRow,
} from '../db/queries/executions';
import type { AppEnv } from '../env';
import { AppError } from '../errors';
import { decodeCursor, encodeCursor } from '../lib/cursor';
import { newExecutionId } from '../lib/ids';
import { forwardedUpgrade, fleetOf, hubOf, isWebSocketUpgrade } from '../lib/stubs';
import { requireAdmin, requireRunner } from '../middleware/auth';
import { jsonBody, params, query } from '../middleware/validate';
import {
  CANCEL_REASON_TEXT,
  CancelExecutionBody,
  CreateExecutionBody,
  EventsQuery,
  ExecutionId,
  isTerminal,
  ListExecutionsQuery,
  MAX_PATCH_BYTES,
  PATCH_TRUNCATED_HEADER,
  RetryExecutionBody,
  type EventsResponse,
  type ExecutionDetail,
} from '../protocol';

const IdParams = z.strictObject({ id: ExecutionId });

async function mustGet(db: ReturnType<typeof createDb>, id: string): Promise<ExecutionRow> {
  const row = await getExecution(db, id);
  if (!row) throw new AppError('NOT_FOUND', `execution ${id} does not exist`);
  return row;
}

/** The row is the commitment; a Fleet that cannot be reached now dispatches on its next hello, heartbeat or cron. */
async function dispatchSoon(env: Env, id: string): Promise<void> {
  try {
    await fleetOf(env).dispatch();
  } catch (error) {
    console.error(`dispatch after creating ${id} failed`, error);
  }
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
  .post('/', requireAdmin, jsonBody(CreateExecutionBody), async (c) => {
    const db = createDb(c.env.DB);
    const now = Date.now();
    const fields = await newExecutionFields(db, c.req.valid('json'));
    const row = await insertExecution(db, { id: newExecutionId(now), createdAt: now, ...fields });
    await dispatchSoon(c.env, row.id);
    return c.json(toExecution(row), 201);
  })

  .get('/', requireAdmin, query(ListExecutionsQuery), async (c) => {
    const { status, agent, runner, label, q, limit, cursor } = c.req.valid('query');
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
      limit,
      after: cursor === undefined ? undefined : decodeCursor(cursor),
    });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    const nextCursor = rows.length > limit && last ? encodeCursor(last) : null;
    return c.json({ items: page.map(toExecution), nextCursor });
  })

  .get('/:id', requireAdmin, params(IdParams), async (c) => {
    const db = createDb(c.env.DB);
    const row = await mustGet(db, c.req.valid('param').id);
    const attempts = (await listAttempts(db, rootOf(row))).map(toAttemptSummary);
    return c.json({ ...toExecution(row), attempts } satisfies ExecutionDetail);
  })

  // A person's retry: a new attempt of an ended execution, whatever maxAttempts says; one attempt at a time.
  .post('/:id/retry', requireAdmin, params(IdParams), jsonBody(RetryExecutionBody, { optional: true }), async (c) => {
    const db = createDb(c.env.DB);
    const { id } = c.req.valid('param');
    const source = await mustGet(db, id);
    if (!isTerminal(source.status)) {
      throw new AppError('CONFLICT', `execution ${id} has not ended (${source.status}); only an ended one is retried`);
    }
    const { lastAttempt, live } = await chainTail(db, rootOf(source));
    if (live !== null) {
      throw new AppError('CONFLICT', `attempt ${live.attempt} of this execution (${live.id}) is still ${live.status}`);
    }
    const now = Date.now();
    const row = await insertRetry(db, source, { id: newExecutionId(now), attempt: lastAttempt + 1, now });
    if (row === null) throw new AppError('CONFLICT', `another retry of ${id} was created at the same time`);
    await dispatchSoon(c.env, row.id);
    return c.json(toExecution(row), 201);
  })

  .post('/:id/cancel', requireAdmin, params(IdParams), jsonBody(CancelExecutionBody, { optional: true }), async (c) => {
    const db = createDb(c.env.DB);
    const { id } = c.req.valid('param');
    let row = await mustGet(db, id);
    if (row.status === 'queued' || row.status === 'blocked') {
      if (await cancelQueuedExecution(db, id, Date.now(), CANCEL_REASON_TEXT.user)) {
        // D1 already says cancelled; a hub that cannot be reached only misses its closing status event.
        try {
          await hubOf(c.env, id).close(id, 'cancelled', CANCEL_REASON_TEXT.user);
        } catch (error) {
          console.error(`closing the log of cancelled ${id} failed`, error);
        }
        return c.json(toExecution(await mustGet(db, id)), 202);
      }
      row = await mustGet(db, id); // a runner claimed it meanwhile: cancel it as an assigned one
    }
    if (isTerminal(row.status)) {
      throw new AppError('CONFLICT', `execution ${id} has already ended (${row.status})`);
    }
    if (!(await recordCancelRequest(db, id, Date.now()))) {
      // Either a cancel is already recorded (answer 202 again) or the execution ended since we read it.
      row = await mustGet(db, id);
      if (isTerminal(row.status)) throw new AppError('CONFLICT', `execution ${id} has already ended (${row.status})`);
    }
    // Both calls are idempotent, so a repeated cancel re-sends them: that heals a first attempt that failed midway.
    await hubOf(c.env, id).cancel(id, 'user');
    await fleetOf(c.env).cancel(id, 'user');
    return c.json(toExecution(await mustGet(db, id)), 202);
  })

  .get('/:id/events', requireAdmin, params(IdParams), query(EventsQuery), async (c) => {
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
  })

  // The runner that ran the execution uploads its worktree's patch, at any time after it was assigned the job (the
  // log may be closed by then); a later upload replaces the earlier one.
  .put('/:id/patch', requireRunner, params(IdParams), async (c) => {
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
  })

  .get('/:id/patch', requireAdmin, params(IdParams), async (c) => {
    const { id } = c.req.valid('param');
    await mustGet(createDb(c.env.DB), id);
    const patch = await hubOf(c.env, id).patch(id);
    if (patch === null) throw new AppError('NOT_FOUND', `execution ${id} has no patch`);
    return c.body(patch.bytes, 200, {
      'content-type': 'text/x-diff; charset=utf-8',
      [PATCH_TRUNCATED_HEADER]: String(patch.truncated),
    });
  })

  .get('/:id/stream', requireRunner, params(IdParams), async (c) => {
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
  });
