// Loads one execution's summary for its page (its runner's name follows); the live events come over the viewer
// socket afterwards.
import { error, redirect } from '@sveltejs/kit';
import { ApiError, createApiClient } from '$lib/api-client';
import { loginHref } from '$lib/paths';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, params, url }) => {
  const api = createApiClient({ fetch, onUnauthorized: () => redirect(307, loginHref(url)) });
  try {
    const execution = await api.getExecution(params.id);
    // The runner's name for the header, not waited for: the page renders and opens its stream meanwhile, and
    // works without it (a removed runner, a refused read). The promise never rejects.
    const runnerName: Promise<string | null> = execution.runnerId
      ? api.getRunner(execution.runnerId).then(
          (runner) => runner.name,
          () => null,
        )
      : Promise.resolve(null);
    return { execution, runnerName };
  } catch (e) {
    if (e instanceof ApiError) {
      const message = e.status === 404 || e.status === 400 ? `No execution ${params.id}.` : e.message;
      error(e.status >= 400 ? e.status : 503, { message, code: e.code });
    }
    throw e;
  }
};
