// Loads one execution's summary for its page; the live events come over the viewer socket afterwards.
import { error, redirect } from '@sveltejs/kit';
import { ApiError, createApiClient } from '$lib/api-client';
import { loginHref } from '$lib/paths';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, params, url }) => {
  const api = createApiClient({ fetch, onUnauthorized: () => redirect(307, loginHref(url)) });
  try {
    const execution = await api.getExecution(params.id);
    // The runner's name for the header; the page works without it (a removed runner, a refused read).
    const runner = execution.runnerId ? await api.getRunner(execution.runnerId).catch(() => null) : null;
    return { execution, runnerName: runner?.name ?? null };
  } catch (e) {
    if (e instanceof ApiError) {
      const message = e.status === 404 || e.status === 400 ? `No execution ${params.id}.` : e.message;
      error(e.status >= 400 ? e.status : 503, { message, code: e.code });
    }
    throw e;
  }
};
