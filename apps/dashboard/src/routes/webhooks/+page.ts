// Loads the webhooks (with their limits and current usage); a 401 sends the person to /login.
import { failLoad, loadClient } from '$lib/load-api';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, url }) => {
  try {
    return { webhooks: await loadClient(fetch, url).listWebhooks() };
  } catch (e) {
    failLoad(e);
  }
};
