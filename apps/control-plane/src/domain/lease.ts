// Lease math for the Fleet: how long a lease lives, what a heartbeat renews, what has expired and what it becomes.
// Pure; the Fleet Durable Object keeps the leases in its storage and drives these from its handlers and alarm.
import type { CancelReason } from '../protocol/common';
import { lostReason } from './retry';

export interface Lease {
  readonly executionId: string;
  readonly runnerId: string;
  /** Epoch ms after which the runner is presumed gone. */
  readonly expiresAt: number;
  /** Set when a cancel was requested: an expiry then ends the execution `cancelled`, not `lost`. */
  readonly cancelReason: CancelReason | null;
}

export const DEFAULT_HEARTBEAT_INTERVAL_MS = 10_000;
/** A lease survives two missed heartbeats and expires on the third. */
export const LEASE_HEARTBEATS = 3;

/** Reads the heartbeat interval from its wrangler var; anything unusable falls back to the default. */
export function heartbeatIntervalMs(raw: string | undefined): number {
  const value = raw === undefined ? NaN : Number(raw);
  return Number.isInteger(value) && value > 0 ? value : DEFAULT_HEARTBEAT_INTERVAL_MS;
}

export const leaseTtlMs = (intervalMs: number): number => LEASE_HEARTBEATS * intervalMs;

export interface RunningReport {
  /** Listed and leased to this runner: renew. */
  readonly renew: string[];
  /** Listed but not leased to this runner (expired, or someone else's): tell the runner to stop. */
  readonly foreign: string[];
  /** Leased to this runner but not listed: it has not started them (or lost them). */
  readonly unlisted: string[];
}

/** Sorts what a runner says it runs against the leases the Fleet holds. */
export function reconcileRunning(
  leases: ReadonlyMap<string, Lease>,
  runnerId: string,
  running: readonly string[],
): RunningReport {
  const listed = new Set(running);
  const renew: string[] = [];
  const foreign: string[] = [];
  for (const executionId of listed) {
    if (leases.get(executionId)?.runnerId === runnerId) renew.push(executionId);
    else foreign.push(executionId);
  }
  const unlisted: string[] = [];
  for (const lease of leases.values()) {
    if (lease.runnerId === runnerId && !listed.has(lease.executionId)) unlisted.push(lease.executionId);
  }
  return { renew, foreign, unlisted };
}

export const isExpired = (lease: Lease, now: number): boolean => lease.expiresAt <= now;

/** When the Fleet's alarm should next fire: the earliest expiry, or null with no leases. */
export function nextExpiry(leases: Iterable<Lease>): number | null {
  let earliest: number | null = null;
  for (const lease of leases) if (earliest === null || lease.expiresAt < earliest) earliest = lease.expiresAt;
  return earliest;
}

/** The terminal status an expired lease gives its execution, and why. */
export function expiryOutcome(lease: Lease): { status: 'lost' | 'cancelled'; reason: string } {
  if (lease.cancelReason !== null) {
    return { status: 'cancelled', reason: `cancelled (${lease.cancelReason}); the runner stopped responding` };
  }
  return { status: 'lost', reason: lostReason(lease, null, null) };
}
