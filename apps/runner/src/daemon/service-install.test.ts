// Tests of the systemd unit install-service writes: the ExecStart that reproduces the flags, the stop policy, the
// secrets in a 0600 environment file (merged, never on the command line), and the systemctl commands.
import { mkdtemp, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCli, type RunnerConfig } from './config';
import {
  describePlan,
  envFileText,
  installService,
  parseEnvFile,
  planService,
  startArgs,
  systemdWord,
  type ServiceContext,
} from './service-install';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'claudeops-svc-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const config = (): RunnerConfig => ({
  url: 'https://ops.example.com',
  registrationToken: 'cog_secret-registration',
  name: 'gpu box',
  labels: ['gpu', 'linux'],
  maxConcurrent: 2,
  stateDir: join(dir, 'state'),
  workspacesDir: join(dir, 'state', 'workspaces'),
  worktreeMaxAgeMs: 3 * 86_400_000,
  worktreeMaxCount: 20,
  drainTimeoutMs: 120_000,
  secretsFile: '/etc/claudeops/secrets',
});

const context = (extra: Partial<ServiceContext> = {}): ServiceContext => ({
  nodePath: '/usr/local/bin/node',
  binPath: '/opt/claudeops/apps/runner/bin/claudeops-runner.js',
  env: {
    PATH: '/usr/local/bin:/usr/bin',
    HOME: '/home/ann',
    ANTHROPIC_API_KEY: 'sk-ant-api03-secretsecretsecret',
    CLAUDEOPS_REDACT_ENV: 'MY_SECRET',
    MY_SECRET: 'canary-value-123',
    CLAUDEOPS_URL: 'https://ignored.example.com',
    UNRELATED: 'x',
  },
  home: join(dir, 'home'),
  systemUser: 'ann',
  drainTimeoutMs: 120_000,
  ...extra,
});

describe('planService', () => {
  it('writes a user unit that runs start with the current flags, restarts, and drains before a kill', () => {
    const plan = planService(config(), { scope: 'user', dryRun: false, enable: false }, context());
    expect(plan.unitPath).toBe(join(dir, 'home', '.config', 'systemd', 'user', 'claudeops-runner.service'));
    const execStart = plan.unit.split('\n').find((line) => line.startsWith('ExecStart='));
    expect(execStart).toBe(
      'ExecStart=/usr/local/bin/node /opt/claudeops/apps/runner/bin/claudeops-runner.js start ' +
        '--url https://ops.example.com --name "gpu box" --labels gpu,linux --max-concurrent 2 ' +
        `--state-dir ${join(dir, 'state')} --workspaces-dir ${join(dir, 'state', 'workspaces')} ` +
        '--worktree-max-age 259200000ms --worktree-max-count 20 --drain-timeout 120000 ' +
        '--secrets-file /etc/claudeops/secrets',
    );
    for (const line of ['Restart=always', 'KillMode=mixed', 'TimeoutStopSec=180', 'WantedBy=default.target']) {
      expect(plan.unit).toContain(`\n${line}\n`);
    }
    expect(plan.unit).toContain(`EnvironmentFile=${join(dir, 'state', 'runner.env')}`);
    expect(plan.unit).not.toContain('User=');
    expect(plan.unit).not.toContain('cog_secret-registration');
    expect(plan.commands).toEqual([
      ['systemctl', '--user', 'daemon-reload'],
      ['systemctl', '--user', 'enable', '--now', 'claudeops-runner.service'],
    ]);
  });

  it('gives start flags that parse back to the same configuration (the registration token aside)', () => {
    expect(parseCli(startArgs(config()), {})).toEqual({
      command: 'start',
      config: { ...config(), registrationToken: null },
    });
  });

  it('writes a system unit under /etc that runs as the invoking user', () => {
    const plan = planService(config(), { scope: 'system', dryRun: true, enable: false }, context());
    expect(plan.unitPath).toBe('/etc/systemd/system/claudeops-runner.service');
    expect(plan.unit).toContain('\nUser=ann\n');
    expect(plan.unit).toContain('\nWantedBy=multi-user.target\n');
    expect(plan.commands[1]).toEqual(['systemctl', 'enable', '--now', 'claudeops-runner.service']);
  });

  it('puts the secrets and what Claude Code needs in the environment file, not flags already given', () => {
    const { envValues } = planService(config(), { scope: 'user', dryRun: true, enable: false }, context());
    expect(envValues).toEqual({
      PATH: '/usr/local/bin:/usr/bin',
      ANTHROPIC_API_KEY: 'sk-ant-api03-secretsecretsecret',
      CLAUDEOPS_REDACT_ENV: 'MY_SECRET',
      MY_SECRET: 'canary-value-123',
      CLAUDEOPS_REGISTRATION_TOKEN: 'cog_secret-registration',
    });
  });

  it('prints a dry run with the secrets masked and the commands to enable it', () => {
    const options = { scope: 'user', dryRun: true, enable: false } as const;
    const text = describePlan(planService(config(), options, context()), options);
    expect(text).toContain('Would write');
    expect(text).toContain('ANTHROPIC_API_KEY="********"');
    expect(text).not.toContain('sk-ant-api03');
    expect(text).toContain('  systemctl --user enable --now claudeops-runner.service');
  });
});

describe('installService', () => {
  it('writes the unit and a 0600 environment file, keeping what a person added to it', async () => {
    const plan = planService(config(), { scope: 'user', dryRun: false, enable: false }, context());
    await mkdir(join(dir, 'state'), { recursive: true });
    await writeFile(plan.envPath, 'EXTRA="kept"\nPATH=/old\n', { mode: 0o644 });
    await installService(plan, { scope: 'user', dryRun: false, enable: false });
    expect(await readFile(plan.unitPath, 'utf8')).toBe(plan.unit);
    expect((await stat(plan.envPath)).mode & 0o777).toBe(0o600);
    const env = parseEnvFile(await readFile(plan.envPath, 'utf8'));
    expect(env).toMatchObject({ EXTRA: 'kept', PATH: '/usr/local/bin:/usr/bin', MY_SECRET: 'canary-value-123' });
  });
});

describe('quoting', () => {
  it('quotes ExecStart words systemd would split or expand', () => {
    expect(systemdWord('/plain/path')).toBe('/plain/path');
    expect(systemdWord('with space')).toBe('"with space"');
    expect(systemdWord('100%$HOME"x')).toBe('"100%%$$HOME\\"x"');
  });

  it('round-trips environment values through the file', () => {
    const values = { A: 'plain', B: 'has "quotes" and \\ and $dollar' };
    expect(parseEnvFile(envFileText(values))).toEqual(values);
  });
});
