// Unit tests of how `npm start` hands out tokens: the local runner's command line holds none (its registration token
// goes in its environment), wrangler's secret vars go to a 0600 file, and the banner says how jobs are confined.
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { devVarsText, writeDevVars } from '../../scripts/dev-vars';
import { runnerArgs, runnerEnv, sandboxText } from '../../scripts/local-runner';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'claudeops-start-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the local runner of npm start', () => {
  it('gets its registration token in its environment, never on its command line', () => {
    const args = runnerArgs('start', 'http://127.0.0.1:8787', '/state');
    expect(args.slice(1)).toEqual(['start', '--url', 'http://127.0.0.1:8787', '--state-dir', '/state']);
    expect(args.join(' ')).not.toMatch(/cog_|registration-token/);
    const env = runnerEnv({ PATH: '/bin', CLAUDEOPS_REGISTRATION_TOKEN: 'cog_stale' }, 'cog_fresh');
    expect(env).toEqual({ PATH: '/bin', CLAUDEOPS_REGISTRATION_TOKEN: 'cog_fresh' });
    // A start that reuses its saved runner token passes no registration token at all, not even a stale one.
    expect(runnerEnv({ CLAUDEOPS_REGISTRATION_TOKEN: 'cog_stale' })).toEqual({});
  });

  it('says in the banner how the runner confines jobs', () => {
    expect(sandboxText('bubblewrap')).toMatch(/^bubblewrap/);
    expect(sandboxText('none', { CLAUDEOPS_RUNNER_SANDBOX: 'off' })).toMatch(/^none \(CLAUDEOPS_RUNNER_SANDBOX=off/);
    expect(sandboxText('none', {})).toMatch(/^none \(bubblewrap does not work on this host/);
  });
});

describe("wrangler dev's secret vars", () => {
  it('go to a file only this user can read, as dotenv lines, and the arguments name the file only', async () => {
    const file = path.join(dir, 'state', 'control-plane.env');
    const args = await writeDevVars(file, { CLAUDEOPS_ADMIN_TOKEN: 'coa_secret-token_value' });
    expect(args).toEqual(['--env-file', file]);
    expect(await readFile(file, 'utf8')).toBe('CLAUDEOPS_ADMIN_TOKEN="coa_secret-token_value"\n');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    // Written again over a file someone loosened: tightened.
    await chmod(file, 0o644);
    await writeDevVars(file, { CLAUDEOPS_ADMIN_TOKEN: 'coa_other' });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('refuses a value dotenv could misread', () => {
    expect(() => devVarsText({ CLAUDEOPS_ADMIN_TOKEN: 'a"b' })).toThrow(/CLAUDEOPS_ADMIN_TOKEN/);
    expect(() => devVarsText({ 'bad name': 'x' })).toThrow(/not a variable name/);
  });
});
