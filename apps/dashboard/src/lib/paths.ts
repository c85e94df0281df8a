// Where the login page sends a person back to, kept to paths on this origin so `?next=` cannot be used to
// redirect elsewhere. Used by the API 401 handling and the login page.

/** The login page, remembering the page to come back to. */
export function loginHref(current: URL | { pathname: string; search: string }): string {
  const back = current.pathname + current.search;
  if (current.pathname === '/login' || back === '/') return '/login';
  return `/login?next=${encodeURIComponent(back)}`;
}

/** A `next` value that is a path on this origin, else the home page. */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  if (next === '/login' || next.startsWith('/login?')) return '/';
  return next;
}
