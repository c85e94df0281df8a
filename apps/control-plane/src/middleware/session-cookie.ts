// The dashboard's session cookie: its name and attributes, shared by the auth middleware and the sessions routes.
import type { CookieOptions } from 'hono/utils/cookie';

export const SESSION_COOKIE = 'claudeops_session';
export const SESSION_TTL_MS = 7 * 24 * 3600 * 1000;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Secure everywhere except plain http on this machine, where a browser would otherwise drop the cookie. */
export function sessionCookieOptions(requestUrl: string, maxAgeSeconds: number): CookieOptions {
  const url = new URL(requestUrl);
  const plainLocal = url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
  return { httpOnly: true, sameSite: 'Strict', path: '/', secure: !plainLocal, maxAge: maxAgeSeconds };
}
