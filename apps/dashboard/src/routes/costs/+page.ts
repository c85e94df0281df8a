// Loads the costs page: budgets, the last 30 UTC days of spend by day, model, agent and runner, and runner names.
import { error, redirect } from '@sveltejs/kit';
import { ApiError, createApiClient } from '$lib/api-client';
import { utcDays } from '$lib/chart-data';
import { loginHref } from '$lib/paths';
import type { PageLoad } from './$types';

const DAYS = 30;

export const load: PageLoad = async ({ fetch, url }) => {
  const api = createApiClient({ fetch, onUnauthorized: () => redirect(307, loginHref(url)) });
  const now = new Date();
  const days = utcDays(now, DAYS);
  const range = { from: `${days[0]}T00:00:00.000Z`, to: now.toISOString() };
  try {
    const [budgets, byDay, byModel, byAgent, byRunner, runners] = await Promise.all([
      api.listBudgets(),
      api.costSummary({ ...range, groupBy: 'day' }),
      api.costSummary({ ...range, groupBy: 'model' }),
      api.costSummary({ ...range, groupBy: 'agent' }),
      api.costSummary({ ...range, groupBy: 'runner' }),
      // Names for the runner table only: without them the ids are shown.
      api.listRunners().catch(() => []),
    ]);
    const runnerNames = Object.fromEntries(runners.map((r) => [r.id, r.name]));
    return { days, budgets, byDay, byModel, byAgent, byRunner, runnerNames };
  } catch (e) {
    if (e instanceof ApiError) error(e.status >= 400 ? e.status : 503, { message: e.message, code: e.code });
    throw e;
  }
};
