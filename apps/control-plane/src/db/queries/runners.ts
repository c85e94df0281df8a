// Runner rows as the HTTP API reads them, and registration: one registration token becomes one runner, atomically.
import { and, desc, eq, gt, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { CursorKey } from '../../lib/cursor';
import type { Db } from '../client';
import { registrationTokens, runners } from '../schema';

export type RunnerRow = typeof runners.$inferSelect;
export type NewRunner = Pick<RunnerRow, 'id' | 'name' | 'tokenHash' | 'labels' | 'maxConcurrent' | 'createdAt'>;

export async function getRunner(db: Db, id: string): Promise<RunnerRow | undefined> {
  return db.select().from(runners).where(eq(runners.id, id)).get();
}

export async function getRunnerByTokenHash(db: Db, tokenHash: string): Promise<RunnerRow | undefined> {
  return db.select().from(runners).where(eq(runners.tokenHash, tokenHash)).get();
}

/** Newest first, keyset-paginated; returns one row more than `limit` when there is a further page. */
export async function listRunners(
  db: Db,
  opts: { limit: number; after?: CursorKey | undefined },
): Promise<RunnerRow[]> {
  const conditions: SQL[] = [];
  if (opts.after) {
    const { createdAt, id } = opts.after;
    conditions.push(or(lt(runners.createdAt, createdAt), and(eq(runners.createdAt, createdAt), lt(runners.id, id)))!);
  }
  return db
    .select()
    .from(runners)
    .where(and(...conditions))
    .orderBy(desc(runners.createdAt), desc(runners.id))
    .limit(opts.limit + 1);
}

export type RegistrationOutcome = 'registered' | 'unknown' | 'used' | 'expired';

/**
 * Consumes the registration token and creates the runner in one D1 transaction: the runner row is inserted only
 * when this call's update marked the token used, so two concurrent registrations cannot both succeed.
 */
export async function registerRunner(
  db: Db,
  registrationTokenHash: string,
  runner: NewRunner,
): Promise<RegistrationOutcome> {
  const now = runner.createdAt;
  const [consumed] = await db.batch([
    db
      .update(registrationTokens)
      .set({ usedAt: now, runnerId: runner.id })
      .where(
        and(
          eq(registrationTokens.tokenHash, registrationTokenHash),
          isNull(registrationTokens.usedAt),
          gt(registrationTokens.expiresAt, now),
        ),
      )
      .returning({ id: registrationTokens.id }),
    db.insert(runners).select(
      db
        .select({
          id: sql`${runner.id}`.as('id'),
          name: sql`${runner.name}`.as('name'),
          tokenHash: sql`${runner.tokenHash}`.as('token_hash'),
          labels: sql`${JSON.stringify(runner.labels)}`.as('labels'),
          maxConcurrent: sql`${runner.maxConcurrent}`.as('max_concurrent'),
          version: sql`NULL`.as('version'),
          status: sql`'offline'`.as('status'),
          lastHeartbeatAt: sql`NULL`.as('last_heartbeat_at'),
          metrics: sql`NULL`.as('metrics'),
          createdAt: sql`${now}`.as('created_at'),
        })
        .from(registrationTokens)
        .where(
          and(eq(registrationTokens.tokenHash, registrationTokenHash), eq(registrationTokens.runnerId, runner.id)),
        ),
    ),
  ]);
  if (consumed.length === 1) return 'registered';
  const token = await db
    .select()
    .from(registrationTokens)
    .where(eq(registrationTokens.tokenHash, registrationTokenHash))
    .get();
  if (!token) return 'unknown';
  return token.usedAt !== null ? 'used' : 'expired';
}
