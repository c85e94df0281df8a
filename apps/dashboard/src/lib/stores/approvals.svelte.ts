// Pending approvals for every page: the nav badge, the banner under the header, the overview's count and the
// approvals page's cards. The layout starts it (not on /login); it polls while the tab is visible.
import type { Approval } from '@claudeops/control-plane/protocol';
import { api } from '$lib/api';
import { ApiError } from '$lib/api-client';
import { ApprovalPoller, newestApproval, PENDING_LIMIT } from '$lib/approvals';

class PendingApprovals {
  items = $state<Approval[]>([]);
  more = $state(false);
  /** Whether a poll has answered yet (before that the count is unknown, not zero). */
  loaded = $state(false);
  error = $state<string | null>(null);

  readonly count = $derived(this.items.length);
  readonly newest = $derived(newestApproval(this.items));

  readonly #poller = new ApprovalPoller({
    fetchPending: async () => {
      const page = await api.listApprovals({ status: 'pending', limit: PENDING_LIMIT });
      return { items: page.items, more: page.nextCursor !== null };
    },
    onUpdate: ({ items, more }) => {
      this.items = items;
      this.more = more;
      this.loaded = true;
      this.error = null;
    },
    onError: (error) => {
      // A 401 is on its way to /login; anything else leaves the last known list up with a note.
      if (error instanceof ApiError && error.status === 401) return;
      this.error = error instanceof ApiError ? error.message : 'Approvals could not be checked.';
    },
    isVisible: () => typeof document === 'undefined' || document.visibilityState === 'visible',
  });

  #detach: (() => void) | null = null;

  start(): void {
    if (this.#poller.active) return;
    const poke = () => this.#poller.poke();
    document.addEventListener('visibilitychange', poke);
    window.addEventListener('focus', poke);
    this.#detach = () => {
      document.removeEventListener('visibilitychange', poke);
      window.removeEventListener('focus', poke);
    };
    this.#poller.start();
  }

  stop(): void {
    this.#poller.stop();
    this.#detach?.();
    this.#detach = null;
  }

  /** Polls now (after a decision elsewhere on the page). */
  refresh(): void {
    this.#poller.poke();
  }

  /** Takes a decided approval off the list at once, before the next poll confirms it. */
  remove(id: string): void {
    this.items = this.items.filter((item) => item.id !== id);
  }
}

export const pendingApprovals = new PendingApprovals();
