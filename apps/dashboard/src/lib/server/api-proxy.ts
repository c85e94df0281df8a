// Forwards the dashboard's same-origin /api/* requests to the control plane when the two are deployed apart
// (the dashboard on Cloudflare Pages, the control plane on Workers). Used by hooks.server.ts.

/** Hop-by-hop and per-connection headers that must not be copied onto the upstream request. */
const DROPPED_REQUEST_HEADERS = ['host', 'content-length', 'connection', 'keep-alive', 'transfer-encoding'];

export function isApiPath(pathname: string): boolean {
  return pathname === '/api' || pathname.startsWith('/api/');
}

/** The control plane URL for a dashboard request: same path and query, on the API's origin (and base path). */
export function upstreamUrl(requestUrl: URL, apiBase: string): URL {
  const base = new URL(apiBase);
  const prefix = base.pathname.replace(/\/+$/, '');
  return new URL(`${prefix}${requestUrl.pathname}${requestUrl.search}`, base.origin);
}

/**
 * Sends the request on, keeping the session cookie and the browser's Origin (the control plane checks it against
 * CLAUDEOPS_DASHBOARD_ORIGINS), and returns the answer untouched: Set-Cookie, status and, on Workers, the
 * WebSocket of a 101 upgrade all pass straight through.
 */
export async function proxyToApi(
  request: Request,
  requestUrl: URL,
  apiBase: string,
  fetchImpl: typeof fetch = fetch,
): Promise<Response> {
  const headers = new Headers(request.headers);
  for (const name of DROPPED_REQUEST_HEADERS) headers.delete(name);
  headers.set('x-forwarded-host', requestUrl.host);
  headers.set('x-forwarded-proto', requestUrl.protocol.replace(/:$/, ''));
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
  // API bodies are small JSON; buffering them works in every runtime (Node's fetch refuses a stream without duplex).
  const body = hasBody ? await request.arrayBuffer() : undefined;
  return fetchImpl(upstreamUrl(requestUrl, apiBase), {
    method: request.method,
    headers,
    body,
    redirect: 'manual',
  });
}
