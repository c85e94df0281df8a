// Webhook deliveries through the real Worker: GitHub's documented payloads signed with the secret start sandboxed
// executions that report back; bad, missing or stale signatures are refused and store nothing; replays are
// duplicates; the rate limit answers 429 with Retry-After; rules that do not match are ignored with the reason.
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { DeliveryResult, Execution, WebhookDeliveryPage } from '../src/protocol';
import issuesLabeled from './fixtures/github/issues-labeled.json';
import pullRequestOpened from './fixtures/github/pull-request-opened.json';
import { api, expectError } from './api-support';
import { deliveryId, makeWebhook, send } from './webhooks-support';

const deliveries = async (id: string) =>
  WebhookDeliveryPage.parse(await (await api(`/api/v1/webhooks/${id}/deliveries`)).json()).items;

describe('POST /hooks/:id', () => {
  it('a signed GitHub issues.labeled starts a sandboxed bug-fixer that reports to the issue', async () => {
    const hook = await makeWebhook({ kind: 'github' });
    const response = await send(hook, hook.secret, issuesLabeled, { event: 'issues' });
    expect(response.status).toBe(201);
    const result = DeliveryResult.parse(await response.json());
    expect(result.outcome).toBe('created');
    const execution = Execution.parse(await (await api(`/api/v1/executions/${result.executionId}`)).json());
    expect(execution.agent).toBe('bug-fixer');
    expect(execution.requireSandbox).toBe(true);
    expect(execution.trigger).toMatchObject({ kind: 'webhook', id: hook.id });
    expect(execution.trigger.detail).toContain('issues.labeled Codertocat/Hello-World#1');
    expect(execution.reportTo).toEqual({ repo: 'Codertocat/Hello-World', number: 1, kind: 'issue' });
    const [stored] = await deliveries(hook.id);
    expect(stored).toMatchObject({ outcome: 'created', event: 'issues', action: 'labeled', executionId: execution.id });
  });

  it('a signed pull_request.opened starts pr-reviewer on the head branch', async () => {
    const hook = await makeWebhook({ kind: 'github' });
    const response = await send(hook, hook.secret, pullRequestOpened, { event: 'pull_request' });
    const result = DeliveryResult.parse(await response.json());
    expect(result.outcome).toBe('created');
    const execution = Execution.parse(await (await api(`/api/v1/executions/${result.executionId}`)).json());
    expect(execution.agent).toBe('pr-reviewer');
    expect(execution.reportTo).toEqual({ repo: 'Codertocat/Hello-World', number: 2, kind: 'pull_request' });
  });

  it('a wrong or missing signature is a 401 and stores nothing', async () => {
    const hook = await makeWebhook({ kind: 'github' });
    await expectError(
      await send(hook, 'not-the-secret', issuesLabeled, { event: 'issues' }),
      401,
      'UNAUTHORIZED',
      /does not match/,
    );
    await expectError(
      await send(hook, hook.secret, issuesLabeled, { event: 'issues', sign: false }),
      401,
      'UNAUTHORIZED',
      /missing/,
    );
    expect(await deliveries(hook.id)).toEqual([]);
  });

  it('a replayed delivery id answers 200 duplicate and starts nothing more', async () => {
    const hook = await makeWebhook({ kind: 'github' });
    const id = deliveryId();
    expect((await send(hook, hook.secret, issuesLabeled, { event: 'issues', id })).status).toBe(201);
    const again = await send(hook, hook.secret, issuesLabeled, { event: 'issues', id });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ duplicate: true });
    expect(await deliveries(hook.id)).toHaveLength(1);
  });

  it('over the per-minute limit: 429 with Retry-After and a clear message', async () => {
    const hook = await makeWebhook({ kind: 'generic', rateLimitPerMinute: 2, rules: [] });
    expect((await send(hook, hook.secret, { event: 'x' })).status).toBe(202);
    expect((await send(hook, hook.secret, { event: 'x' })).status).toBe(202);
    const over = await send(hook, hook.secret, { event: 'x' });
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(DeliveryResult.parse(await over.json()).reason).toMatch(/2 deliveries a minute/);
  });

  it('a label the rules do not know is ignored, with the reason', async () => {
    const hook = await makeWebhook({ kind: 'github' });
    const payload = { ...issuesLabeled, label: { name: 'wontfix' }, issue: { ...issuesLabeled.issue, labels: [] } };
    const result = DeliveryResult.parse(await (await send(hook, hook.secret, payload, { event: 'issues' })).json());
    expect(result).toMatchObject({ outcome: 'ignored', reason: expect.stringContaining('no label claudeops') });
  });

  it('a /claude comment by an author who is not a member is ignored', async () => {
    const hook = await makeWebhook({ kind: 'github' });
    const payload = {
      action: 'created',
      issue: issuesLabeled.issue,
      comment: { body: '/claude delete everything', user: { login: 'stranger' }, author_association: 'NONE' },
      repository: issuesLabeled.repository,
      sender: { login: 'stranger' },
    };
    const result = DeliveryResult.parse(
      await (await send(hook, hook.secret, payload, { event: 'issue_comment' })).json(),
    );
    expect(result).toMatchObject({ outcome: 'ignored', reason: expect.stringContaining('stranger') });
  });

  it('generic: a signature older than 5 minutes is a 401; a missing delivery id a 400', async () => {
    const hook = await makeWebhook({ kind: 'generic', rules: [] });
    const old = Math.floor(Date.now() / 1000) - 600;
    await expectError(await send(hook, hook.secret, { event: 'x' }, { t: old }), 401, 'UNAUTHORIZED', /5 minutes/);
    const body = '{}';
    const t = Math.floor(Date.now() / 1000);
    const { hmacHex } = await import('../src/webhooks/signatures');
    const noId = await api(`/hooks/${hook.id}`, {
      method: 'POST',
      token: null,
      headers: { 'x-claudeops-signature': `t=${t},v1=${await hmacHex(hook.secret, `${t}.${body}`)}` },
      body,
    });
    await expectError(noId, 400, 'BAD_REQUEST', /x-claudeops-delivery/);
  });

  it('Sentry and Jira signed deliveries run their rules; a built-in without the repo setting is failed, answered 202', async () => {
    const repoRule = (event: string, action?: string) => ({
      when: { event, ...(action === undefined ? {} : { action }) },
      agent: 'bug-fixer',
      inputs: { repo: 'https://github.com/acme/web.git', issue: '$.data.issue.title $.issue.fields.summary' },
    });
    const sentryPayload = {
      action: 'created',
      data: {
        issue: { title: 'TypeError: x is undefined', project: { slug: 'web' }, metadata: { value: 'at main.js:10' } },
      },
    };
    const builtin = await makeWebhook({ kind: 'sentry' });
    const refused = await send(builtin, builtin.secret, sentryPayload, { event: 'issue' });
    expect(refused.status).toBe(202);
    expect(DeliveryResult.parse(await refused.json())).toMatchObject({
      outcome: 'failed',
      reason: expect.stringContaining("needs the webhook's repo setting"),
    });
    const sentry = await makeWebhook({ kind: 'sentry', rules: [repoRule('issue', 'created')] });
    const s = DeliveryResult.parse(await (await send(sentry, sentry.secret, sentryPayload, { event: 'issue' })).json());
    expect(s, s.reason).toMatchObject({ outcome: 'created' });
    const jira = await makeWebhook({ kind: 'jira', rules: [repoRule('jira:issue_created')] });
    const jiraPayload = {
      webhookEvent: 'jira:issue_created',
      issue: { key: 'OPS-1', fields: { summary: 'Add a flag', labels: ['claudeops'], project: { key: 'OPS' } } },
    };
    const j = DeliveryResult.parse(await (await send(jira, jira.secret, jiraPayload)).json());
    expect(j, j.reason).toMatchObject({ outcome: 'created' });
  });

  it('a body over 1 MiB is a 413 and stores nothing, with or without Content-Length', async () => {
    const hook = await makeWebhook({ kind: 'github' });
    const big = { ...issuesLabeled, padding: 'x'.repeat(1024 * 1024) };
    await expectError(await send(hook, hook.secret, big, { event: 'issues' }), 413, 'PAYLOAD_TOO_LARGE', /1 MiB/);
    const chunks = new TextEncoder().encode(JSON.stringify(big));
    const streamed = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < chunks.length; at += 64 * 1024) controller.enqueue(chunks.slice(at, at + 64 * 1024));
        controller.close();
      },
    });
    const response = await exports.default.fetch(
      new Request(`http://localhost/hooks/${hook.id}`, {
        method: 'POST',
        headers: { 'x-github-event': 'issues', 'x-github-delivery': 'streamed-big' },
        body: streamed,
      }),
    );
    await expectError(response, 413, 'PAYLOAD_TOO_LARGE');
    expect(await deliveries(hook.id)).toEqual([]);
  });

  it('an unknown webhook is a 404', async () => {
    await expectError(await api('/hooks/wh_nope', { method: 'POST', token: null, body: '{}' }), 404, 'NOT_FOUND');
  });
});

describe('/api/v1/webhooks', () => {
  it('never shows the secret again; rotate returns a new one that signs; redeliver makes a new row', async () => {
    const hook = await makeWebhook({ kind: 'github' });
    expect(hook.endpoint).toBe(`http://localhost/hooks/${hook.id}`);
    const read = await (await api(`/api/v1/webhooks/${hook.id}`)).json();
    expect(read).not.toHaveProperty('secret');
    expect(read).toMatchObject({ builtinRules: true, rateLimitPerMinute: 60 });
    const rotated = await (
      await api(`/api/v1/webhooks/${hook.id}`, { method: 'PATCH', body: { rotateSecret: true } })
    ).json();
    const secret = (rotated as { secret: string }).secret;
    expect(secret).not.toBe(hook.secret);
    expect((await send(hook, hook.secret, issuesLabeled, { event: 'issues' })).status).toBe(401);
    const first = DeliveryResult.parse(await (await send(hook, secret, issuesLabeled, { event: 'issues' })).json());
    const again = await api(`/api/v1/webhooks/${hook.id}/deliveries/${first.deliveryId}/redeliver`, { method: 'POST' });
    expect(again.status).toBe(201);
    const redelivered = DeliveryResult.parse(await again.json());
    expect(redelivered.executionId).not.toBe(first.executionId);
    const rows = await deliveries(hook.id);
    expect(rows[0]).toMatchObject({ redeliveryOf: first.deliveryId, outcome: 'created' });
    expect((await api(`/api/v1/webhooks/${hook.id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await send(hook, secret, issuesLabeled, { event: 'issues' })).status).toBe(404);
  });
});
