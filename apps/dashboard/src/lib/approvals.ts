// Pending approvals: the poller behind the banner and the nav badge (polls while the tab is visible, at once when it
// comes back), and what an approval card shows (diff lines, time left, remember choices, decision errors).
import type { Approval, RememberScope } from '@claudeops/control-plane/protocol';
import { ApiError } from './api-client';

export const APPROVALS_POLL_MS = 5000;
/** The most pending approvals one poll reads (the API's page limit); more shows as "200+". */
export const PENDING_LIMIT = 200;

export interface PendingSnapshot {
  items: Approval[];
  /** More are pending than one page holds. */
  more: boolean;
}

export interface PollerDeps {
  fetchPending: () => Promise<PendingSnapshot>;
  onUpdate: (snapshot: PendingSnapshot) => void;
  onError: (error: unknown) => void;
  isVisible: () => boolean;
  intervalMs?: number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
}

/**
 * Polls while started and visible: one request at a time, the next one `intervalMs` after the last answer. A hidden
 * tab schedules nothing (a phone's radio can sleep); `poke()` (visibilitychange, focus) polls at once.
 */
export class ApprovalPoller {
  #active = false;
  #inFlight = false;
  #timer: unknown = undefined;
  readonly #deps: Required<PollerDeps>;

  constructor(deps: PollerDeps) {
    this.#deps = {
      intervalMs: APPROVALS_POLL_MS,
      setTimer: (fn, ms) => setTimeout(fn, ms),
      clearTimer: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
      ...deps,
    };
  }

  get active(): boolean {
    return this.#active;
  }

  start(): void {
    if (this.#active) return;
    this.#active = true;
    this.poke();
  }

  stop(): void {
    this.#active = false;
    this.#cancelTimer();
  }

  /** Polls now if started, visible and not already waiting for an answer. */
  poke(): void {
    if (!this.#active || this.#inFlight || !this.#deps.isVisible()) return;
    this.#cancelTimer();
    void this.#poll();
  }

  async #poll(): Promise<void> {
    this.#inFlight = true;
    try {
      const snapshot = await this.#deps.fetchPending();
      if (this.#active) this.#deps.onUpdate(snapshot);
    } catch (error) {
      if (this.#active) this.#deps.onError(error);
    } finally {
      this.#inFlight = false;
    }
    if (this.#active && this.#deps.isVisible()) {
      this.#timer = this.#deps.setTimer(() => {
        this.#timer = undefined;
        this.poke();
      }, this.#deps.intervalMs);
    }
  }

  #cancelTimer(): void {
    if (this.#timer !== undefined) this.#deps.clearTimer(this.#timer);
    this.#timer = undefined;
  }
}

/** Pages that poll nothing: signing in has no session yet. */
export function pollsApprovals(pathname: string): boolean {
  return pathname !== '/login' && !pathname.startsWith('/login/');
}

/** Newest first by creation time (the API's order, kept when merging). */
export function newestApproval(items: readonly Approval[]): Approval | null {
  let newest: Approval | null = null;
  for (const item of items) if (!newest || item.createdAt > newest.createdAt) newest = item;
  return newest;
}

export function pendingCountLabel(count: number, more: boolean): string {
  const n = more ? `${count}+` : String(count);
  return count === 1 && !more ? '1 approval waiting' : `${n} approvals waiting`;
}

export type SummaryLineKind = 'add' | 'del' | 'hunk' | 'meta' | 'text';
export interface SummaryLine {
  kind: SummaryLineKind;
  text: string;
}

/** A summary's lines, marked as diff lines when it holds a unified diff (an Edit's), else plain text. */
export function summaryLines(summary: string): SummaryLine[] {
  const lines = summary.split('\n');
  const isDiff = lines.some((line) => line.startsWith('@@ '));
  return lines.map((text) => ({ kind: isDiff ? diffKind(text) : 'text', text }));
}

function diffKind(line: string): SummaryLineKind {
  if (line.startsWith('+++ ') || line.startsWith('--- ')) return 'meta';
  if (line.startsWith('@@')) return 'hunk';
  if (line.startsWith('+')) return 'add';
  if (line.startsWith('-')) return 'del';
  return 'text';
}

/** The first line of a summary (the banner's one-liner). */
export function summaryHeadline(summary: string, max = 140, tool?: string): string {
  let line = summary.trim().split('\n', 1)[0] ?? '';
  // Shown after the tool's name: "Write a.txt (new file…)" reads "Write a.txt…", not "Write Write a.txt…".
  if (tool && line.startsWith(`${tool} `)) line = line.slice(tool.length + 1);
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** "4 min 10 s left", "expiring", or null once decided. */
export function timeLeft(approval: Pick<Approval, 'status' | 'expiresAt'>, now = Date.now()): string | null {
  if (approval.status !== 'pending') return null;
  const seconds = Math.floor((Date.parse(approval.expiresAt) - now) / 1000);
  if (seconds <= 0) return 'expiring';
  if (seconds < 60) return `${seconds} s left`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s left`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min left`;
}

export interface RememberOption {
  value: '' | RememberScope;
  label: string;
}

/** What "remember" can grant: the template option only for executions started from a template. */
export function rememberOptions(approval: Pick<Approval, 'agent' | 'pattern'>): RememberOption[] {
  const options: RememberOption[] = [
    { value: '', label: 'Just this once' },
    { value: 'execution', label: 'For the rest of this execution' },
  ];
  if (approval.agent !== 'default') options.push({ value: 'agent', label: `On template ${approval.agent}` });
  return options;
}

/** What went wrong with a decision, in words; `conflict` when someone else answered first. */
export function decisionError(error: unknown): { conflict: boolean; message: string } {
  if (error instanceof ApiError && error.status === 409) {
    return { conflict: true, message: 'Someone answered first.' };
  }
  if (error instanceof ApiError) return { conflict: false, message: error.message };
  return { conflict: false, message: 'The decision could not be sent. Try again.' };
}

/** How a decided approval ended, in words: "Allowed by admin", "Expired (nobody answered)". */
export function outcomeLabel(approval: Pick<Approval, 'status' | 'decidedBy'>): string {
  const by = approval.decidedBy ? ` by ${approval.decidedBy}` : '';
  switch (approval.status) {
    case 'pending':
      return 'Waiting';
    case 'allowed':
      return `Allowed${by}`;
    case 'denied':
      return `Denied${by}`;
    case 'expired':
      return 'Expired (nobody answered)';
    case 'cancelled':
      return 'Cancelled (the execution ended)';
  }
}
