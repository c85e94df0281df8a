// Loads one runner: its latest state, the last hour of metrics and its recent executions.
import { error, redirect } from '@sveltejs/kit';
import { ApiError, createApiClient } from '$lib/api-client';
import { METRICS_WINDOW_MS } from '$lib/chart-data';
import { loginHref } from '$lib/paths';
import type { PageLoad } from './$types';

const EXECUTIONS_SHOWN = 20;

export const load: PageLoad = async ({ fetch, url, params }) => {
  const api = createApiClient({ fetch, onUnauthorized: () => redirect(307, loginHref(url)) });
  const from = new Date(Date.now() - METRICS_WINDOW_MS).toISOString();
  try {
    const [runner, history, executions] = await Promise.all([
      api.getRunner(params.id),
      api.runnerMetrics(params.id, { from, limit: 1000 }),
      api.listExecutions({ runner: params.id, limit: EXECUTIONS_SHOWN }),
    ]);
    return { runner, samples: history.items, executions: executions.items, executionsShown: EXECUTIONS_SHOWN };
  } catch (e) {
    if (e instanceof ApiError) error(e.status >= 400 ? e.status : 503, { message: e.message, code: e.code });
    throw e;
  }
};
