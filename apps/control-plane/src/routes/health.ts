// GET /api/v1/health: liveness and version, no auth (start scripts and load balancers poll it).
import { Hono } from 'hono';
import type { z } from 'zod';
import packageJson from '../../package.json';
import type { AppEnv } from '../env';
import { doc } from '../openapi/describe';
import { Health } from '../protocol';

export const healthRoutes = new Hono<AppEnv>().get(
  '/',
  doc({
    summary: 'Liveness and version',
    responses: { 200: { description: 'The control plane is up', schema: Health } },
  }),
  (c) => c.json({ ok: true, version: packageJson.version } satisfies z.infer<typeof Health>),
);
