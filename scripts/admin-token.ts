// The admin token `npm start` hands the control plane: CLAUDEOPS_ADMIN_TOKEN when set, else the one kept in
// .claudeops/admin-token (created on the first start, readable by this user only). Used by scripts/start.ts.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const ADMIN_TOKEN_FILE = 'admin-token';

/** Same shape the control plane generates: `coa_` and 32 random bytes in base64url. */
export const newAdminToken = (): string => `coa_${randomBytes(32).toString('base64url')}`;

export interface AdminToken {
  token: string;
  source: 'env' | 'file' | 'new';
  /** The file it lives in, when it came from one. */
  file?: string;
}

export async function resolveAdminToken(stateDir: string, env: NodeJS.ProcessEnv = process.env): Promise<AdminToken> {
  const fromEnv = env.CLAUDEOPS_ADMIN_TOKEN?.trim();
  if (fromEnv) return { token: fromEnv, source: 'env' };

  const file = path.join(stateDir, ADMIN_TOKEN_FILE);
  const saved = await readToken(file);
  if (saved !== null) {
    // A token file others can read is a token others can use; tighten it rather than refuse to start.
    if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
    return { token: saved, source: 'file', file };
  }

  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const token = newAdminToken();
  try {
    // 'wx': never overwrite a token another start wrote a moment ago; mode 0600 from the first byte.
    await writeFile(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const raced = await readToken(file);
    if (raced === null) throw new Error(`${file} is empty; delete it to have a new admin token generated`);
    return { token: raced, source: 'file', file };
  }
  return { token, source: 'new', file };
}

async function readToken(file: string): Promise<string | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const token = text.trim();
  if (token === '') return null;
  if (/\s/.test(token)) throw new Error(`${file} must hold one token on one line`);
  return token;
}
