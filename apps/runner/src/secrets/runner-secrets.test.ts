// Unit tests of the runner secrets a template may name: from the runner's environment and from a 0600 dotenv file.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadRunnerSecrets, parseSecretsFile, secretNameProblem } from './runner-secrets';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'claudeops-secrets-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function secretsFile(text: string, mode = 0o600): Promise<string> {
  const path = join(dir, 'job-secrets.env');
  await writeFile(path, text);
  await chmod(path, mode);
  return path;
}

describe('runner secrets', () => {
  it('takes the named variables of the runner environment and the lines of the secrets file', async () => {
    const path = await secretsFile(
      '# npm and sentry\nexport NPM_TOKEN="npm_from_file"\n\nSENTRY_DSN = \'https://k@sentry.example/1\'\nPLAIN=a=b\n',
    );
    const secrets = await loadRunnerSecrets(
      { secretNames: ['GH_TOKEN'], jobSecretsFile: path },
      { GH_TOKEN: 'ghp_from_env', OTHER: 'not named' },
    );
    expect(Object.fromEntries(secrets)).toEqual({
      NPM_TOKEN: 'npm_from_file',
      SENTRY_DSN: 'https://k@sentry.example/1',
      PLAIN: 'a=b',
      GH_TOKEN: 'ghp_from_env',
    });
  });

  it('refuses a secrets file other users can read, and a named variable that is not set', async () => {
    const open = await secretsFile('NPM_TOKEN=npm_x\n', 0o644);
    await expect(loadRunnerSecrets({ jobSecretsFile: open }, {})).rejects.toThrow(/mode 644\): chmod 600/);
    await expect(loadRunnerSecrets({ secretNames: ['NPM_TOKEN'] }, {})).rejects.toThrow(
      "--secret NPM_TOKEN: the runner's environment has no NPM_TOKEN",
    );
    await expect(loadRunnerSecrets({ jobSecretsFile: join(dir, 'missing') }, {})).rejects.toThrow(/cannot read/);
  });

  it('says which line of the file is wrong without printing it', () => {
    expect(() => parseSecretsFile('OK=1\nthis line holds sk-secret-value\n', 'f')).toThrow(
      'f, line 2: expected NAME=value',
    );
    expect(() => parseSecretsFile('lower=sk-secret', 'f')).toThrow(/^f, line 1: lower: a secret name/);
    expect(() => parseSecretsFile('ANTHROPIC_API_KEY=sk-secret', 'f')).toThrow(/line 1: ANTHROPIC_API_KEY: /);
  });

  it("keeps Claude Code's and the runner's own settings out of the secrets", () => {
    expect(secretNameProblem('NPM_TOKEN')).toBeNull();
    for (const name of ['ANTHROPIC_API_KEY', 'CLAUDE_CODE_OAUTH_TOKEN', 'CLAUDEOPS_REGISTRATION_TOKEN', 'npm', '1X']) {
      expect(secretNameProblem(name), name).not.toBeNull();
    }
  });
});
