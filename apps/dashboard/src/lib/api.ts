// The API client components use: the browser's fetch, and a 401 sends the person to /login and back afterwards.
import { goto } from '$app/navigation';
import { createApiClient } from './api-client';
import { loginHref } from './paths';

export const api = createApiClient({
  fetch: (input, init) => fetch(input, init),
  onUnauthorized: () => {
    void goto(loginHref(window.location), { replaceState: true });
  },
});
