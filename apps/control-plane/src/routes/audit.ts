// /api/v1/audit: who answered which approval, and who changed which agent template; newest first. Admin only.
import { Hono } from 'hono';
import type { z } from 'zod';
import { createDb } from '../db/client';
import { listAudit, toAuditEntry } from '../db/queries/approvals';
import type { AppEnv } from '../env';
import { decodeCursor, encodeCursor } from '../lib/cursor';
import { requireAdmin } from '../middleware/auth';
import { query } from '../middleware/validate';
import { doc } from '../openapi/describe';
import { AuditPage, ListAuditQuery } from '../protocol';

export const auditRoutes = new Hono<AppEnv>().get(
  '/',
  doc({
    summary: 'List the audit log',
    description: 'Who answered which approval and who changed which agent template, runner or setting; newest first.',
    responses: { 200: { description: 'A page of audit entries', schema: AuditPage } },
  }),
  requireAdmin,
  query(ListAuditQuery),
  async (c) => {
    const { limit, cursor, ...filters } = c.req.valid('query');
    const rows = await listAudit(createDb(c.env.DB), {
      ...filters,
      limit,
      ...(cursor === undefined ? {} : { after: decodeCursor(cursor) }),
    });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    const nextCursor = rows.length > limit && last ? encodeCursor({ createdAt: last.at, id: last.id }) : null;
    return c.json({ items: page.map(toAuditEntry), nextCursor } satisfies z.infer<typeof AuditPage>);
  },
);
