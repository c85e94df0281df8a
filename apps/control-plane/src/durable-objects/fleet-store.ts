// The Fleet's durable state in its SQLite storage: leases, what each runner last announced about itself (capped to
// what it registered with) and how it confines jobs, and the retries of lost executions not yet created in D1.
import type { RunnerSlots } from '../domain/dispatch';
import type { Lease } from '../domain/lease';
import type { CancelReason } from '../protocol/common';
import type { SandboxKind } from '../protocol/sandbox';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS leases (
  execution_id TEXT PRIMARY KEY,
  runner_id TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  cancel_reason TEXT
);
CREATE TABLE IF NOT EXISTS runners (
  runner_id TEXT PRIMARY KEY,
  labels TEXT NOT NULL,
  max_concurrent INTEGER NOT NULL,
  last_offered_at INTEGER NOT NULL DEFAULT 0,
  offerable INTEGER NOT NULL DEFAULT 1,
  sandbox TEXT NOT NULL DEFAULT 'none'
);
CREATE TABLE IF NOT EXISTS retries (
  execution_id TEXT PRIMARY KEY,
  retry_id TEXT NOT NULL,
  due_at INTEGER NOT NULL
);`;

type LeaseRow = { execution_id: string; runner_id: string; expires_at: number; cancel_reason: string | null };
type RunnerRow = {
  runner_id: string;
  labels: string;
  max_concurrent: number;
  last_offered_at: number;
  offerable: number;
  sandbox: string;
};

export type RunnerInfo = Omit<RunnerSlots, 'leased'> & { readonly sandbox: SandboxKind };

const toLease = (row: LeaseRow): Lease => ({
  executionId: row.execution_id,
  runnerId: row.runner_id,
  expiresAt: row.expires_at,
  cancelReason: row.cancel_reason as CancelReason | null,
});

export class FleetStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA);
    // A Fleet created before runners announced a sandbox: its runners table lacks the column.
    const columns = sql.exec<{ name: string }>('PRAGMA table_info(runners)').toArray();
    if (!columns.some((column) => column.name === 'sandbox')) {
      sql.exec("ALTER TABLE runners ADD COLUMN sandbox TEXT NOT NULL DEFAULT 'none'");
    }
  }

  leases(): Map<string, Lease> {
    const rows = this.sql.exec<LeaseRow>('SELECT * FROM leases').toArray();
    return new Map(rows.map((row) => [row.execution_id, toLease(row)]));
  }

  lease(executionId: string): Lease | null {
    const row = this.sql.exec<LeaseRow>('SELECT * FROM leases WHERE execution_id = ?', executionId).toArray()[0];
    return row === undefined ? null : toLease(row);
  }

  putLease(lease: Lease): void {
    this.sql.exec(
      'INSERT OR REPLACE INTO leases (execution_id, runner_id, expires_at, cancel_reason) VALUES (?, ?, ?, ?)',
      lease.executionId,
      lease.runnerId,
      lease.expiresAt,
      lease.cancelReason,
    );
  }

  /** Pushes the expiry of these leases (held by this runner) out to `expiresAt`. */
  renew(runnerId: string, executionIds: readonly string[], expiresAt: number): void {
    for (const id of executionIds) {
      this.sql.exec(
        'UPDATE leases SET expires_at = MAX(expires_at, ?) WHERE execution_id = ? AND runner_id = ?',
        expiresAt,
        id,
        runnerId,
      );
    }
  }

  /** Removes a lease; true if there was one. */
  deleteLease(executionId: string): boolean {
    return this.sql.exec('DELETE FROM leases WHERE execution_id = ?', executionId).rowsWritten > 0;
  }

  setCancel(executionId: string, reason: CancelReason): void {
    this.sql.exec(
      'UPDATE leases SET cancel_reason = COALESCE(cancel_reason, ?) WHERE execution_id = ?',
      reason,
      executionId,
    );
  }

  runners(): Map<string, RunnerInfo> {
    const rows = this.sql.exec<RunnerRow>('SELECT * FROM runners').toArray();
    return new Map(
      rows.map((row) => [
        row.runner_id,
        {
          runnerId: row.runner_id,
          labels: JSON.parse(row.labels) as string[],
          maxConcurrent: row.max_concurrent,
          lastOfferedAt: row.last_offered_at,
          offerable: row.offerable === 1,
          sandbox: row.sandbox === 'bubblewrap' ? 'bubblewrap' : 'none',
        },
      ]),
    );
  }

  /** What a runner.hello restates (within what the runner registered with); it also takes offers again. */
  putRunner(runnerId: string, labels: readonly string[], maxConcurrent: number, sandbox: SandboxKind): void {
    this.sql.exec(
      `INSERT INTO runners (runner_id, labels, max_concurrent, offerable, sandbox) VALUES (?, ?, ?, 1, ?)
       ON CONFLICT (runner_id) DO UPDATE SET labels = excluded.labels, max_concurrent = excluded.max_concurrent,
         offerable = 1, sandbox = excluded.sandbox`,
      runnerId,
      JSON.stringify(labels),
      maxConcurrent,
      sandbox,
    );
  }

  /** A revoked runner is forgotten: it gets no offers, and its hello is refused before it gets here again. */
  deleteRunner(runnerId: string): void {
    this.sql.exec('DELETE FROM runners WHERE runner_id = ?', runnerId);
  }

  setOfferable(runnerId: string, offerable: boolean): void {
    this.sql.exec('UPDATE runners SET offerable = ? WHERE runner_id = ?', offerable ? 1 : 0, runnerId);
  }

  setOffered(runnerId: string, at: number): void {
    this.sql.exec('UPDATE runners SET last_offered_at = ? WHERE runner_id = ?', at, runnerId);
  }

  /** The retry id chosen for a lost execution, if one was chosen. */
  retryOf(executionId: string): string | null {
    const row = this.sql
      .exec<{ retry_id: string }>('SELECT retry_id FROM retries WHERE execution_id = ?', executionId)
      .toArray()[0];
    return row?.retry_id ?? null;
  }

  /** Remembers the retry to create for a lost execution; an id chosen earlier is kept. */
  putRetry(executionId: string, retryId: string, dueAt: number): void {
    this.sql.exec(
      `INSERT INTO retries (execution_id, retry_id, due_at) VALUES (?, ?, ?)
       ON CONFLICT (execution_id) DO UPDATE SET due_at = excluded.due_at`,
      executionId,
      retryId,
      dueAt,
    );
  }

  dueRetries(now: number): { executionId: string; retryId: string }[] {
    return this.sql
      .exec<{ execution_id: string; retry_id: string }>('SELECT * FROM retries WHERE due_at <= ? ORDER BY due_at', now)
      .toArray()
      .map((row) => ({ executionId: row.execution_id, retryId: row.retry_id }));
  }

  deleteRetry(executionId: string): void {
    this.sql.exec('DELETE FROM retries WHERE execution_id = ?', executionId);
  }

  /** When the earliest pending retry is due, or null with none. */
  nextRetryDue(): number | null {
    const row = this.sql.exec<{ due: number | null }>('SELECT MIN(due_at) AS due FROM retries').one();
    return row.due;
  }
}
