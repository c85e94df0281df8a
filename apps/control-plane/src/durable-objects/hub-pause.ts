// The ExecutionHub's pause: whether the execution is paused (by a person, a budget in pause mode, a breakpoint, or
// the runner riding out a rate limit), the model-call permits it holds meanwhile, and the hub's own breakpoints
// (cost and turns) with the ones that already fired. Kept in the hub's SQLite storage so a pause outlives eviction;
// the held permits live in memory only, because the runner asks for them again on `exec.resume`. Used by
// execution-hub.ts.
import type { PausedReason } from '../protocol/common';
import type { EventData, ExecutionEvent } from '../protocol/events';
import { describeBreakpoint, type Breakpoint } from '../protocol/supervision';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS hub_pause (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  reason TEXT,
  message TEXT,
  resume_at INTEGER,
  since INTEGER,
  -- JSON: the hub's breakpoints (cost, turns), the indexes that fired, and the turns counted so far.
  breakpoints TEXT,
  fired TEXT NOT NULL DEFAULT '[]',
  turns INTEGER NOT NULL DEFAULT 0
);
INSERT OR IGNORE INTO hub_pause (id) VALUES (1);`;

export interface Pause {
  reason: PausedReason;
  message: string | null;
  /** When a rate-limited run goes on by itself (epoch ms). */
  resumeAt: number | null;
  since: number;
}

type Row = {
  reason: PausedReason | null;
  message: string | null;
  resume_at: number | null;
  since: number | null;
  breakpoints: string | null;
  fired: string;
  turns: number;
};

export class HubPause {
  private row: Row;
  /** Permits asked for while paused, answered on resume (the runner asks again on exec.resume as well). */
  private readonly held = new Set<string>();

  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA);
    this.row = sql.exec<Row>('SELECT * FROM hub_pause WHERE id = 1').one();
  }

  get current(): Pause | null {
    const { reason, message, resume_at, since } = this.row;
    return reason === null ? null : { reason, message, resumeAt: resume_at, since: since ?? Date.now() };
  }

  /** Model calls wait while paused, except during a rate limit: the runner's proxy waits out that one itself and
   * needs its permit to retry. */
  holdsPermits(): boolean {
    return this.row.reason !== null && this.row.reason !== 'rate_limited';
  }

  /** Holds the permit when paused; false when it should be answered now. */
  hold(requestId: string): boolean {
    if (!this.holdsPermits()) return false;
    this.held.add(requestId);
    return true;
  }

  /** Pauses (or changes why); false when it was already paused for this reason. */
  pause(reason: PausedReason, message: string | null, now: number, resumeAt: number | null = null): boolean {
    if (this.row.reason === reason && this.row.message === message && this.row.resume_at === resumeAt) return false;
    this.write({ reason, message, resume_at: resumeAt, since: this.row.since ?? now });
    return true;
  }

  /** Ends the pause; returns the permits held meanwhile (to answer now). Null when it was not paused. */
  resume(): string[] | null {
    if (this.row.reason === null) return null;
    this.write({ reason: null, message: null, resume_at: null, since: null });
    const held = [...this.held];
    this.held.clear();
    return held;
  }

  /** What the runner's stored events say: a `status: paused` it recorded itself (a rate limit, a tool or file
   * breakpoint) pauses the hub too; its `running` after a rate-limit pause ends that pause. */
  follow(events: readonly ExecutionEvent[], now: number): void {
    for (const event of events) {
      if (event.type !== 'status') continue;
      const data: EventData<'status'> = event.data;
      if (data.status === 'paused' && data.pausedReason !== undefined && this.row.reason === null) {
        const resumeAt = data.resumeAt === undefined ? null : Date.parse(data.resumeAt);
        this.pause(data.pausedReason, data.reason ?? null, now, resumeAt);
      } else if (
        data.status === 'paused' &&
        data.pausedReason === 'rate_limited' &&
        this.row.reason === 'rate_limited'
      ) {
        const resumeAt = data.resumeAt === undefined ? null : Date.parse(data.resumeAt);
        this.pause('rate_limited', data.reason ?? null, now, resumeAt);
      } else if (data.status !== 'paused' && this.row.reason === 'rate_limited') {
        this.resume();
      }
    }
  }

  /** Sets the hub's breakpoints (cost and turn rules) once, from the execution's row. */
  adoptBreakpoints(rules: readonly Breakpoint[]): void {
    if (this.row.breakpoints !== null) return;
    this.write({ breakpoints: JSON.stringify(rules) });
  }

  /** Whether the execution's breakpoints were read (from D1, on the runner's first connection). */
  hasBreakpointsLoaded(): boolean {
    return this.row.breakpoints !== null;
  }

  /**
   * Counts the turns in newly stored events and checks the cost and turn rules against the execution's totals:
   * the first rule that crossed and has not fired yet is returned (and marked fired), to pause on.
   */
  crossed(events: readonly ExecutionEvent[], totalUsd: number): string | null {
    const turns = this.row.turns + events.filter((e) => e.type === 'usage').length;
    if (turns !== this.row.turns) this.write({ turns });
    const fired = JSON.parse(this.row.fired) as number[];
    const rules = this.rules();
    for (const [index, rule] of rules.entries()) {
      if (fired.includes(index)) continue;
      const over =
        'costOverUsd' in rule
          ? totalUsd > rule.costOverUsd
            ? `the cost is $${totalUsd.toFixed(4)}`
            : null
          : 'turnsOver' in rule && turns > rule.turnsOver
            ? `${turns} turns`
            : null;
      if (over === null) continue;
      this.write({ fired: JSON.stringify([...fired, index]) });
      return `breakpoint ${describeBreakpoint(rule)} reached: ${over}`;
    }
    return null;
  }

  private rules(): Breakpoint[] {
    if (this.row.breakpoints === null) return [];
    return (JSON.parse(this.row.breakpoints) as Breakpoint[]).filter((r) => 'costOverUsd' in r || 'turnsOver' in r);
  }

  private write(change: Partial<Row>): void {
    this.row = { ...this.row, ...change };
    const { reason, message, resume_at, since, breakpoints, fired, turns } = this.row;
    this.sql.exec(
      'UPDATE hub_pause SET reason = ?, message = ?, resume_at = ?, since = ?, breakpoints = ?, fired = ?, turns = ? WHERE id = 1',
      reason,
      message,
      resume_at,
      since,
      breakpoints,
      fired,
      turns,
    );
  }
}
