// Capped exponential backoff with jitter and an abortable sleep; used by the control connection and the log streamer.

export interface BackoffOptions {
  /** Delay before the first retry, before jitter. */
  baseMs: number;
  /** Upper bound of any delay. */
  maxMs: number;
}

/**
 * The cap stays far below the lease TTL (3 heartbeats, 30 s by default): after a control-plane redeploy or outage a
 * healthy runner must be back, and renew its leases, long before they expire; jitter spreads a fleet's returns.
 */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 5_000 };

/**
 * Delay before retry number `attempt` (0 for the first retry): "equal jitter", half of the capped exponential
 * step plus a random half, so many runners cut off at once do not all return in the same instant, yet none
 * retries sooner than half its step.
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const step = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(step / 2 + random() * (step / 2));
}

/** Resolves after `ms`, or early (without throwing) once `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
