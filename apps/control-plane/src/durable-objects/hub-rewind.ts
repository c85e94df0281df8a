// A rewind asked for while the execution still ran: kept in the hub's storage until the run has stopped (it was
// cancelled with reason `rewound`), then turned into the rewind's follow-up, retried from the alarm when that fails.
// Used by execution-hub.ts.
import { createDb } from '../db/client';
import { getExecution } from '../db/queries/executions';
import { AppError } from '../errors';
import { createRewind } from '../executions/rewind';
import type { EventData, RewindBody } from '../protocol';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS hub_rewind (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  checkpoint TEXT NOT NULL,
  body TEXT NOT NULL,
  -- The follow-up's id once made, or why none will be.
  followup TEXT,
  refusal TEXT
);`;

type Row = { checkpoint: string; body: string; followup: string | null; refusal: string | null };

export class HubRewind {
  private ready = false;

  constructor(
    private readonly sql: SqlStorage,
    private readonly hooks: { env: Env; executionId(): string | null; sessionId(): string | null },
  ) {}

  /** Records the rewind to make once the run has stopped; the first one asked wins. */
  request(checkpoint: EventData<'checkpoint'>, body: RewindBody): boolean {
    if (this.row() !== undefined) return false;
    this.table().exec(
      'INSERT INTO hub_rewind (id, checkpoint, body) VALUES (1, ?, ?)',
      JSON.stringify(checkpoint),
      JSON.stringify(body),
    );
    return true;
  }

  pending(): boolean {
    const row = this.row();
    return row !== undefined && row.followup === null && row.refusal === null;
  }

  /** Once D1 has the ended row: the follow-up. Errors other than a refusal are thrown for the alarm to retry. */
  async convert(): Promise<void> {
    const row = this.row();
    const id = this.hooks.executionId();
    if (row === undefined || id === null || !this.pending()) return;
    const source = await getExecution(createDb(this.hooks.env.DB), id);
    if (source === undefined) return;
    try {
      const checkpoint = JSON.parse(row.checkpoint) as EventData<'checkpoint'>;
      const followup = await createRewind(
        this.hooks.env,
        source,
        checkpoint,
        JSON.parse(row.body) as RewindBody,
        this.hooks.sessionId(),
      );
      this.table().exec('UPDATE hub_rewind SET followup = ? WHERE id = 1', followup.id);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      this.table().exec('UPDATE hub_rewind SET refusal = ? WHERE id = 1', error.message);
    }
  }

  private row(): Row | undefined {
    return this.table().exec<Row>('SELECT * FROM hub_rewind WHERE id = 1').toArray()[0];
  }

  private table(): SqlStorage {
    if (!this.ready) {
      this.sql.exec(SCHEMA);
      this.ready = true;
    }
    return this.sql;
  }
}
