// /api/v1/budgets: set, list and remove budgets. Each scope's BudgetGuard holds the live spend and state and keeps
// the configuration row in D1 that the list reads. Used by the dashboard and outside clients.
import { Hono } from 'hono';
import { z } from 'zod';
import { createDb } from '../db/client';
import { getBudgetRow, listBudgetRows } from '../db/queries/budgets';
import type { AppEnv } from '../env';
import { AppError } from '../errors';
import { guardOf } from '../lib/stubs';
import { requireAdmin } from '../middleware/auth';
import { jsonBody, params, query } from '../middleware/validate';
import { doc } from '../openapi/describe';
import { Budget, BudgetPage, BudgetScope, PutBudgetBody } from '../protocol';

/** The scope is one path segment: `agent:default` may be sent as is or as `agent%3Adefault`; a label's `/` as %2F. */
const ScopeParams = z.strictObject({ scope: BudgetScope });
const ListBudgetsQuery = z.strictObject({});

export const budgetsRoutes = new Hono<AppEnv>()
  .get(
    '/',
    doc({
      summary: 'List budgets',
      responses: { 200: { description: 'Every budget with its live spend and state', schema: BudgetPage } },
    }),
    requireAdmin,
    query(ListBudgetsQuery),
    async (c) => {
      const rows = await listBudgetRows(createDb(c.env.DB));
      const views = await Promise.all(rows.map((row) => guardOf(c.env, row.scope).view(row.scope)));
      // A row whose guard has no budget is a removal that stopped halfway; it is not a budget.
      const items: Budget[] = views.filter((view): view is Budget => view !== null);
      return c.json({ items, nextCursor: null } satisfies z.infer<typeof BudgetPage>);
    },
  )

  .put(
    '/:scope',
    doc({
      summary: 'Set a budget',
      description:
        'Scope `global`, `agent:<name>`, `label:<label>` or `runner:<id>` (URL-encode `:` and `/` as needed).',
      responses: { 200: { description: 'The budget with its live spend', schema: Budget } },
    }),
    requireAdmin,
    params(ScopeParams),
    jsonBody(PutBudgetBody),
    async (c) => {
      const { scope } = c.req.valid('param');
      const body = c.req.valid('json');
      const budget: Budget = await guardOf(c.env, scope).configure(scope, {
        period: body.period,
        softLimitUsd: body.softLimitUsd ?? null,
        hardLimitUsd: body.hardLimitUsd ?? null,
        ...(body.onHardLimit && { onHardLimit: body.onHardLimit }),
      });
      return c.json(budget);
    },
  )

  .delete(
    '/:scope',
    doc({ summary: 'Remove a budget', responses: { 204: { description: 'Removed' } } }),
    requireAdmin,
    params(ScopeParams),
    async (c) => {
      const { scope } = c.req.valid('param');
      const guard = guardOf(c.env, scope);
      const exists =
        (await guard.view(scope)) !== null || (await getBudgetRow(createDb(c.env.DB), scope)) !== undefined;
      if (!exists) throw new AppError('NOT_FOUND', `there is no budget for scope ${scope}`);
      await guard.remove(scope);
      return c.body(null, 204);
    },
  );
