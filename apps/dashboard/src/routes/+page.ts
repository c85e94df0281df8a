// Loads the first page of executions for the home page; a 401 sends the person to /login.
import { error, redirect } from '@sveltejs/kit';
import { ApiError, createApiClient } from '$lib/api-client';
import { PAGE_SIZE } from '$lib/execution-list';
import { loginHref } from '$lib/paths';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, url }) => {
  const api = createApiClient({ fetch, onUnauthorized: () => redirect(307, loginHref(url)) });
  try {
    return { firstPage: await api.listExecutions({ limit: PAGE_SIZE }) };
  } catch (e) {
    if (e instanceof ApiError) error(e.status >= 400 ? e.status : 503, { message: e.message, code: e.code });
    throw e;
  }
};
