// A BudgetGuard's Web Push: one notification per limit reached (per alert id), not one per execution it reaches,
// remembered in the guard's storage so a later charge or restart does not send it again. Used by budget-guard.ts.
import type { Crossing } from '../domain/budget';
import { budgetPush } from '../notify/push-payloads';
import type { PushPayload } from '../protocol';

const SCHEMA = `CREATE TABLE IF NOT EXISTS pushed_alerts (alert_id TEXT PRIMARY KEY, period_start INTEGER NOT NULL)`;

export class BudgetPushes {
  private ready = false;

  constructor(private readonly sql: SqlStorage) {}

  /** The notifications owed for these crossings: the ones not pushed before (each marked pushed now). */
  due(scope: string, periodStart: number, crossings: readonly Crossing[], spentUsd: number): PushPayload[] {
    if (crossings.length === 0) return [];
    this.open();
    const due: PushPayload[] = [];
    for (const crossing of crossings) {
      const cursor = this.sql.exec(
        'INSERT OR IGNORE INTO pushed_alerts (alert_id, period_start) VALUES (?, ?)',
        crossing.alertId,
        periodStart,
      );
      if (cursor.rowsWritten > 0) due.push(budgetPush({ scope, spentUsd, ...crossing }));
    }
    return due;
  }

  /** Alert ids name their period, so those of earlier periods are never reached again. */
  prune(periodStart: number): void {
    this.open();
    this.sql.exec('DELETE FROM pushed_alerts WHERE period_start < ?', periodStart);
  }

  private open(): void {
    if (this.ready) return;
    this.sql.exec(SCHEMA);
    this.ready = true;
  }
}
