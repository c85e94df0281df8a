// /api/v1/costs: what executions cost, summed by day, model, agent or runner. Used by the dashboard and clients.
import { Hono } from 'hono';
import type { z } from 'zod';
import { createDb } from '../db/client';
import { costSummary, dayRange } from '../db/queries/costs';
import type { AppEnv } from '../env';
import { requireAdmin } from '../middleware/auth';
import { query } from '../middleware/validate';
import { doc } from '../openapi/describe';
import { CostSummary, CostSummaryQuery } from '../protocol';

const utc = (iso: string | undefined): string | null => (iso === undefined ? null : new Date(iso).toISOString());

export const costsRoutes = new Hono<AppEnv>().get(
  '/summary',
  doc({
    summary: 'What executions cost, summed by day, model, agent or runner',
    description: 'Costs are filed under the UTC day their execution started; `from`/`to` select whole days.',
    responses: { 200: { description: 'The sums per group and the total', schema: CostSummary } },
  }),
  requireAdmin,
  query(CostSummaryQuery),
  async (c) => {
    const { from, to, groupBy } = c.req.valid('query');
    // Costs are filed under the UTC day their execution started, so `from`/`to` select the whole days they overlap.
    const summary = await costSummary(createDb(c.env.DB), { groupBy, ...dayRange(from, to) });
    return c.json({ groupBy, from: utc(from), to: utc(to), ...summary } satisfies z.infer<typeof CostSummary>);
  },
);
