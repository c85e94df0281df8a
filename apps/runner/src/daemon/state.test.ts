// Unit tests of the runner's saved registrations.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadRegistration, saveRegistration, stateFilePath } from './state';
import { RUNNER_ID } from '../testing/test-helpers';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'claudeops-state-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const registration = {
  runnerId: RUNNER_ID,
  runnerToken: 'cor_secret',
  name: 'box',
  registeredAt: '2025-01-01T00:00:00.000Z',
};

describe('runner state', () => {
  it('saves the token readable by the owner only, one per control plane', async () => {
    const stateDir = join(dir, 'nested', 'state');
    expect(await loadRegistration(stateDir, 'http://127.0.0.1:8787')).toBeNull();
    await saveRegistration(stateDir, 'http://127.0.0.1:8787/', registration);
    expect((await stat(stateFilePath(stateDir))).mode & 0o777).toBe(0o600);
    expect(await loadRegistration(stateDir, 'http://127.0.0.1:8787')).toEqual(registration);
    expect(await loadRegistration(stateDir, 'http://127.0.0.1:9999')).toBeNull();
    await saveRegistration(stateDir, 'https://ops.example.com', { ...registration, runnerToken: 'cor_other' });
    expect((await loadRegistration(stateDir, 'http://127.0.0.1:8787'))?.runnerToken).toBe('cor_secret');
    expect(JSON.parse(await readFile(stateFilePath(stateDir), 'utf8')).registrations).toHaveProperty([
      'https://ops.example.com',
    ]);
  });

  it('refuses a state file it cannot read, naming it', async () => {
    await writeFile(stateFilePath(dir), '{"registrations": 3}');
    await expect(loadRegistration(dir, 'http://127.0.0.1:8787')).rejects.toThrow(
      `${stateFilePath(dir)} is not a runner state file`,
    );
  });
});
