// An ExecutionHub's messages to the live session: each one a person sends is stored first, then goes to the runner
// (`exec.message`) at once and again on every reconnect until the runner's `user.message` event with its messageId is
// stored. Messages still undelivered when the log closes (they raced the end) become one follow-up execution, texts
// joined, so none is lost; the follow-up's id is recorded beside them. Used by execution-hub.ts.
import { createDb } from '../db/client';
import { auditMessage } from '../db/queries/conversations';
import { getExecution } from '../db/queries/executions';
import { AppError } from '../errors';
import { createFollowup } from '../executions/followup';
import type { ExecutionStatus } from '../protocol/common';
import type { ExecutionEvent } from '../protocol/events';
import type { HubToRunner } from '../protocol/frames';
import { Coalesced } from './coalesce';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS hub_messages (
  id TEXT PRIMARY KEY,
  text TEXT NOT NULL,
  sender TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  -- 1 once the runner's user.message event with this id is stored.
  delivered INTEGER NOT NULL DEFAULT 0,
  -- The follow-up execution an undelivered message became after the log closed.
  followup TEXT,
  -- Why no follow-up could be made (the source never had a session).
  refusal TEXT
);`;

/** `followup` of messages that raced the end of an execution with no session to resume. */
const NO_FOLLOWUP = '-';

type MessageRow = {
  id: string;
  text: string;
  sender: string;
  created_at: number;
  delivered: number;
  followup: string | null;
  refusal: string | null;
};

export interface Message {
  messageId: string;
  text: string;
  from: string;
}

export interface MessageHooks {
  env: Env;
  executionId(): string | null;
  closed(): boolean;
  /** The status the log ended with (null while open). */
  status(): ExecutionStatus | null;
  /** The session the log's `result` event named, if any (D1 may not have it yet). */
  sessionId(): string | null;
  toRunners(frame: HubToRunner): void;
  retryLater(): Promise<void>;
}

export type MessageOutcome =
  { outcome: 'live' } | { outcome: 'followup'; executionId: string } | { outcome: 'refused'; message: string };

/** Joined texts of messages that raced the end, in the order they were sent. */
export const joinRaced = (texts: readonly string[]): string => texts.join('\n\n');

const frameOf = (row: MessageRow): HubToRunner => ({
  type: 'exec.message',
  messageId: row.id,
  text: row.text,
  from: row.sender,
});

export class HubMessages {
  private ready = false;
  private readonly convertTask = new Coalesced(() => this.convertOnce());

  constructor(
    private readonly sql: SqlStorage,
    private readonly hooks: MessageHooks,
  ) {}

  /** Stores the message (once per id) and sends it to the runner; on a closed log it becomes a follow-up. */
  async add(message: Message, now: number): Promise<MessageOutcome> {
    this.table().exec(
      'INSERT OR IGNORE INTO hub_messages (id, text, sender, created_at) VALUES (?, ?, ?, ?)',
      message.messageId,
      message.text,
      message.from,
      now,
    );
    if (!this.hooks.closed()) {
      const row = this.row(message.messageId);
      if (row !== undefined && row.delivered === 0) this.hooks.toRunners(frameOf(row));
      return { outcome: 'live' };
    }
    await this.convert();
    const row = this.row(message.messageId);
    if (row?.followup == null || row.followup === NO_FOLLOWUP) {
      return { outcome: 'refused', message: row?.refusal ?? 'the execution ended; send the message again' };
    }
    return { outcome: 'followup', executionId: row.followup };
  }

  /** Marks delivered what the runner's stored `user.message` events say it handed to Claude Code. Runs inside the
   * batch's commit. */
  record(events: readonly ExecutionEvent[]): void {
    for (const event of events) {
      if (event.type === 'user.message') {
        this.table().exec('UPDATE hub_messages SET delivered = 1 WHERE id = ?', event.data.messageId);
      }
    }
  }

  /** Every message the runner has not recorded yet, oldest first: re-sent at each welcome. */
  undelivered(): HubToRunner[] {
    return this.pending().map(frameOf);
  }

  /** The log is closed with messages nobody took: they need a follow-up. */
  needsConverting(): boolean {
    return this.hooks.closed() && this.pending().length > 0;
  }

  /** Turns the messages that raced the end into one follow-up; retried from the alarm when it fails. */
  async convert(): Promise<void> {
    return this.convertTask.run();
  }

  private async convertOnce(): Promise<void> {
    const id = this.hooks.executionId();
    const raced = this.pending();
    if (id === null || raced.length === 0 || !this.hooks.closed()) return;
    const status = this.hooks.status();
    if (status === 'cancelled' || status === 'lost') {
      // Nobody meant a new turn to start: a person (or a budget) stopped the run, or its runner vanished (its retry
      // starts over). The messages stay recorded here; the sender is told to send again.
      this.refuse(`execution ${id} was ${status} before its runner took the message; send it again to continue`);
      return;
    }
    try {
      const db = createDb(this.hooks.env.DB);
      const source = await getExecution(db, id);
      if (source === undefined) return;
      const text = joinRaced(raced.map((row) => row.text));
      const detail = `${raced.length === 1 ? 'a message' : `${raced.length} messages`} sent as ${id} ended`;
      const followup = await createFollowup(this.hooks.env, source, text, {
        sessionId: this.hooks.sessionId(),
        detail,
      });
      const ids = raced.map((row) => row.id);
      this.table().exec(
        `UPDATE hub_messages SET followup = ? WHERE id IN (${ids.map(() => '?').join(',')})`,
        followup.id,
        ...ids,
      );
      for (const row of raced) {
        await auditMessage(db, {
          actor: row.sender,
          executionId: id,
          delivery: 'followup',
          messageId: row.id,
          to: followup.id,
        });
      }
    } catch (error) {
      console.error(`ExecutionHub ${id}: messages that raced the end could not become a follow-up`, error);
      // A source without a session never gets one; leave those messages recorded, undelivered, and stop retrying.
      if (error instanceof AppError) {
        this.refuse(error.message);
        return;
      }
      await this.hooks.retryLater();
    }
  }

  /** Marks every pending message as never becoming a follow-up, and why. */
  private refuse(reason: string): void {
    this.table().exec(
      'UPDATE hub_messages SET followup = ?, refusal = ? WHERE delivered = 0 AND followup IS NULL',
      NO_FOLLOWUP,
      reason,
    );
  }

  private pending(): MessageRow[] {
    return this.table()
      .exec<MessageRow>('SELECT * FROM hub_messages WHERE delivered = 0 AND followup IS NULL ORDER BY created_at, id')
      .toArray();
  }

  private row(id: string): MessageRow | undefined {
    return this.table().exec<MessageRow>('SELECT * FROM hub_messages WHERE id = ?', id).toArray()[0];
  }

  private table(): SqlStorage {
    if (!this.ready) {
      this.sql.exec(SCHEMA);
      this.ready = true;
    }
    return this.sql;
  }
}
