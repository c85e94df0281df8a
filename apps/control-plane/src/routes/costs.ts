// /api/v1/costs: what executions cost, summed by day, model, agent or runner. Used by the dashboard and clients.
import { Hono } from 'hono';
import type { z } from 'zod';
import { createDb } from '../db/client';
import { costSummary, dayRange } from '../db/queries/costs';
import type { AppEnv } from '../env';
import { requireAdmin } from '../middleware/auth';
import { query } from '../middleware/validate';
import { CostSummaryQuery, type CostSummary } from '../protocol';

const utc = (iso: string | undefined): string | null => (iso === undefined ? null : new Date(iso).toISOString());

export const costsRoutes = new Hono<AppEnv>().get('/summary', requireAdmin, query(CostSummaryQuery), async (c) => {
  const { from, to, groupBy } = c.req.valid('query');
  // Costs are filed under the UTC day their execution started, so `from`/`to` select the whole days they overlap.
  const summary = await costSummary(createDb(c.env.DB), { groupBy, ...dayRange(from, to) });
  return c.json({ groupBy, from: utc(from), to: utc(to), ...summary } satisfies z.infer<typeof CostSummary>);
});
