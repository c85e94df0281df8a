// /api/v1/sessions: dashboard login (admin token in, HttpOnly session cookie out) and logout.
import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { z } from 'zod';
import { createDb } from '../db/client';
import { deleteSession, insertSession } from '../db/queries/tokens';
import type { AppEnv } from '../env';
import { AppError } from '../errors';
import { newRowId } from '../lib/ids';
import { toIso } from '../lib/time';
import { generateToken, hashToken } from '../lib/tokens';
import { assertCookieOrigin, isAdminToken } from '../middleware/auth';
import { SESSION_COOKIE, SESSION_TTL_MS, sessionCookieOptions } from '../middleware/session-cookie';
import { jsonBody } from '../middleware/validate';
import { doc } from '../openapi/describe';
import { CreateSessionBody, LoggedOut, Session } from '../protocol';

export const sessionsRoutes = new Hono<AppEnv>()
  .post(
    '/',
    doc({
      summary: 'Log in (the dashboard)',
      description:
        'The admin token in the body; the answer sets the session cookie the dashboard then sends. A 401 for any other token.',
      responses: { 201: { description: 'Logged in: an HttpOnly `claudeops_session` cookie is set', schema: Session } },
    }),
    jsonBody(CreateSessionBody),
    async (c) => {
      const db = createDb(c.env.DB);
      const adminToken = c.req.valid('json').token;
      if (!(await isAdminToken(c.env, db, adminToken))) {
        throw new AppError('UNAUTHORIZED', 'the token is not the admin token');
      }
      const session = generateToken('session');
      const now = Date.now();
      const expiresAt = now + SESSION_TTL_MS;
      // Tied to the admin token it was made with: rotating or changing that token ends the session.
      await insertSession(db, {
        id: newRowId(),
        tokenHash: await hashToken(session),
        createdAt: now,
        expiresAt,
        adminTokenHash: await hashToken(adminToken),
      });
      setCookie(c, SESSION_COOKIE, session, sessionCookieOptions(c.req.url, SESSION_TTL_MS / 1000));
      return c.json({ expiresAt: toIso(expiresAt) } satisfies z.infer<typeof Session>, 201);
    },
  )

  .delete(
    '/',
    doc({
      summary: 'Log out',
      description: 'Needs no credentials: with a session cookie (from an allowed origin) it ends that session.',
      responses: { 200: { description: 'The cookie is cleared and its session ended', schema: LoggedOut } },
    }),
    async (c) => {
      const session = getCookie(c, SESSION_COOKIE);
      if (session !== undefined) {
        assertCookieOrigin(c);
        await deleteSession(createDb(c.env.DB), await hashToken(session));
      }
      deleteCookie(c, SESSION_COOKIE, sessionCookieOptions(c.req.url, 0));
      return c.json({ ok: true as const } satisfies z.infer<typeof LoggedOut>);
    },
  );
