// Web Push inside workerd: a browser subscribes (and renews, lists, unsubscribes); an approval request, an execution
// ending and a budget limit reach it as an aes128gcm message it can decrypt, signed with VAPID; a push service's
// 410 forgets the subscription.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { env } from 'cloudflare:workers';
import { notify } from '../src/notify/push';
import { page, PushSubscriptionView, VapidKey, type PushPayload } from '../src/protocol';
import { api, expectError } from './api-support';
import { requestedEvent } from './approvals-support';
import { dayLimits, guardOf, newLabelScope } from './budget-support';
import { connectHubRunner, eventually, seedExecution, sendBatch, statusEvent } from './do-support';
import { capturePushes, decryptedPayload, newSubscriber, vapidClaims, type Subscriber } from './push-support';

const PUSH = '/api/v1/push';
const SUBSCRIPTIONS = `${PUSH}/subscriptions`;
const PUSH_ORIGIN = 'https://push.example.test';
const Page = page(PushSubscriptionView);

async function subscribe(subscriber: Subscriber, topics?: string[]): Promise<Response> {
  const body = { endpoint: subscriber.endpoint, expirationTime: null, keys: subscriber.keys, topics };
  return api(SUBSCRIPTIONS, { method: 'POST', body });
}

async function listed(): Promise<PushSubscriptionView[]> {
  const response = await api(SUBSCRIPTIONS);
  expect(response.status).toBe(200);
  return Page.parse(await response.json()).items;
}

let capture: ReturnType<typeof capturePushes>;
let answer = 201;

beforeEach(async () => {
  await env.DB.prepare('DELETE FROM push_subscriptions').run();
  answer = 201;
  capture = capturePushes(PUSH_ORIGIN, () => answer);
});
afterEach(() => capture.restore());

describe('push subscriptions', () => {
  it('hands out one VAPID public key: an uncompressed P-256 point', async () => {
    const first = VapidKey.parse(await (await api(`${PUSH}/vapid`)).json());
    const again = VapidKey.parse(await (await api(`${PUSH}/vapid`)).json());
    expect(again.publicKey).toBe(first.publicKey);
    expect(first.publicKey).toMatch(/^BA?[A-Za-z0-9_-]{86}$/);
  });

  it('subscribes, lists without keys, renews in place, and unsubscribes', async () => {
    const subscriber = await newSubscriber();
    const created = await subscribe(subscriber, ['approval', 'failed']);
    expect(created.status).toBe(201);
    expect(PushSubscriptionView.parse(await created.json())).toEqual({
      endpoint: subscriber.endpoint,
      topics: ['approval', 'failed'],
      createdAt: expect.any(String),
    });
    expect(await listed()).toEqual([
      { endpoint: subscriber.endpoint, topics: ['approval', 'failed'], createdAt: expect.any(String) },
    ]);

    expect((await subscribe(subscriber)).status).toBe(200);
    expect((await listed()).map((s) => s.topics)).toEqual([['approval', 'finished', 'failed', 'budget', 'attention']]);

    const gone = await api(SUBSCRIPTIONS, { method: 'DELETE', body: { endpoint: subscriber.endpoint } });
    expect(gone.status).toBe(204);
    expect(await listed()).toEqual([]);
    const again = await api(SUBSCRIPTIONS, { method: 'DELETE', body: { endpoint: subscriber.endpoint } });
    await expectError(again, 404, 'NOT_FOUND', 'no push subscription');
  });

  it('refuses keys no message could be encrypted to', async () => {
    const subscriber = await newSubscriber();
    const shortKey = { ...subscriber, keys: { ...subscriber.keys, p256dh: subscriber.keys.p256dh.slice(0, 40) } };
    await expectError(await subscribe(shortKey), 400, 'BAD_REQUEST', 'body.keys.p256dh');
    const shortAuth = { ...subscriber, keys: { ...subscriber.keys, auth: 'AAAA' } };
    await expectError(await subscribe(shortAuth), 400, 'BAD_REQUEST', 'body.keys.auth');
    expect(await listed()).toEqual([]);
  });
});

describe('push delivery', () => {
  it('sends an approval request, encrypted to the browser and signed with VAPID', async () => {
    const subscriber = await newSubscriber();
    expect((await subscribe(subscriber, ['approval'])).status).toBe(201);
    const { publicKey } = VapidKey.parse(await (await api(`${PUSH}/vapid`)).json());
    const id = await seedExecution({ status: 'assigned' });
    const runner = await connectHubRunner(id);
    await runner.next('exec.welcome');
    const request = requestedEvent(2, { summary: '$ rm -rf build\n(and more)' });
    await sendBatch(runner, [statusEvent(1, 'running'), request, statusEvent(3, 'awaiting_approval')]);

    const [push] = await eventually(() => {
      expect(capture.pushes).toHaveLength(1);
      return capture.pushes;
    });
    expect(push!.url).toBe(subscriber.endpoint);
    expect(await decryptedPayload(subscriber, push!)).toEqual({
      topic: 'approval',
      title: 'Approval needed: Bash',
      body: '$ rm -rf build',
      url: `/executions/${id}`,
      tag: `approval-${request.data.approvalId}`,
    } satisfies PushPayload);
    expect(push!.headers.get('content-encoding')).toBe('aes128gcm');
    expect(push!.headers.get('urgency')).toBe('high');
    expect(Number(push!.headers.get('ttl'))).toBe(24 * 60 * 60);
    const claims = await vapidClaims(push!.headers.get('authorization')!);
    expect(claims).toMatchObject({ aud: PUSH_ORIGIN, k: publicKey, sub: expect.stringMatching(/^(mailto|https):/) });
    expect(claims.exp * 1000).toBeGreaterThan(Date.now());
  });

  it('sends a failed execution to `failed` subscribers only, and nothing for a cancelled one', async () => {
    const failed = await newSubscriber();
    const finished = await newSubscriber();
    await subscribe(failed, ['failed']);
    await subscribe(finished, ['finished']);
    const id = await seedExecution({ status: 'assigned' });
    const runner = await connectHubRunner(id);
    await runner.next('exec.welcome');
    await sendBatch(runner, [statusEvent(1, 'running'), statusEvent(2, 'failed', 'the tests failed\nstack…')]);
    const [push] = await eventually(() => {
      expect(capture.pushes).toHaveLength(1);
      return capture.pushes;
    });
    expect(push!.url).toBe(failed.endpoint);
    expect(await decryptedPayload(failed, push!)).toEqual({
      topic: 'failed',
      title: 'Execution failed',
      body: 'the tests failed',
      url: `/executions/${id}`,
      tag: `execution-${id}`,
    });

    const cancelled = await seedExecution({ status: 'assigned' });
    const other = await connectHubRunner(cancelled);
    await other.next('exec.welcome');
    await sendBatch(other, [statusEvent(1, 'cancelled', 'cancelled by user')]);
    // A succeeded run after it is the marker: its push arrives, the cancelled one's never did.
    const done = await seedExecution({ status: 'assigned' });
    const third = await connectHubRunner(done);
    await third.next('exec.welcome');
    await sendBatch(third, [statusEvent(1, 'succeeded')]);
    await eventually(() => expect(capture.pushes).toHaveLength(2));
    expect(await decryptedPayload(finished, capture.pushes[1]!)).toMatchObject({
      topic: 'finished',
      tag: `execution-${done}`,
    });
  });

  it('sends a budget limit once, however many charges cross it', async () => {
    const subscriber = await newSubscriber();
    await subscribe(subscriber, ['budget']);
    const { scope } = newLabelScope();
    const guard = guardOf(scope);
    await guard.configure(scope, dayLimits(10, 1));
    await guard.charge(scope, 'ex_push', 'c1', 2);
    await guard.charge(scope, 'ex_push', 'c2', 0.5);
    const [push] = await eventually(() => {
      expect(capture.pushes).toHaveLength(1);
      return capture.pushes;
    });
    expect(await decryptedPayload(subscriber, push!)).toMatchObject({
      topic: 'budget',
      title: `Budget ${scope} nearly spent`,
      url: '/costs',
    });
  });

  it('forgets a subscription the push service says is gone (410), and counts other failures', async () => {
    const subscriber = await newSubscriber();
    await subscribe(subscriber);
    const payload: PushPayload = { topic: 'finished', title: 't', body: 'b', url: '/', tag: 'x' };
    answer = 500;
    await notify(env, payload);
    const row = await env.DB.prepare('SELECT failures, last_error FROM push_subscriptions').first();
    expect(row).toEqual({ failures: 1, last_error: '500' });
    answer = 410;
    await notify(env, payload);
    expect(capture.pushes).toHaveLength(2);
    expect(await listed()).toEqual([]);
  });
});
