// Plain-Node tests of webhook rules: the built-in GitHub rules against GitHub's documented payloads, the first match
// winning, the /claude author check, and why a delivery was ignored.
import { describe, expect, it } from 'vitest';
import issuesLabeled from '../../test/fixtures/github/issues-labeled.json';
import pullRequestOpened from '../../test/fixtures/github/pull-request-opened.json';
import { builtinRules } from './builtins';
import { mapValue, matchRules } from './rules';

type Json = Record<string, unknown>;
const FIXTURES: Record<string, Json> = { 'issues-labeled': issuesLabeled, 'pull-request-opened': pullRequestOpened };
const fixture = (name: string): Json => structuredClone(FIXTURES[name]) as Json;

const github = builtinRules('github');

describe('matchRules with the built-in GitHub rules', () => {
  it('issues.labeled claudeops → bug-fixer with the repo and the issue text', () => {
    const payload = fixture('issues-labeled');
    const result = matchRules(github, { kind: 'github', event: 'issues', action: 'labeled', payload });
    expect(result.matched).toBe(true);
    if (!result.matched) return;
    expect(result.match.rule.agent).toBe('bug-fixer');
    expect(result.match.inputs.repo).toBe('Codertocat/Hello-World');
    expect(result.match.inputs.issue).toContain('Spelling error in the README file');
    expect(result.match.repo).toBe('https://github.com/Codertocat/Hello-World.git');
  });

  it('pull_request.opened → pr-reviewer on the head branch against the base', () => {
    const payload = fixture('pull-request-opened');
    const result = matchRules(github, { kind: 'github', event: 'pull_request', action: 'opened', payload });
    expect(result.matched && result.match.rule.agent).toBe('pr-reviewer');
    if (!result.matched) return;
    expect(result.match.inputs).toMatchObject({ ref: 'changes', base: 'master' });
  });

  it('a label other than claudeops is ignored, saying why', () => {
    const payload: Json = { ...fixture('issues-labeled'), label: { name: 'bug' } };
    (payload.issue as Record<string, unknown>).labels = [];
    const result = matchRules(github, { kind: 'github', event: 'issues', action: 'labeled', payload });
    expect(result).toMatchObject({ matched: false, reason: expect.stringContaining('no label claudeops') });
  });

  it('/claude by a contributor with no association is ignored; by a member it starts code-task', () => {
    const payload = (association: string) => ({
      repository: { full_name: 'acme/widgets' },
      comment: { body: '/claude fix the flaky test', user: { login: 'mallory' }, author_association: association },
    });
    const d = (association: string) => ({
      kind: 'github' as const,
      event: 'issue_comment',
      action: 'created',
      payload: payload(association),
    });
    expect(matchRules(github, d('NONE'))).toMatchObject({ matched: false, reason: expect.stringContaining('mallory') });
    const ok = matchRules(github, d('MEMBER'));
    expect(ok.matched && ok.match.inputs.task).toBe('/claude fix the flaky test');
  });

  it('an explicit allow-list of authors replaces the association check', () => {
    const rule = {
      when: { event: 'issue_comment', commentPrefix: '/claude', authors: ['octocat'] },
      agent: 'a',
      inputs: {},
    };
    const d = (login: string) => ({
      kind: 'github' as const,
      event: 'issue_comment',
      action: 'created',
      payload: { comment: { body: '/claude go', user: { login }, author_association: 'NONE' } },
    });
    expect(matchRules([rule], d('octocat')).matched).toBe(true);
    expect(matchRules([rule], d('eve')).matched).toBe(false);
  });

  it('the first matching rule wins', () => {
    const rules = [
      { name: 'one', when: { event: 'push' }, agent: 'first', inputs: {} },
      { name: 'two', when: { event: 'push' }, agent: 'second', inputs: {} },
    ];
    const result = matchRules(rules, { kind: 'generic', event: 'push', action: null, payload: {} });
    expect(result.matched && result.match.rule.agent).toBe('first');
  });
});

describe('mapValue', () => {
  it('fills $.paths inside literal text; a missing path is empty', () => {
    expect(mapValue('Fix $.issue.title (#$.issue.number).', { issue: { title: 'Crash', number: 7 } })).toBe(
      'Fix Crash (#7).',
    );
    expect(mapValue('$.nope.here', {})).toBe('');
    expect(mapValue('plain', {})).toBe('plain');
  });
});

describe('the webhook settings ($webhook.repo, $webhook.ref)', () => {
  const settings = { repo: 'https://github.com/acme/web.git', ref: 'develop' };
  it('fill $webhook.repo and $webhook.ref beside payload paths; an unset ref is empty', () => {
    expect(mapValue('$webhook.repo@$webhook.ref: $.a', { a: 'x' }, settings)).toBe(
      'https://github.com/acme/web.git@develop: x',
    );
    expect(mapValue('[$webhook.ref]', {}, { ...settings, ref: null })).toBe('[]');
  });

  it('the built-in Sentry and Jira rules use them; without a repo the matching rule fails naming the setting', () => {
    const sentry = {
      kind: 'sentry' as const,
      event: 'issue',
      action: 'created',
      payload: { action: 'created', data: { issue: { title: 'TypeError', culprit: 'app/main.js in run' } } },
    };
    const ok = matchRules(builtinRules('sentry'), sentry, settings);
    expect(ok).toMatchObject({ matched: true, match: { repo: settings.repo, ref: 'develop' } });
    if (ok.matched) expect(ok.match.inputs.issue).toContain('app/main.js in run');
    const none = matchRules(builtinRules('sentry'), sentry, { repo: null, ref: null });
    expect(none).toMatchObject({ matched: false, missingSetting: { index: 0 } });
    if (!none.matched) expect(none.reason).toMatch(/repo setting \(\$webhook\.repo\).*PATCH \/api\/v1\/webhooks/);
    // A rule with a literal repo needs no setting.
    const literal = [{ when: { event: 'issue' }, agent: 'bug-fixer', inputs: { repo: 'https://x.test/r.git' } }];
    expect(matchRules(literal, sentry, { repo: null, ref: null }).matched).toBe(true);
  });
});
