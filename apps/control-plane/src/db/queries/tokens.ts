// Token rows: registration tokens (with the labels and slots they fix), the stored admin token (and its rotation)
// and dashboard sessions (tied to the admin token they were made with). Only SHA-256 hashes are stored.
import { and, eq, gt, lt, sql } from 'drizzle-orm';
import { newAuditId } from '../../lib/ids';
import type { Db } from '../client';
import { apiTokens, auditLog, registrationTokens } from '../schema';

/** The generated admin token's row id: a fixed key makes "create it once" a single conditional insert. */
const ADMIN_ROW_ID = 'admin';

export async function insertRegistrationToken(
  db: Db,
  row: {
    id: string;
    tokenHash: string;
    createdAt: number;
    expiresAt: number;
    labels: string[] | null;
    maxConcurrent: number | null;
  },
): Promise<void> {
  await db.insert(registrationTokens).values(row);
}

export async function hasStoredAdminToken(db: Db): Promise<boolean> {
  const row = await db.select({ id: apiTokens.id }).from(apiTokens).where(eq(apiTokens.kind, 'admin')).get();
  return row !== undefined;
}

/** Stores the admin token's hash unless one exists; true if this call stored it (so only one caller prints it). */
export async function insertAdminTokenOnce(db: Db, tokenHash: string, now: number): Promise<boolean> {
  const inserted = await db
    .insert(apiTokens)
    .values({ id: ADMIN_ROW_ID, kind: 'admin', tokenHash, createdAt: now, expiresAt: null })
    .onConflictDoNothing()
    .returning({ id: apiTokens.id });
  return inserted.length === 1;
}

export async function isStoredAdminToken(db: Db, tokenHash: string): Promise<boolean> {
  const row = await db
    .select({ id: apiTokens.id })
    .from(apiTokens)
    .where(and(eq(apiTokens.tokenHash, tokenHash), eq(apiTokens.kind, 'admin')))
    .get();
  return row !== undefined;
}

/** Replaces the stored admin token's hash and ends every session, in one transaction with its audit row: the old
 * token and the sessions made with it stop working together. */
export async function rotateAdminToken(db: Db, tokenHash: string, actor: string, now: number): Promise<void> {
  await db.batch([
    db.insert(auditLog).values({
      id: newAuditId(now),
      at: now,
      actor,
      action: 'admin_token.rotated',
      subject: 'admin-token',
      executionId: null,
      details: {},
    }),
    db
      .insert(apiTokens)
      .values({ id: ADMIN_ROW_ID, kind: 'admin', tokenHash, createdAt: now, expiresAt: null })
      .onConflictDoUpdate({ target: apiTokens.id, set: { tokenHash, createdAt: now } }),
    db.delete(apiTokens).where(eq(apiTokens.kind, 'session')),
  ]);
}

/** `adminTokenHash`: the hash of the admin token the session was made with. */
export async function insertSession(
  db: Db,
  row: { id: string; tokenHash: string; createdAt: number; expiresAt: number; adminTokenHash: string },
): Promise<void> {
  await db.insert(apiTokens).values({ ...row, kind: 'session' });
  // Sessions are few; clearing expired ones on login keeps the table from growing without a cron.
  await db.delete(apiTokens).where(and(eq(apiTokens.kind, 'session'), lt(apiTokens.expiresAt, row.createdAt)));
}

/**
 * A session is live until it expires, and only while the admin token it was made with is the admin token:
 * `envAdminTokenHash` (CLAUDEOPS_ADMIN_TOKEN's hash) when set, else the stored one. Sessions from before this was
 * recorded (no hash) are ended too.
 */
export async function isLiveSession(
  db: Db,
  tokenHash: string,
  now: number,
  envAdminTokenHash: string | null,
): Promise<boolean> {
  const current =
    envAdminTokenHash === null
      ? sql`(SELECT admin.token_hash FROM api_tokens AS admin WHERE admin.kind = 'admin')`
      : sql`${envAdminTokenHash}`;
  const row = await db
    .select({ id: apiTokens.id })
    .from(apiTokens)
    .where(
      and(
        eq(apiTokens.tokenHash, tokenHash),
        eq(apiTokens.kind, 'session'),
        gt(apiTokens.expiresAt, now),
        sql`${apiTokens.adminTokenHash} = ${current}`,
      ),
    )
    .get();
  return row !== undefined;
}

export async function deleteSession(db: Db, tokenHash: string): Promise<void> {
  await db.delete(apiTokens).where(and(eq(apiTokens.tokenHash, tokenHash), eq(apiTokens.kind, 'session')));
}
