// The BudgetGuard's durable state in its SQLite storage: the budget and its period's spend, the executions it
// tracks with their outstanding reservations, applied charge ids, and the alert/cancel notices owed to executions.
import type { Crossing, Level } from '../domain/budget';
import type { BudgetPeriod, BudgetScope, OnHardLimit } from '../protocol/common';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS budget (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  scope TEXT NOT NULL,
  period TEXT NOT NULL,
  soft_limit_usd REAL,
  hard_limit_usd REAL,
  period_start INTEGER NOT NULL,
  spent_usd REAL NOT NULL,
  dispatch_at INTEGER,
  housekept_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS executions (
  execution_id TEXT PRIMARY KEY,
  reservation_usd REAL NOT NULL,
  released_at INTEGER
);
CREATE TABLE IF NOT EXISTS charges (
  charge_id TEXT PRIMARY KEY,
  execution_id TEXT NOT NULL,
  amount_usd REAL NOT NULL,
  at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS notices (
  execution_id TEXT NOT NULL,
  alert_id TEXT NOT NULL,
  level TEXT NOT NULL,
  limit_usd REAL NOT NULL,
  spent_usd REAL NOT NULL,
  alert_due INTEGER NOT NULL,
  cancel_due INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_try_at INTEGER NOT NULL,
  PRIMARY KEY (execution_id, alert_id)
);
-- What the hard limit does to the scope's running executions (protocol OnHardLimit); no row: cancel.
CREATE TABLE IF NOT EXISTS budget_mode (id INTEGER PRIMARY KEY CHECK (id = 1), on_hard_limit TEXT NOT NULL);`;

export type GuardConfig = {
  scope: BudgetScope;
  period: BudgetPeriod;
  softLimitUsd: number | null;
  hardLimitUsd: number | null;
  periodStart: number;
  spentUsd: number;
  /** A Fleet dispatch is owed (room appeared) and due at this time; null when none is. */
  dispatchAt: number | null;
  housekeptAt: number;
  createdAt: number;
  updatedAt: number;
};

export type TrackedExecution = { reservationUsd: number; releasedAt: number | null };

/** An alert (and for a hard limit, a cancel) owed to one execution; each part is cleared once delivered. */
export type Notice = {
  executionId: string;
  alertId: string;
  level: Level;
  limitUsd: number;
  spentUsd: number;
  alertDue: boolean;
  cancelDue: boolean;
  attempts: number;
};

type BudgetRow = {
  scope: string;
  period: string;
  soft_limit_usd: number | null;
  hard_limit_usd: number | null;
  period_start: number;
  spent_usd: number;
  dispatch_at: number | null;
  housekept_at: number;
  created_at: number;
  updated_at: number;
};
type NoticeRow = {
  execution_id: string;
  alert_id: string;
  level: string;
  limit_usd: number;
  spent_usd: number;
  alert_due: number;
  cancel_due: number;
  attempts: number;
};

export class BudgetStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA);
  }

  onHardLimit(): OnHardLimit {
    const row = this.sql.exec<{ mode: OnHardLimit }>('SELECT on_hard_limit AS mode FROM budget_mode').toArray()[0];
    return row?.mode ?? 'cancel';
  }

  setOnHardLimit(mode: OnHardLimit): void {
    this.sql.exec('INSERT OR REPLACE INTO budget_mode (id, on_hard_limit) VALUES (1, ?)', mode);
  }

  config(): GuardConfig | null {
    const row = this.sql.exec<BudgetRow>('SELECT * FROM budget WHERE id = 1').toArray()[0];
    if (row === undefined) return null;
    return {
      scope: row.scope,
      period: row.period as BudgetPeriod,
      softLimitUsd: row.soft_limit_usd,
      hardLimitUsd: row.hard_limit_usd,
      periodStart: row.period_start,
      spentUsd: row.spent_usd,
      dispatchAt: row.dispatch_at,
      housekeptAt: row.housekept_at,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  putConfig(c: GuardConfig): void {
    this.sql.exec(
      `INSERT OR REPLACE INTO budget (id, scope, period, soft_limit_usd, hard_limit_usd, period_start, spent_usd,
         dispatch_at, housekept_at, created_at, updated_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      c.scope,
      c.period,
      c.softLimitUsd,
      c.hardLimitUsd,
      c.periodStart,
      c.spentUsd,
      c.dispatchAt,
      c.housekeptAt,
      c.createdAt,
      c.updatedAt,
    );
  }

  addSpent(amountUsd: number): void {
    // A negative reconciliation larger than what was counted (a seed that missed some spend) stops at zero.
    this.sql.exec('UPDATE budget SET spent_usd = MAX(0, spent_usd + ?) WHERE id = 1', amountUsd);
  }

  /** A new period: nothing spent yet, delivered notices of the old one forgotten, a dispatch owed. */
  startPeriod(periodStart: number, now: number): void {
    this.sql.exec('UPDATE budget SET period_start = ?, spent_usd = 0, dispatch_at = ? WHERE id = 1', periodStart, now);
    this.sql.exec('DELETE FROM notices WHERE alert_due = 0 AND cancel_due = 0');
  }

  setDispatchAt(at: number | null): void {
    this.sql.exec('UPDATE budget SET dispatch_at = ? WHERE id = 1', at);
  }

  /** Forgets everything: the budget was removed. */
  clear(): void {
    for (const table of ['budget', 'executions', 'charges', 'notices']) this.sql.exec(`DELETE FROM ${table}`);
  }

  execution(executionId: string): TrackedExecution | null {
    const row = this.sql
      .exec<{ reservation_usd: number; released_at: number | null }>(
        'SELECT reservation_usd, released_at FROM executions WHERE execution_id = ?',
        executionId,
      )
      .toArray()[0];
    return row === undefined ? null : { reservationUsd: row.reservation_usd, releasedAt: row.released_at };
  }

  /** Active, holding back `reservationUsd` (an admitted execution, or one first seen through a charge). */
  activate(executionId: string, reservationUsd: number): void {
    this.sql.exec(
      'INSERT OR REPLACE INTO executions (execution_id, reservation_usd, released_at) VALUES (?, ?, NULL)',
      executionId,
      reservationUsd,
    );
  }

  setReservation(executionId: string, reservationUsd: number): void {
    this.sql.exec('UPDATE executions SET reservation_usd = ? WHERE execution_id = ?', reservationUsd, executionId);
  }

  /** Ended: no longer active, nothing reserved; remembered so a late charge does not make it active again. */
  release(executionId: string, now: number): void {
    this.sql.exec(
      `INSERT INTO executions (execution_id, reservation_usd, released_at) VALUES (?, 0, ?)
       ON CONFLICT (execution_id) DO UPDATE SET reservation_usd = 0, released_at = excluded.released_at`,
      executionId,
      now,
    );
  }

  active(): { count: number; reservedUsd: number } {
    const row = this.sql
      .exec<{ count: number; reserved: number }>(
        'SELECT COUNT(*) AS count, COALESCE(SUM(reservation_usd), 0) AS reserved FROM executions WHERE released_at IS NULL',
      )
      .one();
    return { count: row.count, reservedUsd: row.reserved };
  }

  activeIds(): string[] {
    return this.sql
      .exec<{ execution_id: string }>('SELECT execution_id FROM executions WHERE released_at IS NULL')
      .toArray()
      .map((row) => row.execution_id);
  }

  /** Records a charge id; false if it was already applied (the charge is a repeat). */
  addCharge(chargeId: string, executionId: string, amountUsd: number, now: number): boolean {
    const cursor = this.sql.exec(
      'INSERT OR IGNORE INTO charges (charge_id, execution_id, amount_usd, at) VALUES (?, ?, ?, ?)',
      chargeId,
      executionId,
      amountUsd,
      now,
    );
    return cursor.rowsWritten > 0;
  }

  /** Owes every active execution this crossing's alert (and a cancel for a hard limit), once per alert id;
   * returns how many notices are new. */
  owe(crossing: Crossing, spentUsd: number, tryBy: number): number {
    const cursor = this.sql.exec(
      `INSERT OR IGNORE INTO notices (execution_id, alert_id, level, limit_usd, spent_usd, alert_due, cancel_due,
         attempts, next_try_at)
       SELECT execution_id, ?, ?, ?, ?, 1, ?, 0, ? FROM executions WHERE released_at IS NULL`,
      crossing.alertId,
      crossing.level,
      crossing.limitUsd,
      spentUsd,
      crossing.level === 'hard' ? 1 : 0,
      tryBy,
    );
    return cursor.rowsWritten;
  }

  /** Notices with something undelivered that are new or due for another try, soft before hard. */
  dueNotices(now: number): Notice[] {
    return this.sql
      .exec<NoticeRow>(
        `SELECT * FROM notices WHERE (alert_due = 1 OR cancel_due = 1) AND (attempts = 0 OR next_try_at <= ?)
         ORDER BY execution_id, level DESC`,
        now,
      )
      .toArray()
      .map((row) => ({
        executionId: row.execution_id,
        alertId: row.alert_id,
        level: row.level as Level,
        limitUsd: row.limit_usd,
        spentUsd: row.spent_usd,
        alertDue: row.alert_due === 1,
        cancelDue: row.cancel_due === 1,
        attempts: row.attempts,
      }));
  }

  delivered(notice: Notice, part: 'alert' | 'cancel'): void {
    this.sql.exec(
      `UPDATE notices SET ${part}_due = 0 WHERE execution_id = ? AND alert_id = ?`,
      notice.executionId,
      notice.alertId,
    );
  }

  retryLater(notice: Notice, nextTryAt: number): void {
    this.sql.exec(
      'UPDATE notices SET attempts = attempts + 1, next_try_at = ? WHERE execution_id = ? AND alert_id = ?',
      nextTryAt,
      notice.executionId,
      notice.alertId,
    );
  }

  /** When the next undelivered notice should be tried, or null. */
  nextNoticeAt(): number | null {
    const row = this.sql
      .exec<{ at: number | null }>('SELECT MIN(next_try_at) AS at FROM notices WHERE alert_due = 1 OR cancel_due = 1')
      .one();
    return row.at;
  }

  /** Drops what can no longer matter: charge ids and notices of executions released before `before`, and those
   * executions. Charge ids of active executions stay, so a resent charge is still recognised. */
  prune(before: number, now: number): void {
    this.sql.exec(
      `DELETE FROM charges WHERE at < ? AND execution_id NOT IN
         (SELECT execution_id FROM executions WHERE released_at IS NULL)`,
      before,
    );
    this.sql.exec(
      `DELETE FROM notices WHERE alert_due = 0 AND cancel_due = 0 AND execution_id IN
         (SELECT execution_id FROM executions WHERE released_at IS NOT NULL AND released_at < ?)`,
      before,
    );
    this.sql.exec('DELETE FROM executions WHERE released_at IS NOT NULL AND released_at < ?', before);
    this.sql.exec('UPDATE budget SET housekept_at = ? WHERE id = 1', now);
  }
}
