// Bounds on the numbers a runner sends (events and frames): far above anything real, low enough that a hostile or
// broken runner cannot push absurd figures into the log, D1 or a budget. Used by events.ts and frames.ts.
import { z } from 'zod';

/** The highest event seq of one execution's log (a billion events: no real run comes near). */
export const MAX_SEQ = 1_000_000_000;
/** Tokens in one API message's usage, per kind. */
export const MAX_TOKENS = 1_000_000_000;
/** Dollars in one cost figure (a message, a run's total, a budget alert). */
export const MAX_USD = 1_000_000;
/** A count a runner reports: turns, web searches, lines changed. */
export const MAX_COUNT = 1_000_000_000;
/** A duration a runner reports, in milliseconds (30 days). */
export const MAX_DURATION_MS = 30 * 24 * 3600 * 1000;
/** How long an approval may wait, in milliseconds: the longest approvalTimeoutSeconds a template may set (7 days). */
export const MAX_APPROVAL_TIMEOUT_MS = 7 * 24 * 3600 * 1000;
/** A size in bytes a runner reports (memory, disk, a patch): 1 PiB. */
export const MAX_BYTES = 2 ** 50;
/** Bytes per second a runner's network reports: 1 TiB/s. */
export const MAX_BYTES_PER_SEC = 2 ** 40;
/** A percentage a runner reports (CPU load may add up across cores). */
export const MAX_PERCENT = 100_000;
/** A temperature in °C a GPU reports. */
export const MAX_TEMPERATURE_C = 1_000;
/** A load average. */
export const MAX_LOAD_AVERAGE = 100_000;

/** A non-negative integer up to `max`. */
export const boundedCount = (max: number) => z.number().int().nonnegative().max(max);
/** A non-negative finite number up to `max`. */
export const boundedAmount = (max: number) => z.number().nonnegative().max(max);
