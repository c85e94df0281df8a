// Loads the agent templates; a 401 sends the person to /login.
import { failLoad, loadClient } from '$lib/load-api';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, url }) => {
  try {
    return { agents: (await loadClient(fetch, url).listAgents({ limit: 200 })).items };
  } catch (e) {
    failLoad(e);
  }
};
