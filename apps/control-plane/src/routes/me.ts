// /api/v1/me: who the request is from, as the audit log will name them. Used by the dashboard's header.
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { actorOf, requireAdmin } from '../middleware/auth';
import { doc } from '../openapi/describe';
import { Me } from '../protocol';

export const meRoutes = new Hono<AppEnv>().get(
  '/',
  doc({
    summary: 'Who the request is from',
    description: 'As the audit log names the caller: `admin` (the token), `dashboard` (a session) or an Access email.',
    responses: { 200: { description: 'The caller', schema: Me } },
  }),
  requireAdmin,
  (c) => {
    const identity = c.get('identity');
    // requireAdmin let only admins through.
    if (identity.kind !== 'admin') throw new Error('requireAdmin let a runner through');
    return c.json({ actor: actorOf(identity), via: identity.via } satisfies Me);
  },
);
