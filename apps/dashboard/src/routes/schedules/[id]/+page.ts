// Loads one schedule and its runs, newest first; a 401 sends the person to /login.
import { failLoad, loadClient } from '$lib/load-api';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, url, params }) => {
  try {
    const client = loadClient(fetch, url);
    const [schedule, runs] = await Promise.all([
      client.getSchedule(params.id),
      client.listScheduleRuns(params.id, { limit: 100 }),
    ]);
    return { schedule, runs: runs.items };
  } catch (e) {
    failLoad(e);
  }
};
