// The admin token `npm start` uses: from the environment, else kept in a private file and reused.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN_FILE, resolveAdminToken } from './admin-token';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'claudeops-start-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('resolveAdminToken', () => {
  it('takes CLAUDEOPS_ADMIN_TOKEN when set and writes nothing', async () => {
    const state = path.join(dir, '.claudeops');
    expect(await resolveAdminToken(state, { CLAUDEOPS_ADMIN_TOKEN: ' coa_mine ' })).toEqual({
      token: 'coa_mine',
      source: 'env',
    });
    await expect(stat(state)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('creates a coa_ token readable only by this user, then reuses it', async () => {
    const state = path.join(dir, '.claudeops');
    const first = await resolveAdminToken(state, {});
    expect(first.source).toBe('new');
    expect(first.token).toMatch(/^coa_[A-Za-z0-9_-]{43}$/);
    const file = path.join(state, ADMIN_TOKEN_FILE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readFile(file, 'utf8')).trim()).toBe(first.token);

    expect(await resolveAdminToken(state, {})).toEqual({ token: first.token, source: 'file', file });
  });

  it('tightens a token file others could read', async () => {
    const file = path.join(dir, ADMIN_TOKEN_FILE);
    await writeFile(file, 'coa_saved\n', { mode: 0o644 });
    expect((await resolveAdminToken(dir, {})).token).toBe('coa_saved');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });
});
