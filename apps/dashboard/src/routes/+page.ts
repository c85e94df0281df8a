// Loads the overview (running now, recent results, spend, budgets, runners); a 401 sends the person to /login.
import { failLoad, loadClient } from '$lib/load-api';
import { loadOverview } from '$lib/overview';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, url }) => {
  try {
    return { overview: await loadOverview(loadClient(fetch, url)) };
  } catch (e) {
    failLoad(e);
  }
};
