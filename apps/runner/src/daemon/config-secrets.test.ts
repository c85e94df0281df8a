// Tests of the runner-secret settings: --secret / CLAUDEOPS_RUNNER_SECRETS and --job-secrets-file as the CLI reads
// them, and as install-service hands them to the service (names as flags, values in the 0600 environment file).
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseCli } from './config';
import { planService, startArgs } from './service-install';

describe('runner secrets in the configuration', () => {
  it('reads repeated --secret flags, else the comma-separated CLAUDEOPS_RUNNER_SECRETS, and the secrets file', () => {
    const env = { CLAUDEOPS_RUNNER_SECRETS: 'NPM_TOKEN, SENTRY_TOKEN,', CLAUDEOPS_RUNNER_JOB_SECRETS_FILE: 's.env' };
    expect(parseCli([], env).config).toMatchObject({
      secretNames: ['NPM_TOKEN', 'SENTRY_TOKEN'],
      jobSecretsFile: resolve('s.env'),
    });
    const flags = parseCli(['--secret', 'GH_TOKEN', '--secret', 'NPM_TOKEN', '--job-secrets-file', '/etc/j'], env);
    expect(flags.config).toMatchObject({ secretNames: ['GH_TOKEN', 'NPM_TOKEN'], jobSecretsFile: '/etc/j' });
    expect(parseCli([], {}).config.secretNames).toBeUndefined();
  });

  it('refuses names that are no environment name, or that are the model credential or the runner’s own', () => {
    expect(() => parseCli(['--secret', 'npm-token'], {})).toThrow(ConfigError);
    expect(() => parseCli(['--secret', 'ANTHROPIC_API_KEY'], {})).toThrow(/--secret ANTHROPIC_API_KEY: /);
    expect(() => parseCli([], { CLAUDEOPS_RUNNER_SECRETS: 'CLAUDEOPS_REGISTRATION_TOKEN' })).toThrow(ConfigError);
  });

  it('gives a service the names as flags and the values in its environment file, never on its command line', () => {
    const { config } = parseCli(
      ['--url', 'https://ops.example.com', '--secret', 'NPM_TOKEN', '--job-secrets-file', '/etc/claudeops/job.env'],
      { CLAUDEOPS_REGISTRATION_TOKEN: 'cog_registration_value' },
    );
    const args = startArgs(config);
    expect(args.join(' ')).toContain('--secret NPM_TOKEN --job-secrets-file /etc/claudeops/job.env');
    expect(args.join(' ')).not.toMatch(/npm_value|cog_/);
    const plan = planService(
      config,
      { scope: 'user', dryRun: true, enable: false },
      {
        nodePath: '/usr/bin/node',
        binPath: '/opt/claudeops-runner.js',
        env: { NPM_TOKEN: 'npm_value', ANTHROPIC_API_KEY: 'sk-ant-api03-real', OTHER_TOKEN: 'unnamed' },
        home: '/home/ann',
        systemUser: 'ann',
      },
    );
    expect(plan.envValues).toMatchObject({
      NPM_TOKEN: 'npm_value',
      ANTHROPIC_API_KEY: 'sk-ant-api03-real',
      CLAUDEOPS_REGISTRATION_TOKEN: 'cog_registration_value',
    });
    expect(plan.envValues.OTHER_TOKEN).toBeUndefined();
    expect(plan.unit).not.toMatch(/npm_value|sk-ant-api03-real|cog_registration_value/);
  });
});
