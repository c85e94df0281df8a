// The ExecutionHub's budget state in its SQLite storage, beside hub-log's event log: the cost ledger, the facts that
// name the execution's budget scopes, charges not yet accepted by every scope, and the budget alerts the runner has
// yet to record. A batch's writes here run inside hub-log's transaction, so a charge is never stored without its event.
import { emptyLedger, type Charge, type CostLedger } from '../domain/cost-ledger';
import type { CancelReason } from '../protocol/common';
import type { EventData } from '../protocol/events';

export type BudgetAlert = EventData<'budget.alert'>;

/** What names the execution's scopes and caps it, read from D1 once. */
export interface BudgetFacts {
  readonly agent: string;
  readonly labels: readonly string[];
  readonly maxBudgetUsd: number | null;
}

export interface HubBudgetState {
  readonly ledger: CostLedger;
  readonly facts: BudgetFacts | null;
  /** The ledger version D1's cost rows and fields show. */
  readonly costSynced: number;
  /** The execution's own maxBudgetUsd was reached and acted on (alert and cancel), once. */
  readonly capReached: boolean;
  /** The cancel request this hub holds is recorded in D1 and passed to the Fleet. */
  readonly cancelSynced: CancelReason | null;
  /** Which budget stopped the execution, for the status of a cancel the hub ends itself. */
  readonly cancelNote: string | null;
  /** Every scope was told the execution ended. */
  readonly released: boolean;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS budget (id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS charges (charge_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, amount_usd REAL NOT NULL);
CREATE TABLE IF NOT EXISTS alerts (alert_id TEXT PRIMARY KEY, alert TEXT NOT NULL, recorded INTEGER NOT NULL);`;

const initialState = (): HubBudgetState => ({
  ledger: emptyLedger(),
  facts: null,
  costSynced: 0,
  capReached: false,
  cancelSynced: null,
  cancelNote: null,
  released: false,
});

type ChargeRow = { charge_id: string; seq: number; amount_usd: number };

export class HubBudgetStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA);
  }

  load(): HubBudgetState {
    const row = this.sql.exec<{ state: string }>('SELECT state FROM budget WHERE id = 1').toArray()[0];
    // Hubs created before budgets existed have no row: they start from nothing, like a new one.
    return row === undefined ? initialState() : { ...initialState(), ...(JSON.parse(row.state) as HubBudgetState) };
  }

  writeState(state: HubBudgetState): void {
    this.sql.exec('INSERT OR REPLACE INTO budget (id, state) VALUES (1, ?)', JSON.stringify(state));
  }

  addCharges(charges: readonly Charge[]): void {
    for (const { chargeId, seq, amountUsd } of charges) {
      this.sql.exec(
        'INSERT OR IGNORE INTO charges (charge_id, seq, amount_usd) VALUES (?, ?, ?)',
        chargeId,
        seq,
        amountUsd,
      );
    }
  }

  /** Charges not yet accepted by every scope, oldest first. */
  charges(): Charge[] {
    return this.sql
      .exec<ChargeRow>('SELECT charge_id, seq, amount_usd FROM charges ORDER BY seq, charge_id')
      .toArray()
      .map((row) => ({ chargeId: row.charge_id, seq: row.seq, amountUsd: row.amount_usd }));
  }

  hasCharges(): boolean {
    return this.sql.exec('SELECT 1 FROM charges LIMIT 1').toArray().length > 0;
  }

  deleteCharge(chargeId: string): void {
    this.sql.exec('DELETE FROM charges WHERE charge_id = ?', chargeId);
  }

  /** Keeps an alert; false if it was known already. `recorded`: nothing is left to deliver to the runner. */
  addAlert(alert: BudgetAlert, recorded: boolean): boolean {
    return (
      this.sql.exec(
        'INSERT OR IGNORE INTO alerts (alert_id, alert, recorded) VALUES (?, ?, ?)',
        alert.alertId,
        JSON.stringify(alert),
        recorded ? 1 : 0,
      ).rowsWritten > 0
    );
  }

  /** The runner stored these alerts as `budget.alert` events: they need not be sent again. */
  markRecorded(alertIds: readonly string[]): void {
    for (const alertId of alertIds) {
      this.sql.exec(
        `INSERT INTO alerts (alert_id, alert, recorded) VALUES (?, '{}', 1)
         ON CONFLICT (alert_id) DO UPDATE SET recorded = 1`,
        alertId,
      );
    }
  }

  /** Alerts the runner has not recorded yet, in the order they came. */
  unrecordedAlerts(): BudgetAlert[] {
    return this.sql
      .exec<{ alert: string }>('SELECT alert FROM alerts WHERE recorded = 0 ORDER BY rowid')
      .toArray()
      .map((row) => JSON.parse(row.alert) as BudgetAlert);
  }
}
