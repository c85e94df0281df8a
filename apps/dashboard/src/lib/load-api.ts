// The API client for page loads: SvelteKit's fetch, a 401 redirects to /login (and back afterwards), and API
// errors become the error page. Used by the +page.ts loads of the overview, executions and templates pages.
import { error, redirect } from '@sveltejs/kit';
import { ApiError, createApiClient, type ApiClient, type FetchLike } from './api-client';
import { loginHref } from './paths';

export function loadClient(fetch: FetchLike, url: URL): ApiClient {
  return createApiClient({ fetch, onUnauthorized: () => redirect(307, loginHref(url)) });
}

/** Rethrows a load failure as SvelteKit's error page (503 when the control plane cannot be reached). */
export function failLoad(e: unknown): never {
  if (e instanceof ApiError) error(e.status >= 400 ? e.status : 503, { message: e.message, code: e.code });
  throw e;
}
