// First start without CLAUDEOPS_ADMIN_TOKEN: generate an admin token, store its hash, print it once.
import { createMiddleware } from 'hono/factory';
import { createDb, type Db } from '../db/client';
import { hasStoredAdminToken, insertAdminTokenOnce } from '../db/queries/tokens';
import type { AppEnv } from '../env';
import { generateToken, hashToken } from '../lib/tokens';

/**
 * Per isolate: once the row is known to exist there is nothing more to do. A flag, not a shared promise: Workers
 * refuse to let one request wait on I/O another request started. Concurrent first requests race harmlessly.
 */
let adminTokenStored = false;

/** Creates the admin token unless one is stored; returns it only to the one caller whose insert won. */
export async function ensureAdminToken(db: Db, now: number = Date.now()): Promise<string | null> {
  if (await hasStoredAdminToken(db)) return null;
  const token = generateToken('admin');
  return (await insertAdminTokenOnce(db, await hashToken(token), now)) ? token : null;
}

function printBanner(token: string): void {
  const line = '='.repeat(78);
  console.log(
    [
      line,
      'ClaudeOps generated an admin token. It is shown this once; only its hash is stored.',
      '',
      `  ${token}`,
      '',
      'Use it as "Authorization: Bearer <token>", or set CLAUDEOPS_ADMIN_TOKEN to choose your own.',
      line,
    ].join('\n'),
  );
}

export const adminBootstrap = createMiddleware<AppEnv>(async (c, next) => {
  if (!c.env.CLAUDEOPS_ADMIN_TOKEN && !adminTokenStored) {
    const token = await ensureAdminToken(createDb(c.env.DB));
    if (token) printBanner(token);
    adminTokenStored = true;
  }
  await next();
});
