// Runner rows as the HTTP API and the Fleet read them, registration (one registration token becomes one runner,
// atomically, with the labels and slots the token fixes), presence, the sandbox a runner ran a job in, revocation.
import { and, desc, eq, gt, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { CursorKey } from '../../lib/cursor';
import { newAuditId } from '../../lib/ids';
import type { SandboxKind } from '../../protocol/sandbox';
import type { Db } from '../client';
import { auditLog, executions, registrationTokens, runners } from '../schema';

export type RunnerRow = typeof runners.$inferSelect;
export type NewRunner = Pick<RunnerRow, 'id' | 'name' | 'tokenHash' | 'labels' | 'maxConcurrent' | 'createdAt'>;

export async function getRunner(db: Db, id: string): Promise<RunnerRow | undefined> {
  return db.select().from(runners).where(eq(runners.id, id)).get();
}

/** The runner a token belongs to, unless it was revoked (a revoked runner's token is refused at once). */
export async function getRunnerByTokenHash(db: Db, tokenHash: string): Promise<RunnerRow | undefined> {
  return db
    .select()
    .from(runners)
    .where(and(eq(runners.tokenHash, tokenHash), isNull(runners.revokedAt)))
    .get();
}

/** Revokes a runner (its token stops working) with its audit row, in one transaction; the first revocation's time
 * (and audit row) is kept. The row, or undefined when there is no such runner. */
export async function revokeRunner(db: Db, id: string, actor: string, now: number): Promise<RunnerRow | undefined> {
  await db.batch([
    db
      .update(runners)
      .set({ revokedAt: now, status: 'offline' })
      .where(and(eq(runners.id, id), isNull(runners.revokedAt))),
    // Written only when the update above revoked it now: a repeated DELETE adds no second entry.
    db.insert(auditLog).select(
      db
        .select({
          id: sql`${newAuditId(now)}`.as('id'),
          at: sql`${now}`.as('at'),
          actor: sql`${actor}`.as('actor'),
          action: sql`'runner.revoked'`.as('action'),
          subject: sql`${id}`.as('subject'),
          executionId: sql`NULL`.as('execution_id'),
          details: sql`json_object('name', "runners"."name")`.as('details'),
        })
        .from(runners)
        .where(sql`"runners"."id" = ${id} AND "runners"."revoked_at" = ${now}`),
    ),
  ]);
  return getRunner(db, id);
}

/** The runner said hello: online, with its version and sandbox. Its labels and slots stay the registered ones: a
 * hello cannot widen them (the Fleet caps what it announces). */
export async function markRunnerOnline(
  db: Db,
  runnerId: string,
  hello: { version: string; sandbox: SandboxKind },
  now: number,
): Promise<void> {
  await db
    .update(runners)
    .set({ status: 'online', version: hello.version, sandbox: hello.sandbox, lastHeartbeatAt: now })
    .where(and(eq(runners.id, runnerId), isNull(runners.revokedAt)));
}

/** The runner accepted the job: the execution records how that runner confines it (GET shows `sandbox`). */
export async function recordExecutionSandbox(
  db: Db,
  executionId: string,
  runnerId: string,
  sandbox: SandboxKind,
): Promise<void> {
  await db
    .update(executions)
    .set({ sandbox })
    .where(and(eq(executions.id, executionId), eq(executions.runnerId, runnerId)));
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
          // What the token fixes wins over what the runner asks for.
          labels: sql`COALESCE(${registrationTokens.labels}, ${JSON.stringify(runner.labels)})`.as('labels'),
          maxConcurrent: sql`COALESCE(${registrationTokens.maxConcurrent}, ${runner.maxConcurrent})`.as(
            'max_concurrent',
          ),
          version: sql`NULL`.as('version'),
          status: sql`'offline'`.as('status'),
          lastHeartbeatAt: sql`NULL`.as('last_heartbeat_at'),
          metrics: sql`NULL`.as('metrics'),
          createdAt: sql`${now}`.as('created_at'),
          sandbox: sql`NULL`.as('sandbox'),
          revokedAt: sql`NULL`.as('revoked_at'),
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

/** Why a queued execution waits for a runner that can take it (no confining runner, for a requireSandbox job): its
 * blockedReason, while it stays queued. The claim clears it. */
export async function noteWaiting(db: Db, executionId: string, note: string, now: number): Promise<void> {
  await db
    .update(executions)
    .set({ blockedReason: note, updatedAt: now })
    .where(and(eq(executions.id, executionId), eq(executions.status, 'queued')));
}
