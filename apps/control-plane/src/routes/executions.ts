// /api/v1/executions: create, list, read and cancel executions; read their events over HTTP or a viewer WebSocket;
// the assigned runner's event stream WebSocket. Used by the dashboard, outside clients and runners.
import { Hono } from 'hono';
import { z } from 'zod';
import { createDb } from '../db/client';
import {
  cancelQueuedExecution,
  getExecution,
  insertExecution,
  listExecutions,
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
  CancelExecutionBody,
  CreateExecutionBody,
  EventsQuery,
  ExecutionId,
  isTerminal,
  ListExecutionsQuery,
  type EventsResponse,
  type ExecutionEvent,
} from '../protocol';

const IdParams = z.strictObject({ id: ExecutionId });
const CANCELLED_BY_USER = 'cancelled by user';

async function mustGet(db: ReturnType<typeof createDb>, id: string): Promise<ExecutionRow> {
  const row = await getExecution(db, id);
  if (!row) throw new AppError('NOT_FOUND', `execution ${id} does not exist`);
  return row;
}

export const executionsRoutes = new Hono<AppEnv>()
  .post('/', requireAdmin, jsonBody(CreateExecutionBody), async (c) => {
    const body = c.req.valid('json');
    const now = Date.now();
    const row = await insertExecution(createDb(c.env.DB), {
      id: newExecutionId(now),
      prompt: body.prompt,
      model: body.model ?? null,
      maxBudgetUsd: body.maxBudgetUsd ?? null,
      labels: body.labels ?? [],
      createdAt: now,
    });
    // The row is the commitment; a Fleet that cannot be reached now dispatches on its next hello, heartbeat or cron.
    try {
      await fleetOf(c.env).dispatch();
    } catch (error) {
      console.error(`dispatch after creating ${row.id} failed`, error);
    }
    return c.json(toExecution(row), 201);
  })

  .get('/', requireAdmin, query(ListExecutionsQuery), async (c) => {
    const { status, limit, cursor } = c.req.valid('query');
    const rows = await listExecutions(createDb(c.env.DB), {
      status,
      limit,
      after: cursor === undefined ? undefined : decodeCursor(cursor),
    });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    const nextCursor = rows.length > limit && last ? encodeCursor(last) : null;
    return c.json({ items: page.map(toExecution), nextCursor });
  })

  .get('/:id', requireAdmin, params(IdParams), async (c) => {
    const row = await mustGet(createDb(c.env.DB), c.req.valid('param').id);
    return c.json(toExecution(row));
  })

  .post('/:id/cancel', requireAdmin, params(IdParams), jsonBody(CancelExecutionBody, { optional: true }), async (c) => {
    const db = createDb(c.env.DB);
    const { id } = c.req.valid('param');
    let row = await mustGet(db, id);
    if (row.status === 'queued' || row.status === 'blocked') {
      if (await cancelQueuedExecution(db, id, Date.now(), CANCELLED_BY_USER)) {
        // D1 already says cancelled; a hub that cannot be reached only misses its closing status event.
        try {
          await hubOf(c.env, id).close(id, 'cancelled', CANCELLED_BY_USER);
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
    const events: ExecutionEvent[] = await hubOf(c.env, id).events(id, after, limit);
    return c.json({ events } satisfies z.infer<typeof EventsResponse>);
  })

  .get('/:id/stream', requireRunner, params(IdParams), async (c) => {
    const { id } = c.req.valid('param');
    if (!isWebSocketUpgrade(c.req.raw)) {
      throw new AppError('UPGRADE_REQUIRED', 'this endpoint is a WebSocket: send "Upgrade: websocket"');
    }
    const row = await mustGet(createDb(c.env.DB), id);
    const identity = c.get('identity');
    if (identity.kind !== 'runner' || row.runnerId !== identity.runnerId) {
      throw new AppError('FORBIDDEN', `execution ${id} is not assigned to this runner`);
    }
    const request = forwardedUpgrade(c.req.raw, { 'x-claudeops-role': 'runner', 'x-claudeops-execution-id': id });
    return hubOf(c.env, id).fetch(request);
  });
