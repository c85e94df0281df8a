// /api/v1/settings: control-plane settings an operator changes at run time. Today: retention (how long audit
// entries, approvals and ended executions are kept; the cron trigger prunes, lib/retention.ts). Admin only.
import { Hono } from 'hono';
import { createDb } from '../db/client';
import { getRetention, putRetention } from '../db/queries/retention';
import type { AppEnv } from '../env';
import { actorOf, requireAdmin } from '../middleware/auth';
import { jsonBody } from '../middleware/validate';
import { doc } from '../openapi/describe';
import { RetentionSettings } from '../protocol';

export const settingsRoutes = new Hono<AppEnv>()
  .get(
    '/retention',
    doc({
      summary: 'Read the retention settings',
      description: 'How many days audit entries, decided approvals and ended executions are kept (null: forever).',
      responses: { 200: { description: 'The retention settings', schema: RetentionSettings } },
    }),
    requireAdmin,
    async (c) => {
      return c.json((await getRetention(createDb(c.env.DB))) satisfies RetentionSettings);
    },
  )

  .put(
    '/retention',
    doc({
      summary: 'Change the retention settings',
      description: 'The cron trigger prunes what is older, in bounded batches; costs stay.',
      responses: { 200: { description: 'The settings now in force', schema: RetentionSettings } },
    }),
    requireAdmin,
    jsonBody(RetentionSettings),
    async (c) => {
      const value = c.req.valid('json');
      await putRetention(createDb(c.env.DB), value, actorOf(c.get('identity')), Date.now());
      return c.json(value satisfies RetentionSettings);
    },
  );
