// Unit tests of the flags for workspaces retention, install-service and status.
import { describe, expect, it } from 'vitest';
import { ConfigError, parseCli } from './config';

describe('parseCli: workspaces, install-service, status', () => {
  it('reads the workspace retention from flags or the environment', () => {
    expect(parseCli(['--worktree-max-age', '12h', '--worktree-max-count', '0'], {}).config).toMatchObject({
      worktreeMaxAgeMs: 12 * 3600_000,
      worktreeMaxCount: 0,
    });
    const env = { CLAUDEOPS_RUNNER_WORKTREE_MAX_AGE: '7d', CLAUDEOPS_RUNNER_WORKTREE_MAX_COUNT: '5' };
    expect(parseCli([], env).config).toMatchObject({ worktreeMaxAgeMs: 7 * 86_400_000, worktreeMaxCount: 5 });
    expect(parseCli([], {}).config.worktreeMaxAgeMs).toBeUndefined();
  });

  it('takes install-service with its scope and switches, user unit by default', () => {
    expect(parseCli(['install-service'], {})).toMatchObject({
      command: 'install-service',
      service: { scope: 'user', dryRun: false, enable: false },
    });
    expect(parseCli(['install-service', '--system', '--dry-run', '--enable'], {}).service).toEqual({
      scope: 'system',
      dryRun: true,
      enable: true,
    });
  });

  it('takes status', () => {
    expect(parseCli(['status', '--state-dir', '/srv/runner'], {})).toMatchObject({
      command: 'status',
      config: { stateDir: '/srv/runner' },
    });
  });

  it.each([
    [['--worktree-max-age', '7'], /--worktree-max-age must be a duration such as 90s, 30m, 12h or 7d/],
    [['--worktree-max-count=-1'], /--worktree-max-count must be an integer from 0 to 100000/],
    [['install-service', '--user', '--system'], /--user and --system exclude each other/],
    [['status', '--enable'], /--enable only goes with install-service/],
  ])('refuses %j with a clear message', (argv, message) => {
    expect(() => parseCli(argv, {})).toThrow(ConfigError);
    expect(() => parseCli(argv, {})).toThrow(message);
  });
});
