// The control plane's rate limits: their defaults and the settings that change them. Pure; read by the rate-limit
// middleware (logins, HTTP requests), the Fleet (heartbeats) and the ExecutionHub (permits).
import { parseRateLimit, type RateLimit } from './token-bucket';

/** The variables (wrangler.toml `[vars]`, `.dev.vars` or `wrangler dev --var`) that set each limit, as
 * `<count>` (per minute) or `<count>/<seconds>`. */
export const RATE_LIMIT_SETTINGS = {
  login: 'CLAUDEOPS_RATE_LIMIT_LOGIN',
  http: 'CLAUDEOPS_RATE_LIMIT_HTTP',
  heartbeats: 'CLAUDEOPS_RATE_LIMIT_HEARTBEATS',
  permits: 'CLAUDEOPS_RATE_LIMIT_PERMITS',
} as const;
export type RateLimitSettings = Partial<Record<(typeof RATE_LIMIT_SETTINGS)[keyof typeof RATE_LIMIT_SETTINGS], string>>;

const MINUTE_MS = 60_000;

/** Defaults, far above what a person, the dashboard or a runner sends, far below what would cost real money. */
export const DEFAULT_RATE_LIMITS = {
  /** Login attempts (POST /api/v1/sessions) per client address: 10 a minute guesses nothing. */
  login: { capacity: 10, windowMs: MINUTE_MS },
  /** Requests per token, session or runner: a burst of 1200, then 20 a second (the dashboard polls a few a second). */
  http: { capacity: 1200, windowMs: MINUTE_MS },
  /** Model-call permits per execution stream: a burst of 120, then 10 a second; one model call takes seconds. */
  permits: { capacity: 120, windowMs: 12_000 },
} as const satisfies Record<string, RateLimit>;

/** A runner heartbeats once per interval; its limit is this many times that rate (a burst as large). */
export const HEARTBEAT_HEADROOM = 10;
/** The smallest heartbeat burst, so a reconnect or two never runs into it whatever the interval. */
const MIN_HEARTBEAT_BURST = 30;

/** The setting's limit, or `fallback` when it is unset or not a limit (a typo must not close the API). */
export function limitFrom(setting: string | undefined, fallback: RateLimit): RateLimit {
  return parseRateLimit(setting) ?? fallback;
}

export const loginLimit = (env: RateLimitSettings) =>
  limitFrom(env.CLAUDEOPS_RATE_LIMIT_LOGIN, DEFAULT_RATE_LIMITS.login);
export const httpLimit = (env: RateLimitSettings) => limitFrom(env.CLAUDEOPS_RATE_LIMIT_HTTP, DEFAULT_RATE_LIMITS.http);
export const permitLimit = (env: RateLimitSettings) =>
  limitFrom(env.CLAUDEOPS_RATE_LIMIT_PERMITS, DEFAULT_RATE_LIMITS.permits);

/** Heartbeats per runner: HEARTBEAT_HEADROOM times the rate the Fleet asks for (60 a minute at the default 10 s). */
export function heartbeatLimit(env: RateLimitSettings, intervalMs: number): RateLimit {
  const perMinute = Math.ceil((HEARTBEAT_HEADROOM * MINUTE_MS) / Math.max(1, intervalMs));
  return limitFrom(env.CLAUDEOPS_RATE_LIMIT_HEARTBEATS, {
    capacity: Math.max(MIN_HEARTBEAT_BURST, perMinute),
    windowMs: MINUTE_MS,
  });
}
