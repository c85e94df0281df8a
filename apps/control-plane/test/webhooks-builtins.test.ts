// The built-in Sentry and Jira rules through the real Worker: their payloads name no repository, so they run on the
// webhook's `repo` (and `ref`) setting; without one a delivery is `failed` naming the missing setting. The setting is
// accepted on create and patch, returned on read, and cleared with null.
import { describe, expect, it } from 'vitest';
import { DeliveryResult, Execution, Webhook, WebhookDeliveryPage } from '../src/protocol';
import { api, expectError } from './api-support';
import { makeWebhook, send } from './webhooks-support';

const REPO = 'https://github.com/acme/web.git';

/** Sentry's `issue` resource, action created (the documented shape, trimmed to what the rule reads and a little more). */
const sentryIssue = {
  action: 'created',
  installation: { uuid: '7a485448-a9e2-4c85-8a3c-4f44175783c9' },
  data: {
    issue: {
      id: '1170820242',
      shortId: 'WEB-3F',
      title: "TypeError: Cannot read properties of undefined (reading 'total')",
      culprit: 'computeTotal(app/cart.js)',
      level: 'error',
      status: 'unresolved',
      platform: 'javascript',
      count: '12',
      metadata: {
        type: 'TypeError',
        value: "Cannot read properties of undefined (reading 'total')",
        filename: 'app/cart.js',
        function: 'computeTotal',
      },
      project: { id: '1', name: 'web', slug: 'web', platform: 'javascript' },
      web_url: 'https://sentry.io/organizations/acme/issues/1170820242/',
    },
  },
  actor: { type: 'application', id: 'sentry', name: 'Sentry' },
};

/** Jira's jira:issue_created (the documented shape, trimmed). */
const jiraCreated = {
  timestamp: 1733240000000,
  webhookEvent: 'jira:issue_created',
  issue_event_type_name: 'issue_created',
  user: { accountId: '5b10a2844c20165700ede21g', displayName: 'Ada' },
  issue: {
    id: '10002',
    key: 'OPS-12',
    self: 'https://acme.atlassian.net/rest/api/2/issue/10002',
    fields: {
      summary: 'Add a --dry-run flag to the deploy script',
      description: 'It should print what it would do and exit 0.',
      labels: ['claudeops', 'cli'],
      project: { id: '10000', key: 'OPS', name: 'Operations' },
      issuetype: { name: 'Task' },
    },
  },
};

async function created(response: Response) {
  expect(response.status).toBe(201);
  const result = DeliveryResult.parse(await response.json());
  expect(result, result.reason).toMatchObject({ outcome: 'created' });
  return Execution.parse(await (await api(`/api/v1/executions/${result.executionId}`)).json());
}

describe('Sentry and Jira built-in rules', () => {
  it('a signed Sentry issue.created runs bug-fixer on the webhook repo with the error and where it happened', async () => {
    const hook = await makeWebhook({ kind: 'sentry', repo: REPO, ref: 'develop' });
    expect(hook).toMatchObject({ repo: REPO, ref: 'develop', builtinRules: true });
    const execution = await created(await send(hook, hook.secret, sentryIssue, { event: 'issue' }));
    expect(execution).toMatchObject({ agent: 'bug-fixer', repo: REPO, ref: 'develop', requireSandbox: true });
    expect(execution.trigger).toMatchObject({ kind: 'webhook', id: hook.id });
    expect(execution.prompt).toContain("TypeError: Cannot read properties of undefined (reading 'total')");
    expect(execution.prompt).toContain('computeTotal(app/cart.js) (app/cart.js in computeTotal)');
    expect(execution.prompt).toContain('WEB-3F');
    expect(execution.reportTo).toBeNull();
  });

  it('a Sentry alert event carries the stack trace frames into the input', async () => {
    const hook = await makeWebhook({ kind: 'sentry', repo: REPO });
    const alert = {
      action: 'triggered',
      data: {
        triggered_rule: 'Errors in checkout',
        event: {
          title: 'ReferenceError: total is not defined',
          culprit: 'app/cart.js in computeTotal',
          web_url: 'https://sentry.io/organizations/acme/issues/1/events/abc/',
          exception: {
            values: [
              {
                type: 'ReferenceError',
                value: 'total is not defined',
                stacktrace: {
                  frames: [
                    { filename: 'app/index.js', function: 'main', lineno: 3 },
                    { filename: 'app/cart.js', function: 'computeTotal', lineno: 41 },
                  ],
                },
              },
            ],
          },
        },
      },
    };
    const execution = await created(await send(hook, hook.secret, alert, { event: 'event_alert' }));
    expect(execution.prompt).toContain('"filename":"app/cart.js","function":"computeTotal","lineno":41');
    expect(execution.ref).toBeNull();
  });

  it('a signed Jira jira:issue_created labeled claudeops runs code-task on the webhook repo', async () => {
    const hook = await makeWebhook({ kind: 'jira', repo: REPO });
    const execution = await created(await send(hook, hook.secret, jiraCreated));
    expect(execution).toMatchObject({ agent: 'code-task', repo: REPO, requireSandbox: true });
    expect(execution.prompt).toContain('OPS-12: Add a --dry-run flag to the deploy script');
    expect(execution.prompt).toContain('It should print what it would do and exit 0.');
    const unlabeled = structuredClone(jiraCreated);
    unlabeled.issue.fields.labels = ['cli'];
    const ignored = DeliveryResult.parse(await (await send(hook, hook.secret, unlabeled)).json());
    expect(ignored).toMatchObject({ outcome: 'ignored', reason: expect.stringContaining('no label claudeops') });
  });

  it('without the repo setting a delivery is failed naming it; PATCH sets it, null clears it', async () => {
    const hook = await makeWebhook({ kind: 'sentry' });
    expect(hook).toMatchObject({ repo: null, ref: null });
    const refused = await send(hook, hook.secret, sentryIssue, { event: 'issue' });
    expect(refused.status).toBe(202);
    const result = DeliveryResult.parse(await refused.json());
    expect(result.outcome).toBe('failed');
    expect(result.reason).toMatch(/needs the webhook's repo setting \(\$webhook\.repo\)/);
    const stored = WebhookDeliveryPage.parse(await (await api(`/api/v1/webhooks/${hook.id}/deliveries`)).json());
    expect(stored.items[0]).toMatchObject({ outcome: 'failed', ruleIndex: 0, executionId: null });

    const patched = await api(`/api/v1/webhooks/${hook.id}`, { method: 'PATCH', body: { repo: REPO } });
    expect(Webhook.parse(await patched.json())).toMatchObject({ repo: REPO, ref: null });
    const execution = await created(await send(hook, hook.secret, sentryIssue, { event: 'issue' }));
    expect(execution.repo).toBe(REPO);

    const cleared = await api(`/api/v1/webhooks/${hook.id}`, { method: 'PATCH', body: { repo: null } });
    expect(Webhook.parse(await cleared.json()).repo).toBeNull();
    const jira = await makeWebhook({ kind: 'jira' });
    const j = DeliveryResult.parse(await (await send(jira, jira.secret, jiraCreated)).json());
    expect(j).toMatchObject({ outcome: 'failed', reason: expect.stringContaining('$webhook.repo') });
  });

  it('a blank or oversized repo setting is a 400', async () => {
    const blank = await api('/api/v1/webhooks', {
      method: 'POST',
      body: { name: 'wh-blank', kind: 'jira', repo: ' ' },
    });
    await expectError(blank, 400, 'BAD_REQUEST', /repo/);
    const long = await api('/api/v1/webhooks', {
      method: 'POST',
      body: { name: 'wh-long', kind: 'jira', repo: `https://x.test/${'a'.repeat(600)}` },
    });
    await expectError(long, 400, 'BAD_REQUEST', /repo/);
  });
});
