// The ExecutionHub's approvals table in its SQLite storage: one row per approval (its request, its answer, whether
// the runner has recorded the answer, how far D1 has it), and the started status D1 was last given. Used by
// hub-approvals.ts.
import type { ApprovalRecord } from '../db/queries/approvals';
import type { ApprovalDecision, ApprovalStatus, ExecutionStatus, RememberScope } from '../protocol/common';
import type { EventData } from '../protocol/events';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS hub_approvals (
  id TEXT PRIMARY KEY,
  tool TEXT NOT NULL,
  input TEXT,
  summary TEXT NOT NULL,
  pattern TEXT NOT NULL,
  timeout_ms INTEGER NOT NULL,
  status TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  decision TEXT,
  decided_by TEXT,
  decided_at INTEGER,
  message TEXT,
  remember TEXT,
  reason TEXT,
  -- 1 once the runner's approval.decided event is stored (or no runner can take the answer any more).
  delivered INTEGER NOT NULL DEFAULT 0,
  -- Bumped by every change; D1 has the row as of synced.
  version INTEGER NOT NULL DEFAULT 1,
  synced INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS hub_approvals_status_idx ON hub_approvals (status, expires_at);
CREATE TABLE IF NOT EXISTS hub_approval_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  -- running or awaiting_approval, as the hub last wrote it to D1 (null: running, as markRunning wrote it).
  started_status_synced TEXT
);
INSERT OR IGNORE INTO hub_approval_state (id) VALUES (1);`;

export type ApprovalRow = {
  id: string;
  tool: string;
  input: string | null;
  summary: string;
  pattern: string;
  timeout_ms: number;
  status: ApprovalStatus;
  created_at: number;
  expires_at: number;
  decision: ApprovalDecision | null;
  decided_by: string | null;
  decided_at: number | null;
  message: string | null;
  remember: RememberScope | null;
  reason: string | null;
  delivered: number;
  version: number;
  synced: number;
};

/** An answer as it is written on a pending approval. */
export interface StoredAnswer {
  status: Exclude<ApprovalStatus, 'pending'>;
  decision: ApprovalDecision;
  decidedBy: string;
  message: string | null;
  remember: RememberScope | null;
  reason: string | null;
  decidedAt: number;
}

export class HubApprovalStore {
  // Asked after every stored batch (the log's hot path), so both are kept in memory once read: whether some row is
  // ahead of D1 (undefined: ask SQLite again), and the started status D1 was last given.
  private unsyncedRows: boolean | undefined;
  private startedStatus: ExecutionStatus | undefined;

  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA);
  }

  /** A new pending approval; a repeated request (same id) changes nothing. */
  open(request: EventData<'approval.requested'>, now: number): void {
    const cursor = this.sql.exec(
      `INSERT OR IGNORE INTO hub_approvals (id, tool, input, summary, pattern, timeout_ms, status, created_at,
         expires_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
      request.approvalId,
      request.tool,
      request.input === undefined ? null : JSON.stringify(request.input),
      request.summary,
      request.pattern,
      request.timeoutMs,
      now,
      now + request.timeoutMs,
    );
    if (cursor.rowsWritten > 0) this.unsyncedRows = true;
  }

  /** Writes the answer if the approval is still pending (true then); `delivered` when no runner needs telling. */
  answer(id: string, a: StoredAnswer, delivered: boolean): boolean {
    const cursor = this.sql.exec(
      `UPDATE hub_approvals SET status = ?, decision = ?, decided_by = ?, decided_at = ?, message = ?, remember = ?,
         reason = ?, delivered = MAX(delivered, ?), version = version + 1 WHERE id = ? AND status = 'pending'`,
      a.status,
      a.decision,
      a.decidedBy,
      a.decidedAt,
      a.message,
      a.remember,
      a.reason,
      delivered ? 1 : 0,
      id,
    );
    if (cursor.rowsWritten === 0) return false;
    this.unsyncedRows = true;
    return true;
  }

  markDelivered(id: string): void {
    this.sql.exec('UPDATE hub_approvals SET delivered = 1 WHERE id = ?', id);
  }

  markSynced(id: string, version: number): void {
    this.sql.exec('UPDATE hub_approvals SET synced = MAX(synced, ?) WHERE id = ?', version, id);
    this.unsyncedRows = undefined;
  }

  get(id: string): ApprovalRow | null {
    return this.sql.exec<ApprovalRow>('SELECT * FROM hub_approvals WHERE id = ?', id).toArray()[0] ?? null;
  }

  /** Pending approvals whose time is up at `now` (all pending ones with `now` = Infinity). */
  pendingDue(now: number): ApprovalRow[] {
    const before = Number.isFinite(now) ? now : Number.MAX_SAFE_INTEGER;
    return this.sql
      .exec<ApprovalRow>("SELECT * FROM hub_approvals WHERE status = 'pending' AND expires_at <= ?", before)
      .toArray();
  }

  nextExpiry(): number | null {
    return this.sql
      .exec<{ at: number | null }>("SELECT MIN(expires_at) AS at FROM hub_approvals WHERE status = 'pending'")
      .one().at;
  }

  /** Answered, and the runner has not recorded the answer yet. */
  undelivered(): ApprovalRow[] {
    return this.sql
      .exec<ApprovalRow>(
        "SELECT * FROM hub_approvals WHERE status != 'pending' AND delivered = 0 ORDER BY created_at, id",
      )
      .toArray();
  }

  unsynced(): ApprovalRow[] {
    const rows = this.sql.exec<ApprovalRow>('SELECT * FROM hub_approvals WHERE synced < version').toArray();
    if (rows.length === 0) this.unsyncedRows = false;
    return rows;
  }

  hasUnsynced(): boolean {
    this.unsyncedRows ??=
      this.sql.exec('SELECT 1 FROM hub_approvals WHERE synced < version LIMIT 1').toArray().length > 0;
    return this.unsyncedRows;
  }

  startedStatusSynced(): ExecutionStatus {
    this.startedStatus ??=
      this.sql
        .exec<{ status: ExecutionStatus | null }>(
          'SELECT started_status_synced AS status FROM hub_approval_state WHERE id = 1',
        )
        .one().status ?? 'running';
    return this.startedStatus;
  }

  markStartedStatusSynced(status: ExecutionStatus): void {
    this.sql.exec('UPDATE hub_approval_state SET started_status_synced = ? WHERE id = 1', status);
    this.startedStatus = status;
  }
}

/** The row as the D1 mirror and the API take it. */
export const toRecord = (row: ApprovalRow, executionId: string): ApprovalRecord => ({
  id: row.id,
  executionId,
  tool: row.tool,
  input: row.input === null ? null : (JSON.parse(row.input) as unknown),
  summary: row.summary,
  pattern: row.pattern,
  status: row.status,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  decision: row.decision,
  decidedBy: row.decided_by,
  decidedAt: row.decided_at,
  message: row.message,
  remember: row.remember,
  reason: row.reason,
});
