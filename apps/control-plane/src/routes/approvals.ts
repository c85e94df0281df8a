// /api/v1/approvals: tool calls Claude Code is waiting on, and the answers to them. The list reads D1's mirror; an
// answer goes to the execution's ExecutionHub, where the first one wins. Used by the dashboard and outside clients.
import { Hono } from 'hono';
import { z } from 'zod';
import { createDb } from '../db/client';
import { getAgent, ruleOnAgent } from '../db/queries/agents';
import { getApproval, listApprovals, toApproval, type ApprovalRecord } from '../db/queries/approvals';
import { DEFAULT_AGENT } from '../domain/budget-scopes';
import type { DecideOutcome } from '../durable-objects/hub-approvals';
import type { AppEnv } from '../env';
import { AppError } from '../errors';
import { decodeCursor, encodeCursor } from '../lib/cursor';
import { hubOf } from '../lib/stubs';
import { toIsoOrNull } from '../lib/time';
import { actorOf, requireAdmin } from '../middleware/auth';
import { jsonBody, params, query } from '../middleware/validate';
import { doc } from '../openapi/describe';
import { Approval, ApprovalDecisionBody, ApprovalId, ApprovalPage, ListApprovalsQuery } from '../protocol';

const IdParams = z.strictObject({ id: ApprovalId });

/** "allowed by admin at 2026-…", "expired at 2026-…: nobody answered within 10 minutes". */
function answered(a: Pick<ApprovalRecord, 'id' | 'status' | 'decidedBy' | 'decidedAt' | 'reason'>): AppError {
  const at = toIsoOrNull(a.decidedAt) ?? 'an earlier time';
  const how =
    a.status === 'allowed' || a.status === 'denied'
      ? `${a.status} by ${a.decidedBy ?? 'someone'} at ${at}`
      : `${a.status} at ${at}${a.reason === null ? '' : `: ${a.reason}`}`;
  return new AppError('CONFLICT', `approval ${a.id} was already answered (${how})`);
}

export const approvalsRoutes = new Hono<AppEnv>()
  .get(
    '/',
    doc({
      summary: 'List approvals',
      description: 'Tool calls Claude Code waits on (status=pending) and the answers given.',
      responses: { 200: { description: 'A page of approvals, newest first', schema: ApprovalPage } },
    }),
    requireAdmin,
    query(ListApprovalsQuery),
    async (c) => {
      const { status, executionId, limit, cursor } = c.req.valid('query');
      const rows = await listApprovals(createDb(c.env.DB), {
        status,
        executionId,
        limit,
        ...(cursor === undefined ? {} : { after: decodeCursor(cursor) }),
      });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      const nextCursor = rows.length > limit && last ? encodeCursor(last) : null;
      return c.json({ items: page.map(toApproval), nextCursor } satisfies z.infer<typeof ApprovalPage>);
    },
  )

  .get(
    '/:id',
    doc({ summary: 'Read an approval', responses: { 200: { description: 'The approval', schema: Approval } } }),
    requireAdmin,
    params(IdParams),
    async (c) => {
      const { id } = c.req.valid('param');
      const row = await getApproval(createDb(c.env.DB), id);
      if (row === undefined) throw new AppError('NOT_FOUND', `approval ${id} does not exist`);
      return c.json(toApproval(row));
    },
  )

  .post(
    '/:id/decision',
    doc({
      summary: 'Answer an approval',
      description:
        "The first answer wins (in the execution's ExecutionHub); a later one is a 409. `remember` keeps the answer for the execution or, on its template, for the agent.",
      responses: { 200: { description: 'The approval as decided', schema: Approval } },
    }),
    requireAdmin,
    params(IdParams),
    jsonBody(ApprovalDecisionBody),
    async (c) => {
      const db = createDb(c.env.DB);
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const row = await getApproval(db, id);
      if (row === undefined) throw new AppError('NOT_FOUND', `approval ${id} does not exist`);
      if (row.status !== 'pending') throw answered(row);
      if (body.remember === 'agent') {
        if (row.agent === DEFAULT_AGENT) {
          throw new AppError('BAD_REQUEST', 'remember "agent" needs an execution started from an agent template');
        }
        if ((await getAgent(db, row.agent)) === undefined) {
          throw new AppError('BAD_REQUEST', `remember "agent": agent template ${row.agent} no longer exists`);
        }
      }
      const actor = actorOf(c.get('identity'));
      const answer = { decision: body.decision, message: body.message ?? null, remember: body.remember ?? null, actor };
      // Cast: the RPC stub types a record with an `unknown` field as `never` (which would narrow an annotation away).
      const result = (await hubOf(c.env, row.executionId).decide(row.executionId, id, answer)) as DecideOutcome;
      if (result.outcome === 'not_found') {
        throw new AppError('NOT_FOUND', `approval ${id} is not known to execution ${row.executionId}`);
      }
      if (result.outcome === 'conflict') throw answered(result.approval);
      if (body.remember === 'agent') {
        // A standing answer on the template: allowed from now on, or refused from now on.
        const list = body.decision === 'allow' ? 'allow' : 'deny';
        await ruleOnAgent(db, row.agent, list, result.approval.pattern, actor, Date.now());
      }
      return c.json(toApproval({ ...result.approval, agent: row.agent }));
    },
  );
