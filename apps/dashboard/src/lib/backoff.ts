// Reconnect delays for the dashboard's live sockets: capped exponential backoff with jitter, so a hundred phones
// waking at once do not reconnect in lockstep. Used by the viewer connection.

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** Fraction of each delay that is randomised (0: none, 1: anywhere from 0 to the full delay). */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 15_000, jitter: 0.5 };

/** The delay before reconnect attempt `attempt` (0 for the first retry). `random` returns a value in [0, 1). */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random = Math.random): number {
  const exponent = Math.min(Math.max(attempt, 0), 30);
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** exponent);
  return Math.round(ceiling * (1 - options.jitter * random()));
}
