// Unit tests of the /webhooks page logic: outcomes and reasons in words, usage against a limit, rules in words, the
// create and limits forms, and paging back and forward over the deliveries.
import { describe, expect, it } from 'vitest';
import {
  canGoNewer,
  currentCursor,
  emptyWebhookForm,
  eventText,
  firstPage,
  limitsOf,
  newer,
  older,
  outcomeText,
  pageNumber,
  reasonText,
  redeliveryText,
  ruleText,
  usageOf,
  webhookBodyOf,
  whenText,
} from './webhooks';

describe('deliveries in words', () => {
  it('says each outcome, and an unknown one as it is', () => {
    expect(outcomeText('created')).toBe('started an execution');
    expect(outcomeText('rate_limited')).toBe('over the limit');
    expect(outcomeText('ignored')).toBe('ignored');
    expect(outcomeText('something-new')).toBe('something-new');
  });

  it('gives the API’s reason, else the outcome’s usual one', () => {
    expect(reasonText({ outcome: 'failed', reason: 'repo is required' })).toBe('repo is required');
    expect(reasonText({ outcome: 'ignored', reason: null })).toBe('no rule matched');
    expect(reasonText({ outcome: 'rate_limited', reason: '' })).toBe('the webhook’s limit was reached');
    expect(reasonText({ outcome: 'created', reason: null })).toBe('');
  });

  it('names the event with its action, and the rule by name or number', () => {
    expect(eventText({ event: 'issues', action: 'labeled' })).toBe('issues.labeled');
    expect(eventText({ event: 'push', action: null })).toBe('push');
    expect(eventText({ event: null, action: null })).toBe('–');
    expect(ruleText({ ruleIndex: 0, ruleName: 'bug-fixer on label' })).toBe('bug-fixer on label');
    expect(ruleText({ ruleIndex: 2, ruleName: null })).toBe('rule 3');
    expect(ruleText({ ruleIndex: null, ruleName: null })).toBe('–');
  });

  it('says what a redelivery answered', () => {
    expect(redeliveryText({ outcome: 'created', executionId: 'ex_1' })).toBe(
      'Redelivered: started an execution (ex_1).',
    );
    expect(redeliveryText({ outcome: 'ignored', reason: 'no rule matched' })).toBe(
      'Redelivered: ignored: no rule matched.',
    );
    expect(redeliveryText({ outcome: 'duplicate' })).toBe('Redelivered: duplicate.');
  });
});

describe('usage against a limit', () => {
  it('shows the count, the limit and the share, full at the limit', () => {
    expect(usageOf(12, 60)).toEqual({ text: '12 of 60 (20%)', ratio: 0.2, full: false });
    expect(usageOf(60, 60).full).toBe(true);
    expect(usageOf(75, 60)).toMatchObject({ ratio: 1, full: true, text: '75 of 60 (100%)' });
    expect(usageOf(0, 1000).text).toBe('0 of 1000 (0%)');
  });
});

describe('rules in words', () => {
  it('lists every condition', () => {
    expect(
      whenText({ when: { event: 'issues', action: 'labeled', label: 'claudeops' }, agent: 'bug-fixer', inputs: {} }),
    ).toBe('issues, action labeled, label claudeops');
    expect(
      whenText({
        when: { event: 'pull_request', action: ['opened', 'synchronize'], authors: ['ann'], fields: { 'a.b': 'c' } },
        agent: 'pr-reviewer',
        inputs: {},
      }),
    ).toBe('pull_request, action opened or synchronize, by ann, a.b = c');
    expect(
      whenText({ when: { event: 'issue_comment', commentPrefix: '/claude', branch: 'main' }, agent: 'x', inputs: {} }),
    ).toBe('issue_comment, comment starts with /claude, branch main');
  });
});

describe('forms', () => {
  it('builds the create body with the limits as numbers', () => {
    const form = { ...emptyWebhookForm(), name: ' acme ', kind: 'sentry' as const, perMinute: '5', enabled: false };
    expect(webhookBodyOf(form)).toEqual({
      ok: true,
      body: { name: 'acme', kind: 'sentry', enabled: false, rateLimitPerMinute: 5, rateLimitPerDay: 1000 },
    });
  });

  it('names the fault before asking the API', () => {
    expect(webhookBodyOf(emptyWebhookForm())).toEqual({ ok: false, error: 'Give the webhook a name.' });
    expect(limitsOf('0', '10')).toEqual({
      ok: false,
      error: 'Deliveries a minute must be a whole number from 1 to 10000.',
    });
    expect(limitsOf('10', '2.5')).toEqual({
      ok: false,
      error: 'Deliveries a day must be a whole number from 1 to 1000000.',
    });
    expect(limitsOf(' 10 ', '100')).toEqual({ ok: true, body: { rateLimitPerMinute: 10, rateLimitPerDay: 100 } });
  });
});

describe('paging', () => {
  it('goes older by the next cursor and back newer to the first page', () => {
    let p = firstPage();
    expect(currentCursor(p)).toBeNull();
    expect(canGoNewer(p)).toBe(false);
    expect(newer(p)).toBe(p);
    p = older(p, 'c1');
    p = older(p, 'c2');
    expect(pageNumber(p)).toBe(3);
    expect(currentCursor(p)).toBe('c2');
    p = newer(p);
    expect(currentCursor(p)).toBe('c1');
    p = newer(p);
    expect(currentCursor(p)).toBeNull();
    expect(pageNumber(p)).toBe(1);
  });
});
