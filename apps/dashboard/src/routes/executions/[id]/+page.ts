// Loads one execution's summary for its page; the live events come over the viewer socket afterwards.
import { error, redirect } from '@sveltejs/kit';
import { ApiError, createApiClient } from '$lib/api-client';
import { loginHref } from '$lib/paths';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, params, url }) => {
  const api = createApiClient({ fetch, onUnauthorized: () => redirect(307, loginHref(url)) });
  try {
    return { execution: await api.getExecution(params.id) };
  } catch (e) {
    if (e instanceof ApiError) {
      const message = e.status === 404 || e.status === 400 ? `No execution ${params.id}.` : e.message;
      error(e.status >= 400 ? e.status : 503, { message, code: e.code });
    }
    throw e;
  }
};
