// /api/v1/runners: the fleet as the dashboard sees it, one runner with its metrics and their history, registration
// tokens (which may fix a runner's labels and slots), runner registration, revocation and the runner's control
// socket (forwarded to the Fleet Durable Object).
import { Hono } from 'hono';
import { z } from 'zod';
import { createDb } from '../db/client';
import { latestMetrics, listMetrics } from '../db/queries/runner-metrics';
import { getRunner, listRunners, registerRunner, revokeRunner, type RunnerRow } from '../db/queries/runners';
import { insertRegistrationToken } from '../db/queries/tokens';
import type { AppEnv } from '../env';
import { AppError } from '../errors';
import { decodeCursor, encodeCursor } from '../lib/cursor';
import { newRowId, newRunnerId } from '../lib/ids';
import { forwardedUpgrade, fleetOf, isWebSocketUpgrade } from '../lib/stubs';
import { toIso, toIsoOrNull } from '../lib/time';
import { generateToken, hashToken } from '../lib/tokens';
import { actorOf, registrationTokenInBody, requireAdmin, requireRunner } from '../middleware/auth';
import { jsonBody, params, query } from '../middleware/validate';
import { doc } from '../openapi/describe';
import {
  CreateRegistrationTokenBody,
  ListRunnersQuery,
  MetricsQuery,
  RegisterRunnerBody,
  RegisteredRunner,
  RegistrationToken,
  RunnerDetail,
  RunnerId,
  RunnerMetricsPage,
  RunnerPage,
  RunnerView,
} from '../protocol';

const DEFAULT_REGISTRATION_TTL_SECONDS = 3600;

type Snapshot = { runnerId: string; connected: boolean; running: string[]; freeSlots: number };

/** D1 has who the runners are; the Fleet knows who is connected and what each is running right now. */
function toRunnerView(row: RunnerRow, live: Snapshot | undefined, fleetKnown: boolean): RunnerView {
  const connected = row.revokedAt === null && (fleetKnown ? (live?.connected ?? false) : row.status === 'online');
  return {
    id: row.id,
    name: row.name,
    status: connected ? 'online' : 'offline',
    labels: row.labels,
    maxConcurrent: row.maxConcurrent,
    runningExecutions: live?.running ?? [],
    freeSlots: connected ? (live?.freeSlots ?? row.maxConcurrent) : 0,
    version: row.version,
    lastHeartbeatAt: toIsoOrNull(row.lastHeartbeatAt),
    createdAt: toIso(row.createdAt),
    sandbox: row.sandbox,
    revokedAt: toIsoOrNull(row.revokedAt),
  };
}

/** The Fleet's live view, or null when it cannot be reached (D1 alone then says who is online). */
async function fleetSnapshot(env: Env): Promise<Snapshot[] | null> {
  try {
    return await fleetOf(env).snapshot();
  } catch (error) {
    console.error('fleet snapshot failed', error);
    return null;
  }
}

const IdParams = z.strictObject({ id: RunnerId });

async function mustGet(env: Env, id: string): Promise<RunnerRow> {
  const row = await getRunner(createDb(env.DB), id);
  if (!row) throw new AppError('NOT_FOUND', `runner ${id} does not exist`);
  return row;
}

const REGISTRATION_REFUSED = {
  unknown: 'the registration token is not valid',
  used: 'the registration token has already been used; ask for a new one',
  expired: 'the registration token has expired; ask for a new one',
} as const;

export const runnersRoutes = new Hono<AppEnv>()
  .get(
    '/',
    doc({
      summary: 'List runners',
      responses: { 200: { description: 'A page of runners, with who is connected now', schema: RunnerPage } },
    }),
    requireAdmin,
    query(ListRunnersQuery),
    async (c) => {
      const { limit, cursor } = c.req.valid('query');
      const rows = await listRunners(createDb(c.env.DB), {
        limit,
        after: cursor === undefined ? undefined : decodeCursor(cursor),
      });
      // Without the Fleet the list is still worth showing from D1 alone; it just may lag on who is connected.
      const snapshot = await fleetSnapshot(c.env);
      const live = new Map((snapshot ?? []).map((entry) => [entry.runnerId, entry]));
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return c.json({
        items: page.map((row) => toRunnerView(row, live.get(row.id), snapshot !== null)),
        nextCursor: rows.length > limit && last ? encodeCursor(last) : null,
      } satisfies z.infer<typeof RunnerPage>);
    },
  )

  .post(
    '/registration-tokens',
    doc({
      summary: 'Mint a registration token',
      description: 'One use, for one runner; it may fix the labels and slots that runner gets.',
      responses: { 201: { description: 'The token, shown this once', schema: RegistrationToken } },
    }),
    requireAdmin,
    jsonBody(CreateRegistrationTokenBody, { optional: true }),
    async (c) => {
      const body = c.req.valid('json');
      const ttlSeconds = body.ttlSeconds ?? DEFAULT_REGISTRATION_TTL_SECONDS;
      const labels = body.labels ?? null;
      const maxConcurrent = body.maxConcurrent ?? null;
      const token = generateToken('registration');
      const now = Date.now();
      const expiresAt = now + ttlSeconds * 1000;
      await insertRegistrationToken(createDb(c.env.DB), {
        id: newRowId(),
        tokenHash: await hashToken(token),
        createdAt: now,
        expiresAt,
        labels,
        maxConcurrent,
      });
      const created = { token, expiresAt: toIso(expiresAt), labels, maxConcurrent };
      return c.json(created satisfies z.infer<typeof RegistrationToken>, 201);
    },
  )

  .post(
    '/register',
    doc({
      summary: 'Register a runner',
      description:
        'With a registration token in the body (no Authorization header). A 401 when the token is unknown, used or expired.',
      responses: { 201: { description: 'Its id and runner token, shown this once', schema: RegisteredRunner } },
    }),
    registrationTokenInBody,
    jsonBody(RegisterRunnerBody),
    async (c) => {
      const body = c.req.valid('json');
      const now = Date.now();
      const runnerId = newRunnerId(now);
      const runnerToken = generateToken('runner');
      const outcome = await registerRunner(createDb(c.env.DB), await hashToken(body.registrationToken), {
        id: runnerId,
        name: body.name,
        tokenHash: await hashToken(runnerToken),
        labels: body.labels,
        maxConcurrent: body.maxConcurrent,
        createdAt: now,
      });
      if (outcome !== 'registered') throw new AppError('UNAUTHORIZED', REGISTRATION_REFUSED[outcome]);
      return c.json({ runnerId, runnerToken } satisfies z.infer<typeof RegisteredRunner>, 201);
    },
  )

  .get(
    '/connect',
    doc({
      summary: "The runner's control socket (WebSocket)",
      description: 'A WebSocket upgrade (send `Upgrade: websocket`); a plain GET is a 426.',
      responses: {
        101: { description: 'Switching protocols: runner.hello, job offers, heartbeats, cancels (protocol/frames.ts)' },
      },
    }),
    requireRunner,
    async (c) => {
      if (!isWebSocketUpgrade(c.req.raw)) {
        throw new AppError('UPGRADE_REQUIRED', 'this endpoint is a WebSocket: send "Upgrade: websocket"');
      }
      const identity = c.get('identity');
      if (identity.kind !== 'runner') throw new AppError('FORBIDDEN', 'this endpoint needs a runner token');
      return fleetOf(c.env).fetch(forwardedUpgrade(c.req.raw, { 'x-claudeops-runner-id': identity.runnerId }));
    },
  )

  .get(
    '/:id',
    doc({
      summary: 'Read a runner',
      responses: { 200: { description: 'The runner and its latest metrics', schema: RunnerDetail } },
    }),
    requireAdmin,
    params(IdParams),
    async (c) => {
      const row = await mustGet(c.env, c.req.valid('param').id);
      const snapshot = await fleetSnapshot(c.env);
      const live = snapshot?.find((entry) => entry.runnerId === row.id);
      const view = toRunnerView(row, live, snapshot !== null);
      return c.json({ ...view, metrics: latestMetrics(row.metrics) } satisfies RunnerDetail);
    },
  )

  // Revokes the runner: its token answers 401 from now on, the Fleet closes its sockets and its leased executions go
  // `lost` (retried by policy). The row stays, with revokedAt, for history. Idempotent: 200 with the runner each time.
  .delete(
    '/:id',
    doc({
      summary: 'Revoke a runner',
      description:
        'Its token is refused from now on, its sockets close and its leased executions go `lost` (retried by policy). Idempotent.',
      responses: { 200: { description: 'The runner, with revokedAt', schema: RunnerView } },
    }),
    requireAdmin,
    params(IdParams),
    async (c) => {
      const { id } = c.req.valid('param');
      const row = await revokeRunner(createDb(c.env.DB), id, actorOf(c.get('identity')), Date.now());
      if (!row) throw new AppError('NOT_FOUND', `runner ${id} does not exist`);
      // Repeated on every call, so a revocation whose Fleet call failed is completed by calling again.
      await fleetOf(c.env).revoke(id);
      return c.json(toRunnerView(row, undefined, true) satisfies RunnerView);
    },
  )

  // The newest `limit` samples in [from, to), oldest first: what a chart of the runner's recent load needs.
  .get(
    '/:id/metrics',
    doc({
      summary: "A runner's metrics history",
      responses: {
        200: { description: 'The newest `limit` samples in [from, to), oldest first', schema: RunnerMetricsPage },
      },
    }),
    requireAdmin,
    params(IdParams),
    query(MetricsQuery),
    async (c) => {
      const { id } = c.req.valid('param');
      const { from, to, limit } = c.req.valid('query');
      await mustGet(c.env, id);
      const samples = await listMetrics(createDb(c.env.DB), id, {
        from: from === undefined ? undefined : Date.parse(from),
        to: to === undefined ? undefined : Date.parse(to),
        limit,
      });
      const items = samples.map((sample) => ({ ts: toIso(sample.ts), metrics: sample.metrics }));
      return c.json({ items, nextCursor: null } satisfies z.infer<typeof RunnerMetricsPage>);
    },
  );
