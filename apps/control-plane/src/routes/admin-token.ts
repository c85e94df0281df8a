// /api/v1/admin-token: rotating the generated admin token (the old one and every dashboard session end at once).
// An admin token set by CLAUDEOPS_ADMIN_TOKEN is changed in the environment instead; sessions made with the old
// value end then too (middleware/auth checks a session against the current admin token's hash).
import { Hono } from 'hono';
import { createDb } from '../db/client';
import { rotateAdminToken } from '../db/queries/tokens';
import type { AppEnv } from '../env';
import { AppError } from '../errors';
import { generateToken, hashToken } from '../lib/tokens';
import { actorOf, requireAdmin } from '../middleware/auth';
import { jsonBody } from '../middleware/validate';
import { doc } from '../openapi/describe';
import { RotateAdminTokenBody, RotatedAdminToken } from '../protocol';

export const adminTokenRoutes = new Hono<AppEnv>().post(
  '/rotate',
  doc({
    summary: 'Rotate the generated admin token',
    description:
      'Ends the old token and every dashboard session. A 409 when the token is set by CLAUDEOPS_ADMIN_TOKEN.',
    responses: { 200: { description: 'The new admin token, shown this once', schema: RotatedAdminToken } },
  }),
  requireAdmin,
  jsonBody(RotateAdminTokenBody, { optional: true }),
  async (c) => {
    if (c.env.CLAUDEOPS_ADMIN_TOKEN) {
      throw new AppError('CONFLICT', 'the admin token is set by CLAUDEOPS_ADMIN_TOKEN; change it there');
    }
    const token = generateToken('admin');
    await rotateAdminToken(createDb(c.env.DB), await hashToken(token), actorOf(c.get('identity')), Date.now());
    return c.json({ token } satisfies RotatedAdminToken);
  },
);
