// Loads the runners page: every runner, and the latest metrics of each online one.
import { error, redirect } from '@sveltejs/kit';
import { ApiError, createApiClient } from '$lib/api-client';
import { loginHref } from '$lib/paths';
import { loadFleet } from '$lib/fleet';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, url }) => {
  const api = createApiClient({ fetch, onUnauthorized: () => redirect(307, loginHref(url)) });
  try {
    return await loadFleet(api);
  } catch (e) {
    if (e instanceof ApiError) error(e.status >= 400 ? e.status : 503, { message: e.message, code: e.code });
    throw e;
  }
};
