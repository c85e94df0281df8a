// Approvals and the audit log in D1. The approvals rows mirror the ExecutionHubs (the truth about who answered
// first): a hub upserts its approval with the audit row of its answer in one batch (hub-approvals.ts); the routes list
// and read them.
import { and, desc, eq, lt, or, sql, type SQL } from 'drizzle-orm';
import type { CursorKey } from '../../lib/cursor';
import { toIso, toIsoOrNull } from '../../lib/time';
import type { Approval, ApprovalDecision, ApprovalStatus, AuditEntry, RememberScope } from '../../protocol';
import type { Db } from '../client';
import { approvals, auditLog, executions } from '../schema';

/** An approval as its hub holds it (the agent is the execution's, looked up in D1). */
export interface ApprovalRecord {
  id: string;
  executionId: string;
  tool: string;
  input: unknown;
  summary: string;
  pattern: string;
  status: ApprovalStatus;
  createdAt: number;
  expiresAt: number;
  decision: ApprovalDecision | null;
  decidedBy: string | null;
  decidedAt: number | null;
  message: string | null;
  remember: RememberScope | null;
  reason: string | null;
}

export type ApprovalRow = typeof approvals.$inferSelect;

/** The audit action of an answered approval. */
export const auditActionOf = (status: Exclude<ApprovalStatus, 'pending'>) => `approval.${status}` as const;

/** Upserts the mirror row and, once answered, inserts the answer's audit row (its id derived from the approval's, so a
 * repeated sync never writes it twice); one batch, one transaction. */
export async function mirrorApproval(db: Db, record: ApprovalRecord): Promise<void> {
  const { id, executionId, ...fields } = record;
  const agent = sql<string>`COALESCE((SELECT ${executions.agent} FROM ${executions} WHERE ${executions.id} = ${executionId}), 'default')`;
  const upsert = db
    .insert(approvals)
    .values({ id, executionId, agent, ...fields, input: fields.input ?? null })
    .onConflictDoUpdate({
      target: approvals.id,
      set: {
        status: fields.status,
        decision: fields.decision,
        decidedBy: fields.decidedBy,
        decidedAt: fields.decidedAt,
        message: fields.message,
        remember: fields.remember,
        reason: fields.reason,
      },
    });
  if (record.status === 'pending') {
    await upsert;
    return;
  }
  const audit = db
    .insert(auditLog)
    .values({
      id: `${id}.${record.status}`,
      at: record.decidedAt ?? record.createdAt,
      actor: record.decidedBy ?? 'system',
      action: auditActionOf(record.status),
      subject: id,
      executionId,
      details: {
        tool: record.tool,
        input: record.input,
        pattern: record.pattern,
        decision: record.decision,
        message: record.message,
        remember: record.remember,
        reason: record.reason,
      },
    })
    .onConflictDoNothing();
  await db.batch([upsert, audit]);
}

export async function getApproval(db: Db, id: string): Promise<ApprovalRow | undefined> {
  return db.select().from(approvals).where(eq(approvals.id, id)).get();
}

/** Newest first, keyset-paginated; one row more than `limit` when there is a further page. */
export async function listApprovals(
  db: Db,
  opts: { status?: ApprovalStatus | undefined; executionId?: string | undefined; limit: number; after?: CursorKey },
): Promise<ApprovalRow[]> {
  const conditions: SQL[] = [];
  if (opts.status) conditions.push(eq(approvals.status, opts.status));
  if (opts.executionId) conditions.push(eq(approvals.executionId, opts.executionId));
  if (opts.after) {
    const { createdAt, id } = opts.after;
    conditions.push(
      or(lt(approvals.createdAt, createdAt), and(eq(approvals.createdAt, createdAt), lt(approvals.id, id)))!,
    );
  }
  return db
    .select()
    .from(approvals)
    .where(and(...conditions))
    .orderBy(desc(approvals.createdAt), desc(approvals.id))
    .limit(opts.limit + 1);
}

export const toApproval = (row: ApprovalRecord & { agent: string }): Approval => ({
  id: row.id,
  executionId: row.executionId,
  agent: row.agent,
  tool: row.tool,
  input: row.input,
  summary: row.summary,
  pattern: row.pattern,
  status: row.status,
  createdAt: toIso(row.createdAt),
  expiresAt: toIso(row.expiresAt),
  decision: row.decision,
  decidedBy: row.decidedBy,
  decidedAt: toIsoOrNull(row.decidedAt),
  message: row.message,
  remember: row.remember,
  reason: row.reason,
});

export type AuditRow = typeof auditLog.$inferSelect;

/** Newest first, keyset-paginated over (at, id); one row more than `limit` when there is a further page. */
export async function listAudit(
  db: Db,
  opts: {
    action?: string | undefined;
    executionId?: string | undefined;
    subject?: string | undefined;
    limit: number;
    after?: CursorKey;
  },
): Promise<AuditRow[]> {
  const conditions: SQL[] = [];
  if (opts.action) conditions.push(eq(auditLog.action, opts.action));
  if (opts.executionId) conditions.push(eq(auditLog.executionId, opts.executionId));
  if (opts.subject) conditions.push(eq(auditLog.subject, opts.subject));
  if (opts.after) {
    const { createdAt, id } = opts.after;
    conditions.push(or(lt(auditLog.at, createdAt), and(eq(auditLog.at, createdAt), lt(auditLog.id, id)))!);
  }
  return db
    .select()
    .from(auditLog)
    .where(and(...conditions))
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(opts.limit + 1);
}

export const toAuditEntry = (row: AuditRow): AuditEntry => ({
  id: row.id,
  at: toIso(row.at),
  actor: row.actor,
  action: row.action as AuditEntry['action'],
  subject: row.subject,
  executionId: row.executionId,
  details: row.details,
});
