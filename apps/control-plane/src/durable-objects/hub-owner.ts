// Who may write an ExecutionHub's log: each runner stream socket is tied to the runner that opened it and the
// assignment (D1's assigned_at) it was opened under. When the Fleet takes the execution from a runner (rejected,
// requeued, lost, revoked) the hub closes that runner's sockets and refuses them from then on; a later assignment to
// the same runner (a newer assigned_at) may open a new one. Used by execution-hub.ts.
import { closeSocket } from './sockets';

/** Close code of a stream socket whose runner no longer holds the execution (4000-4999: the application's own). */
export const DISOWNED_CLOSE_CODE = 4403;

/** What a runner stream socket's attachment says about whose it is; null fields for sockets the Worker did not
 * attribute (tests that open the hub directly). */
export interface StreamOwner {
  readonly runnerId: string | null;
  /** D1's assigned_at of the assignment the socket was opened under. */
  readonly assignedAt: number | null;
}

const SCHEMA = `CREATE TABLE IF NOT EXISTS disowned (runner_id TEXT PRIMARY KEY, through INTEGER NOT NULL, reason TEXT NOT NULL);`;

type Disowned = { through: number; reason: string };

export class HubOwner {
  /** Per runner: assignments made at or before `through` are taken from it. Kept in memory: read on every frame. */
  private readonly disowned = new Map<string, Disowned>();

  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA);
    for (const row of sql.exec<{ runner_id: string; through: number; reason: string }>('SELECT * FROM disowned')) {
      this.disowned.set(row.runner_id, { through: row.through, reason: row.reason });
    }
  }

  /** The owner a forwarded upgrade names (the stream route sets these headers after checking D1). */
  static fromRequest(request: Request): StreamOwner {
    const runnerId = request.headers.get('x-claudeops-runner-id') || null;
    const assignedAt = Number(request.headers.get('x-claudeops-assigned-at'));
    return { runnerId, assignedAt: Number.isSafeInteger(assignedAt) && assignedAt > 0 ? assignedAt : null };
  }

  /** Why a socket of this owner may not write the log any more, or null while it may. */
  refusal(owner: StreamOwner): string | null {
    if (owner.runnerId === null) return null;
    const taken = this.disowned.get(owner.runnerId);
    if (taken === undefined) return null;
    // An unknown assignment time cannot prove the socket is newer than the disowning.
    if (owner.assignedAt !== null && owner.assignedAt > taken.through) return null;
    return taken.reason;
  }

  /** Takes the execution from `runnerId` for every assignment up to `through` (the Fleet's clock, the one that
   * stamps assigned_at); idempotent, a later call extends it. */
  disown(runnerId: string, through: number, reason: string): void {
    const known = this.disowned.get(runnerId);
    const entry = { through: Math.max(through, known?.through ?? 0), reason };
    this.sql.exec(
      'INSERT OR REPLACE INTO disowned (runner_id, through, reason) VALUES (?, ?, ?)',
      runnerId,
      entry.through,
      entry.reason,
    );
    this.disowned.set(runnerId, entry);
  }
}

/** Closes a stream socket the hub no longer takes frames from, saying why. */
export function closeDisowned(ws: WebSocket, reason: string): void {
  closeSocket(ws, DISOWNED_CLOSE_CODE, `refused: ${reason}`);
}
