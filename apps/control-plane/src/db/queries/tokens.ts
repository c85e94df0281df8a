// Token rows: registration tokens, the stored admin token and dashboard sessions. Only SHA-256 hashes are stored.
import { and, eq, gt, lt } from 'drizzle-orm';
import type { Db } from '../client';
import { apiTokens, registrationTokens } from '../schema';

/** The generated admin token's row id: a fixed key makes "create it once" a single conditional insert. */
const ADMIN_ROW_ID = 'admin';

export async function insertRegistrationToken(
  db: Db,
  row: { id: string; tokenHash: string; createdAt: number; expiresAt: number },
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

export async function insertSession(
  db: Db,
  row: { id: string; tokenHash: string; createdAt: number; expiresAt: number },
): Promise<void> {
  await db.insert(apiTokens).values({ ...row, kind: 'session' });
  // Sessions are few; clearing expired ones on login keeps the table from growing without a cron.
  await db.delete(apiTokens).where(and(eq(apiTokens.kind, 'session'), lt(apiTokens.expiresAt, row.createdAt)));
}

export async function isLiveSession(db: Db, tokenHash: string, now: number): Promise<boolean> {
  const row = await db
    .select({ id: apiTokens.id })
    .from(apiTokens)
    .where(and(eq(apiTokens.tokenHash, tokenHash), eq(apiTokens.kind, 'session'), gt(apiTokens.expiresAt, now)))
    .get();
  return row !== undefined;
}

export async function deleteSession(db: Db, tokenHash: string): Promise<void> {
  await db.delete(apiTokens).where(and(eq(apiTokens.tokenHash, tokenHash), eq(apiTokens.kind, 'session')));
}
