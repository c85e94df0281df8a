// Plain-Node tests of `claudeops webhooks add`'s request body: the kind, the limits, a bad kind as a usage error.
import { describe, expect, it } from 'vitest';
import { webhookBody } from './webhooks';

describe('webhookBody', () => {
  it('defaults to github and passes the limits', () => {
    expect(webhookBody('acme', {})).toEqual({ name: 'acme', kind: 'github' });
    expect(webhookBody('s', { kind: 'sentry', perMinute: '5', perDay: '100', disabled: true })).toEqual({
      name: 's',
      kind: 'sentry',
      rateLimitPerMinute: 5,
      rateLimitPerDay: 100,
      enabled: false,
    });
  });

  it('passes the repository setting a Sentry or Jira webhook needs', () => {
    expect(webhookBody('errors', { kind: 'sentry', repo: 'https://github.com/acme/web.git', ref: 'main' })).toEqual({
      name: 'errors',
      kind: 'sentry',
      repo: 'https://github.com/acme/web.git',
      ref: 'main',
    });
  });

  it('refuses an unknown kind, naming the ones there are', () => {
    expect(() => webhookBody('x', { kind: 'gitlab' })).toThrow(/github, jira, sentry, generic/);
  });
});
