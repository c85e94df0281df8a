// Unit tests of what reaches Claude Code from the runner's environment.
import { describe, expect, it } from 'vitest';
import { agentEnvironment } from './agent-env';

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
});
