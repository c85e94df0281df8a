// Loads one webhook (by id or name) and its first page of deliveries, newest first; a 401 sends the person to
// /login. Later pages are fetched by the page itself (Older / Newer).
import { failLoad, loadClient } from '$lib/load-api';
import { PAGE_SIZE } from '$lib/webhooks';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, url, params }) => {
  try {
    const client = loadClient(fetch, url);
    const [webhook, deliveries] = await Promise.all([
      client.getWebhook(params.id),
      client.listDeliveries(params.id, { limit: PAGE_SIZE }),
    ]);
    return { webhook, deliveries };
  } catch (e) {
    failLoad(e);
  }
};
