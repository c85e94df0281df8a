// Server hook: when CLAUDEOPS_API_URL is set (production on Cloudflare Pages), /api/* is forwarded to the control
// plane there, so the browser keeps talking to one origin. In `vite dev` the Vite proxy does this job first.
import type { Handle } from '@sveltejs/kit';
import { env } from '$env/dynamic/private';
import { isApiPath, proxyToApi } from '$lib/server/api-proxy';

export const handle: Handle = async ({ event, resolve }) => {
  const apiBase = env.CLAUDEOPS_API_URL;
  if (apiBase && isApiPath(event.url.pathname)) {
    // Pointing the proxy at the dashboard itself would forward each request to itself forever.
    if (new URL(apiBase).origin === event.url.origin) {
      return Response.json(
        { error: { code: 'INTERNAL', message: 'CLAUDEOPS_API_URL points at the dashboard, not the control plane' } },
        { status: 500 },
      );
    }
    return proxyToApi(event.request, event.url, apiBase);
  }
  return resolve(event);
};
