// Loads the overview (running now, recent results, spend, budgets, runners) without holding the page back: the
// frame (header, navigation, the approvals poll) renders and starts its own requests while these are on their way,
// and the page fills in when they answer. The promise never rejects: a failure is its result (a 401 carries the
// redirect to /login), so a rejection cannot go unhandled before the page takes it.
import { isRedirect } from '@sveltejs/kit';
import { ApiError } from '$lib/api-client';
import { loadClient } from '$lib/load-api';
import { loadOverview, type Overview } from '$lib/overview';
import type { PageLoad } from './$types';

type OverviewResult =
  { ok: true; overview: Overview } | { ok: false; status: number; message: string; redirect: string | null };

export const load: PageLoad = ({ fetch, url }) => ({
  overview: loadOverview(loadClient(fetch, url)).then(
    (overview): OverviewResult => ({ ok: true, overview }),
    (e: unknown): OverviewResult => {
      if (isRedirect(e)) return { ok: false, status: e.status, message: '', redirect: e.location };
      if (e instanceof ApiError) {
        return { ok: false, status: e.status >= 400 ? e.status : 503, message: e.message, redirect: null };
      }
      return { ok: false, status: 500, message: 'The page could not be loaded.', redirect: null };
    },
  ),
});
