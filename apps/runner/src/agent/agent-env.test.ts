// Unit tests of what reaches Claude Code from the runner's environment: no real credential, only the job's secrets.
import { describe, expect, it } from 'vitest';
import { hasModelCredentials } from '../health/health-run';
import { PLACEHOLDER_API_KEY } from '../proxy/model-credential';
import {
  agentEnvironment,
  claudeCodeSettings,
  MissingSecretError,
  modelUpstream,
  HELD_CALL_TIMEOUT_MS,
  throughModelProxy,
  withRunnerSecrets,
} from './agent-env';

describe('agentEnvironment', () => {
  it("passes Claude Code's and the API's settings and the shell basics, never the runner's own secrets", () => {
    const env = agentEnvironment(
      {
        PATH: '/usr/bin',
        HOME: '/home/me',
        ANTHROPIC_BASE_URL: 'http://127.0.0.1:1',
        ANTHROPIC_API_KEY: 'sk-test',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        DISABLE_AUTOUPDATER: '1',
        CLAUDEOPS_REGISTRATION_TOKEN: 'cog_secret',
        CLAUDEOPS_ADMIN_TOKEN: 'coa_secret',
        AWS_SECRET_ACCESS_KEY: 'nope',
      },
      true,
    );
    expect(env).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/me',
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:1',
      ANTHROPIC_API_KEY: PLACEHOLDER_API_KEY,
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
    });
  });

  it('holds no real model credential of any kind, only the placeholder, and only when the runner has one', () => {
    const runner = {
      HOME: '/nonexistent-home',
      ANTHROPIC_API_KEY: 'sk-ant-api03-real',
      ANTHROPIC_AUTH_TOKEN: 'gateway-token',
      CLAUDE_CODE_OAUTH_TOKEN: 'sk-ant-oat01-real',
      ANTHROPIC_CUSTOM_HEADERS: 'X-Gateway-Key: gw-secret',
      ANTHROPIC_MODEL: 'claude-sonnet-4-5',
    };
    const withKey = agentEnvironment(runner, true);
    expect(withKey).toEqual({
      HOME: '/nonexistent-home',
      ANTHROPIC_MODEL: 'claude-sonnet-4-5',
      ANTHROPIC_API_KEY: PLACEHOLDER_API_KEY,
    });
    for (const real of ['sk-ant-api03-real', 'gateway-token', 'sk-ant-oat01-real', 'gw-secret']) {
      expect(JSON.stringify(withKey)).not.toContain(real);
    }
    // The health check on Claude Code's env says what the runner has: a credential the proxy adds, or none.
    expect(hasModelCredentials(withKey, () => false)).toBe(true);
    const without = agentEnvironment({ HOME: '/nonexistent-home' }, false);
    expect(without).toEqual({ HOME: '/nonexistent-home' });
    expect(hasModelCredentials(without, () => false)).toBe(false);
    // A runner service still needs the real ones.
    expect(claudeCodeSettings(runner)).toMatchObject({ ANTHROPIC_API_KEY: 'sk-ant-api03-real' });
  });

  it("adds exactly the runner secrets the job's template names, and fails plainly on one the runner lacks", () => {
    const secrets = new Map([
      ['NPM_TOKEN', 'npm_secret_value'],
      ['SENTRY_TOKEN', 'sentry-secret'],
    ]);
    expect(withRunnerSecrets({ PATH: '/bin' }, secrets, ['NPM_TOKEN'])).toEqual({
      PATH: '/bin',
      NPM_TOKEN: 'npm_secret_value',
    });
    expect(withRunnerSecrets({ PATH: '/bin' }, secrets, [])).toEqual({ PATH: '/bin' });
    expect(() => withRunnerSecrets({}, secrets, ['NPM_TOKEN', 'GH_TOKEN'])).toThrow(MissingSecretError);
    expect(() => withRunnerSecrets({}, secrets, ['GH_TOKEN'])).toThrow(/this runner has no secret GH_TOKEN/);
  });

  it("sends Claude Code to the model proxy, and the proxy to the runner's own model API", () => {
    expect(modelUpstream({ ANTHROPIC_BASE_URL: 'https://gateway.example/anthropic' })).toBe(
      'https://gateway.example/anthropic',
    );
    expect(modelUpstream({})).toBe('https://api.anthropic.com');
    const proxy = 'http://127.0.0.1:4000/x/ex_1';
    expect(throughModelProxy({ ANTHROPIC_BASE_URL: 'https://gateway.example', PATH: '/bin' }, proxy)).toEqual({
      ANTHROPIC_BASE_URL: proxy,
      PATH: '/bin',
      // A held (paused, rate-limited) call must not time Claude Code out.
      API_TIMEOUT_MS: String(HELD_CALL_TIMEOUT_MS),
    });
    expect(throughModelProxy({ API_TIMEOUT_MS: '999999999999' }, proxy).API_TIMEOUT_MS).toBe('999999999999');
    // An HTTP proxy for Claude Code must not take its loopback model calls away.
    expect(throughModelProxy({ HTTPS_PROXY: 'http://corp:3128', NO_PROXY: 'internal.example' }, proxy)).toEqual({
      ANTHROPIC_BASE_URL: proxy,
      HTTPS_PROXY: 'http://corp:3128',
      NO_PROXY: 'internal.example,127.0.0.1',
      no_proxy: '127.0.0.1',
      API_TIMEOUT_MS: String(HELD_CALL_TIMEOUT_MS),
    });
  });
});
