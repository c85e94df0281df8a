// Loads the schedules and the agent templates (for the create form's picker); a 401 sends the person to /login.
import { failLoad, loadClient } from '$lib/load-api';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, url }) => {
  try {
    const client = loadClient(fetch, url);
    const [schedules, agents] = await Promise.all([client.listSchedules(), client.listAgents({ limit: 200 })]);
    return { schedules: schedules.items, agents: agents.items };
  } catch (e) {
    failLoad(e);
  }
};
