// The ExecutionHub's durable state in its SQLite storage: the event log (one row per seq, stored as the JSON text
// viewers receive) and one meta row. Every write for one batch happens in one synchronous transaction (with the
// batch's budget writes, hub-budget-store.ts).
import type { CancelReason, ExecutionStatus } from '../protocol/common';
import type { ExecutionEvent } from '../protocol/events';
import type { LogState } from '../domain/sequencer';
import type { ResultData } from '../domain/log-effects';
import { utf8Length } from '../lib/utf8';

/** An event with its serialised form, so it is stringified once and reused for storage and fan-out. */
export interface LogItem {
  readonly seq: number;
  readonly event: ExecutionEvent;
  readonly json: string;
}

/** A page of the log for the HTTP read: event texts, whether more are stored past it, and its last seq (the
 * `after` it was asked with when empty). */
export interface EventPage {
  readonly texts: string[];
  readonly hasMore: boolean;
  readonly lastSeq: number;
}

/** How far the execution's D1 row has been brought in line with the log. */
export const SYNCED = { nothing: 0, running: 1, finished: 2, released: 3 } as const;

export interface HubMeta {
  executionId: string | null;
  /** Latest status the log reports (null until a status event is stored). */
  status: ExecutionStatus | null;
  statusReason: string | null;
  startedAt: number | null;
  finishedAt: number | null;
  /** The last `result` event's data. */
  result: ResultData | null;
  cancel: CancelReason | null;
  synced: number;
}

type MetaRow = {
  execution_id: string | null;
  last_seq: number;
  closed_at: number | null;
  status: string | null;
  status_reason: string | null;
  started_at: number | null;
  finished_at: number | null;
  result: string | null;
  cancel: string | null;
  synced: number;
};

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  execution_id TEXT,
  last_seq INTEGER NOT NULL DEFAULT 0,
  closed_at INTEGER,
  status TEXT,
  status_reason TEXT,
  started_at INTEGER,
  finished_at INTEGER,
  result TEXT,
  cancel TEXT,
  synced INTEGER NOT NULL DEFAULT 0
);
INSERT OR IGNORE INTO meta (id) VALUES (1);`;

/** Rows per INSERT statement: two bound values each, under SQLite-in-DO's 100-parameter limit. */
const ROWS_PER_INSERT = 32;

export class HubLog {
  private readonly insertSql = new Map<number, string>();

  constructor(
    private readonly sql: SqlStorage,
    private readonly storage: DurableObjectStorage,
  ) {
    sql.exec(SCHEMA);
  }

  /** Reads the state back after a (re)start: the meta row and any events held beyond a gap. */
  load(): { log: LogState<LogItem>; meta: HubMeta } {
    const row = this.sql.exec<MetaRow>('SELECT * FROM meta WHERE id = 1').one();
    const pending = new Map<number, LogItem>();
    for (const { seq, json } of this.sql.exec<{ seq: number; json: string }>(
      'SELECT seq, json FROM events WHERE seq > ? ORDER BY seq',
      row.last_seq,
    )) {
      pending.set(seq, { seq, json, event: JSON.parse(json) as ExecutionEvent });
    }
    return {
      log: { lastSeq: row.last_seq, pending, closedAt: row.closed_at },
      meta: {
        executionId: row.execution_id,
        status: row.status as ExecutionStatus | null,
        statusReason: row.status_reason,
        startedAt: row.started_at,
        finishedAt: row.finished_at,
        result: row.result === null ? null : (JSON.parse(row.result) as ResultData),
        cancel: row.cancel as CancelReason | null,
        synced: row.synced,
      },
    };
  }

  /** Writes a batch's new events and the state they lead to, atomically, with `also`'s writes (the batch's
   * charges and cost totals) in the same transaction. */
  commit(
    items: readonly LogItem[],
    truncateAbove: number | null,
    log: LogState<LogItem>,
    meta: HubMeta,
    also?: () => void,
  ): void {
    this.storage.transactionSync(() => {
      if (truncateAbove !== null) this.sql.exec('DELETE FROM events WHERE seq > ?', truncateAbove);
      for (let i = 0; i < items.length; i += ROWS_PER_INSERT) this.insert(items.slice(i, i + ROWS_PER_INSERT));
      this.writeMeta(log, meta);
      also?.();
    });
  }

  writeMeta(log: Pick<LogState<LogItem>, 'lastSeq' | 'closedAt'>, meta: HubMeta): void {
    this.sql.exec(
      `UPDATE meta SET execution_id = ?, last_seq = ?, closed_at = ?, status = ?, status_reason = ?, started_at = ?,
         finished_at = ?, result = ?, cancel = ?, synced = ? WHERE id = 1`,
      meta.executionId,
      log.lastSeq,
      log.closedAt,
      meta.status,
      meta.statusReason,
      meta.startedAt,
      meta.finishedAt,
      meta.result === null ? null : JSON.stringify(meta.result),
      meta.cancel,
      meta.synced,
    );
  }

  /** Stored event texts with after < seq <= upTo, in order. */
  *texts(after: number, upTo: number, limit = -1): Generator<string> {
    for (const row of this.sql.exec<{ json: string }>(
      'SELECT json FROM events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?',
      after,
      upTo,
      limit,
    )) {
      yield row.json;
    }
  }

  /** Every stored event of one type, in seq order (checkpoints: a handful per execution). */
  ofType(type: string, upTo: number): ExecutionEvent[] {
    return this.sql
      .exec<{ json: string }>(
        "SELECT json FROM events WHERE seq <= ? AND json_extract(json, '$.type') = ? ORDER BY seq",
        upTo,
        type,
      )
      .toArray()
      .map((row) => JSON.parse(row.json) as ExecutionEvent);
  }

  /** One page of stored texts with after < seq <= upTo, in order: at most `limit` of them and `maxBytes` of their
   * UTF-8 (the commas between them counted), but always the first (one event is far below any page). */
  page(after: number, upTo: number, limit: number, maxBytes: number): EventPage {
    const texts: string[] = [];
    let bytes = 0;
    let lastSeq = after;
    let hasMore = false;
    for (const row of this.sql.exec<{ seq: number; json: string }>(
      'SELECT seq, json FROM events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?',
      after,
      upTo,
      limit + 1,
    )) {
      const size = utf8Length(row.json) + 1;
      if (texts.length >= limit || (texts.length > 0 && bytes + size > maxBytes)) {
        hasMore = true;
        break;
      }
      texts.push(row.json);
      bytes += size;
      lastSeq = row.seq;
    }
    return { texts, hasMore, lastSeq };
  }

  /** Drops every stored event (retention: the execution ended long ago); the meta row stays, so the hub still
   * knows how the log ended. */
  dropEvents(): void {
    this.sql.exec('DELETE FROM events');
  }

  private insert(items: readonly LogItem[]): void {
    let statement = this.insertSql.get(items.length);
    if (statement === undefined) {
      statement = `INSERT OR IGNORE INTO events (seq, json) VALUES ${items.map(() => '(?, ?)').join(', ')}`;
      this.insertSql.set(items.length, statement);
    }
    const values: (number | string)[] = [];
    for (const item of items) values.push(item.seq, item.json);
    this.sql.exec(statement, ...values);
  }
}
