// Unit tests of the runner's flag and environment parsing.
import { homedir, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseCli } from './config';

describe('parseCli', () => {
  it('defaults to start against the local control plane', () => {
    expect(parseCli([], {})).toEqual({
      command: 'start',
      config: {
        url: 'http://127.0.0.1:8787',
        registrationToken: null,
        name: hostname(),
        labels: [],
        maxConcurrent: 1,
        stateDir: join(homedir(), '.claudeops', 'runner'),
        workspacesDir: join(homedir(), '.claudeops', 'runner', 'workspaces'),
      },
    });
  });

  it('reads the environment, and flags win over it', () => {
    const env = {
      CLAUDEOPS_URL: 'https://ops.example.com/',
      CLAUDEOPS_REGISTRATION_TOKEN: 'cog_env',
      CLAUDEOPS_RUNNER_LABELS: 'gpu, linux',
      CLAUDEOPS_RUNNER_MAX_CONCURRENT: '3',
      CLAUDEOPS_RUNNER_STATE_DIR: '/var/lib/claudeops',
    };
    const fromEnv = parseCli(['register'], env);
    expect(fromEnv.command).toBe('register');
    expect(fromEnv.config).toMatchObject({
      url: 'https://ops.example.com',
      registrationToken: 'cog_env',
      labels: ['gpu', 'linux'],
      maxConcurrent: 3,
      stateDir: '/var/lib/claudeops',
      workspacesDir: '/var/lib/claudeops/workspaces',
    });
    const flags = ['start', '--url', 'http://10.0.0.2:9000', '--labels', 'arm', '--max-concurrent', '5'];
    flags.push('--name', 'box', '--workspaces-dir', '/tmp/ws', '--registration-token', 'cog_flag');
    expect(parseCli(flags, env).config).toMatchObject({
      url: 'http://10.0.0.2:9000',
      registrationToken: 'cog_flag',
      name: 'box',
      labels: ['arm'],
      maxConcurrent: 5,
      workspacesDir: '/tmp/ws',
    });
  });

  it('reads the drain timeout (ms or a duration) and the secrets file, flags over the environment', () => {
    expect(parseCli([], {}).config.drainTimeoutMs).toBeUndefined();
    const env = { CLAUDEOPS_RUNNER_DRAIN_TIMEOUT_MS: '30000', CLAUDEOPS_RUNNER_SECRETS_FILE: 'secrets.txt' };
    expect(parseCli([], env).config).toMatchObject({ drainTimeoutMs: 30_000, secretsFile: resolve('secrets.txt') });
    expect(parseCli(['--drain-timeout', '10m', '--secrets-file', '/etc/s'], env).config).toMatchObject({
      drainTimeoutMs: 600_000,
      secretsFile: '/etc/s',
    });
    expect(() => parseCli(['--drain-timeout', 'soon'], {})).toThrow(/--drain-timeout must be a duration/);
  });

  it('reads the local model URL (flag over the environment), trimmed to the API base', () => {
    const local = (argv: string[], env: Record<string, string> = {}) => parseCli(argv, env).config.localModelUrl;
    expect(local([])).toBeUndefined();
    expect(local([], { CLAUDEOPS_RUNNER_LOCAL_MODEL_URL: 'http://127.0.0.1:11434' })).toBe('http://127.0.0.1:11434');
    expect(local(['--local-model-url', 'http://127.0.0.1:8080/v1/messages'])).toBe('http://127.0.0.1:8080');
    expect(() => local(['--local-model-url', 'ftp://host'])).toThrow(ConfigError);
    expect(() => local(['--local-model-url', 'http://u:p@127.0.0.1:1'])).toThrow(/credentials/);
  });

  it('asks for help with --help whatever the command', () => {
    expect(parseCli(['register', '--help'], {}).command).toBe('help');
    expect(parseCli(['-h'], {}).command).toBe('help');
  });

  it.each([
    [['--max-concurrent', '0'], /--max-concurrent must be an integer from 1 to 64/],
    [['--max-concurrent', 'two'], /--max-concurrent must be an integer/],
    [['--url', 'ftp://x'], /--url must be an http\(s\) URL/],
    [['--labels', 'ok,bad label'], /--labels: labels are letters/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['launch'], /unknown command "launch"/],
  ])('refuses %j with a clear message', (argv, message) => {
    expect(() => parseCli(argv, {})).toThrow(ConfigError);
    expect(() => parseCli(argv, {})).toThrow(message);
  });
});
