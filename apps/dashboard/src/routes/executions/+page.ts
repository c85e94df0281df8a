// Loads the executions list for the filters in the URL query, with the templates and runners the filters and the
// new-execution form offer; a 401 sends the person to /login.
import { filtersFromQuery, PAGE_SIZE } from '$lib/execution-list';
import { failLoad, loadClient } from '$lib/load-api';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, url }) => {
  const api = loadClient(fetch, url);
  const filters = filtersFromQuery(url.searchParams);
  try {
    const [firstPage, agents, runners] = await Promise.all([
      api.listExecutions({ ...filters, limit: PAGE_SIZE }),
      api.listAgents({ limit: 200 }),
      api.listRunners(),
    ]);
    return { filters, firstPage, agents: agents.items, runners, preselect: url.searchParams.get('new') };
  } catch (e) {
    failLoad(e);
  }
};
