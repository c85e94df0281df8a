// Agent templates in D1: create, read, list by name, change, delete, each change with its audit row in one batch.
// Used by the agents routes, the executions route (an execution started from a template) and the approvals route
// (`remember: "agent"` grants a pattern on the template).
import { asc, eq, gt } from 'drizzle-orm';
import { placeholders } from '../../domain/templates';
import { newAuditId } from '../../lib/ids';
import { toIso } from '../../lib/time';
import type { Agent, CreateAgentBody, PermissionPolicy, UpdateAgentBody } from '../../protocol';
import type { Db } from '../client';
import { agents, auditLog } from '../schema';

export type AgentRow = typeof agents.$inferSelect;
type AgentAction = 'agent.created' | 'agent.updated' | 'agent.deleted';

export function toAgent(row: AgentRow): Agent {
  return {
    name: row.name,
    description: row.description,
    prompt: row.prompt,
    model: row.model,
    permissions: row.permissions,
    maxTurns: row.maxTurns,
    maxBudgetUsd: row.maxBudgetUsd,
    labels: row.labels,
    repo: row.repo,
    ref: row.ref,
    appendSystemPrompt: row.appendSystemPrompt,
    outputSchema: row.outputSchema,
    tools: row.tools,
    approvalTimeoutSeconds: row.approvalTimeoutSeconds,
    hostSnapshot: row.hostSnapshot,
    network: row.network,
    limits: row.limits,
    requireSandbox: row.requireSandbox,
    secrets: row.secrets,
    checks: row.checks ?? [],
    review: row.review,
    breakpoints: row.breakpoints ?? [],
    inputs: placeholders(row.prompt),
    builtin: row.builtin,
    createdAt: toIso(row.createdAt),
    updatedAt: toIso(row.updatedAt),
  };
}

export async function getAgent(db: Db, name: string): Promise<AgentRow | undefined> {
  return db.select().from(agents).where(eq(agents.name, name)).get();
}

/** By name; returns one row more than `limit` when there is a further page. */
export async function listAgents(db: Db, opts: { limit: number; after?: string | undefined }): Promise<AgentRow[]> {
  return db
    .select()
    .from(agents)
    .where(opts.after === undefined ? undefined : gt(agents.name, opts.after))
    .orderBy(asc(agents.name))
    .limit(opts.limit + 1);
}

const auditInsert = (db: Db, action: AgentAction, actor: string, row: AgentRow, now: number) =>
  db.insert(auditLog).values({
    id: newAuditId(now),
    at: now,
    actor,
    action,
    subject: row.name,
    executionId: null,
    details: { agent: toAgent(row) },
  });

/** Null when the name is taken. */
export async function insertAgent(db: Db, body: CreateAgentBody, actor: string, now: number): Promise<AgentRow | null> {
  const row: AgentRow = {
    name: body.name,
    description: body.description,
    prompt: body.prompt,
    model: body.model ?? null,
    permissions: body.permissions ?? null,
    maxTurns: body.maxTurns ?? null,
    maxBudgetUsd: body.maxBudgetUsd ?? null,
    labels: body.labels,
    repo: body.repo ?? null,
    ref: body.ref ?? null,
    appendSystemPrompt: body.appendSystemPrompt ?? null,
    outputSchema: body.outputSchema ?? null,
    tools: body.tools ?? null,
    approvalTimeoutSeconds: body.approvalTimeoutSeconds ?? null,
    hostSnapshot: body.hostSnapshot,
    network: body.network ?? null,
    limits: body.limits ?? null,
    requireSandbox: body.requireSandbox,
    secrets: body.secrets ?? null,
    checks: body.checks.length === 0 ? null : body.checks,
    review: body.review ?? null,
    breakpoints: body.breakpoints.length === 0 ? null : body.breakpoints,
    builtin: false,
    createdAt: now,
    updatedAt: now,
  };
  if ((await getAgent(db, body.name)) !== undefined) return null;
  try {
    // One transaction: a name taken meanwhile fails the insert and rolls the audit row back with it.
    await db.batch([db.insert(agents).values(row), auditInsert(db, 'agent.created', actor, row, now)]);
  } catch (error) {
    if (/UNIQUE constraint failed/i.test(String(error))) return null;
    throw error;
  }
  return row;
}

/** Replaces the fields given (null clears); null when there is no such template. */
export async function updateAgent(
  db: Db,
  name: string,
  change: UpdateAgentBody,
  actor: string,
  now: number,
): Promise<AgentRow | null> {
  const current = await getAgent(db, name);
  if (current === undefined) return null;
  const next: AgentRow = { ...current, ...stripUndefined(change), updatedAt: now };
  await db.batch([
    db
      .update(agents)
      .set({ ...stripUndefined(change), updatedAt: now })
      .where(eq(agents.name, name)),
    auditInsert(db, 'agent.updated', actor, next, now),
  ]);
  return (await getAgent(db, name)) ?? null;
}

/** Adds `pattern` to one list of the template's policy (creating the policy if it has none), once. Null: no such
 * template. */
export async function ruleOnAgent(
  db: Db,
  name: string,
  list: 'allow' | 'deny',
  pattern: string,
  actor: string,
  now: number,
): Promise<AgentRow | null> {
  const current = await getAgent(db, name);
  if (current === undefined) return null;
  const policy: PermissionPolicy = current.permissions ?? { allow: [], ask: [], deny: [] };
  // The pattern joins `list` and leaves the lists that would otherwise still decide it (ask outranks allow).
  const others = list === 'allow' ? (['ask'] as const) : (['allow', 'ask'] as const);
  if (policy[list].includes(pattern) && others.every((other) => !policy[other].includes(pattern))) return current;
  const next: PermissionPolicy = { ...policy, [list]: [...policy[list].filter((r) => r !== pattern), pattern] };
  for (const other of others) next[other] = policy[other].filter((rule) => rule !== pattern);
  return updateAgent(db, name, { permissions: next }, actor, now);
}

/** True when it existed. */
export async function deleteAgent(db: Db, name: string, actor: string, now: number): Promise<boolean> {
  const current = await getAgent(db, name);
  if (current === undefined) return false;
  const [deleted] = await db.batch([
    db.delete(agents).where(eq(agents.name, name)).returning({ name: agents.name }),
    auditInsert(db, 'agent.deleted', actor, current, now),
  ]);
  return deleted.length === 1;
}

function stripUndefined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as never;
}
