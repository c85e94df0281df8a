// Unit tests of what reaches Claude Code from the runner's environment.
import { describe, expect, it } from 'vitest';
import { agentEnvironment, modelUpstream, throughModelProxy } from './agent-env';

describe('agentEnvironment', () => {
  it("passes Claude Code's and the API's settings and the shell basics, never the runner's own secrets", () => {
    const env = agentEnvironment({
      PATH: '/usr/bin',
      HOME: '/home/me',
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:1',
      ANTHROPIC_API_KEY: 'sk-test',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
      CLAUDEOPS_REGISTRATION_TOKEN: 'cog_secret',
      CLAUDEOPS_ADMIN_TOKEN: 'coa_secret',
      AWS_SECRET_ACCESS_KEY: 'nope',
    });
    expect(env).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/me',
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:1',
      ANTHROPIC_API_KEY: 'sk-test',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
    });
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
    });
    // An HTTP proxy for Claude Code must not take its loopback model calls away.
    expect(throughModelProxy({ HTTPS_PROXY: 'http://corp:3128', NO_PROXY: 'internal.example' }, proxy)).toEqual({
      ANTHROPIC_BASE_URL: proxy,
      HTTPS_PROXY: 'http://corp:3128',
      NO_PROXY: 'internal.example,127.0.0.1',
      no_proxy: '127.0.0.1',
    });
  });
});
