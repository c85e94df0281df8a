// Loads one agent template for its edit page; a 401 sends the person to /login, a missing one is a 404.
import { failLoad, loadClient } from '$lib/load-api';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, url, params }) => {
  try {
    return { agent: await loadClient(fetch, url).getAgent(params.name) };
  } catch (e) {
    failLoad(e);
  }
};
