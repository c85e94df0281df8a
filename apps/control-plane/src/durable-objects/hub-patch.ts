// The ExecutionHub's copy of the execution's git patch (the runner uploads it after committing the worktree): bytes
// in chunks well under the 2 MB limit of a SQLite value in a Durable Object, replaced whole by each upload. Used by
// execution-hub.ts for PUT/GET /api/v1/executions/:id/patch.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS patch_chunks (idx INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS patch_meta (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  bytes INTEGER NOT NULL,
  truncated INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);`;

/** Bytes per stored chunk. */
export const PATCH_CHUNK_BYTES = 256 * 1024;

export interface StoredPatch {
  readonly bytes: Uint8Array<ArrayBuffer>;
  /** The runner cut the patch at the size cap. */
  readonly truncated: boolean;
  readonly updatedAt: number;
}

export class HubPatch {
  constructor(
    private readonly sql: SqlStorage,
    private readonly storage: DurableObjectStorage,
  ) {
    sql.exec(SCHEMA);
  }

  /** Replaces the stored patch, atomically: a reader never sees half of an upload. */
  put(bytes: Uint8Array, truncated: boolean, now: number): void {
    this.storage.transactionSync(() => {
      this.sql.exec('DELETE FROM patch_chunks');
      for (let offset = 0, idx = 0; offset < bytes.byteLength; offset += PATCH_CHUNK_BYTES, idx++) {
        const chunk = bytes.slice(offset, offset + PATCH_CHUNK_BYTES);
        this.sql.exec('INSERT INTO patch_chunks (idx, data) VALUES (?, ?)', idx, chunk.buffer);
      }
      this.sql.exec(
        'INSERT OR REPLACE INTO patch_meta (id, bytes, truncated, updated_at) VALUES (1, ?, ?, ?)',
        bytes.byteLength,
        truncated ? 1 : 0,
        now,
      );
    });
  }

  /** Forgets the patch (retention); a no-op when there is none. */
  drop(): void {
    this.storage.transactionSync(() => {
      this.sql.exec('DELETE FROM patch_chunks');
      this.sql.exec('DELETE FROM patch_meta');
    });
  }

  get(): StoredPatch | null {
    const meta = this.sql
      .exec<{ bytes: number; truncated: number; updated_at: number }>('SELECT * FROM patch_meta WHERE id = 1')
      .toArray()[0];
    if (meta === undefined) return null;
    const bytes = new Uint8Array(meta.bytes);
    let offset = 0;
    for (const row of this.sql.exec<{ data: ArrayBuffer }>('SELECT data FROM patch_chunks ORDER BY idx')) {
      bytes.set(new Uint8Array(row.data), offset);
      offset += row.data.byteLength;
    }
    return { bytes, truncated: meta.truncated === 1, updatedAt: meta.updated_at };
  }
}
