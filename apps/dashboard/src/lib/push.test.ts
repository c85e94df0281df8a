import { describe, expect, it } from 'vitest';
import { notificationFor, safeDashboardPath } from './push-payload';
import {
  base64UrlToBytes,
  bytesToBase64Url,
  isPushUnavailableStatus,
  pushState,
  pushSupported,
  sameServerKey,
  subscriptionBody,
} from './push';

describe('base64url', () => {
  it('round-trips every byte value, with and without padding', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const text = bytesToBase64Url(bytes);
    expect(text).not.toMatch(/[+/=]/);
    expect(base64UrlToBytes(text)).toEqual(bytes);
    expect(base64UrlToBytes('_-8=')).toEqual(Uint8Array.from([0xff, 0xef]).subarray(0, 2));
  });

  it('decodes a 65-byte uncompressed P-256 VAPID key', () => {
    const key = new Uint8Array(65).fill(7);
    key[0] = 4;
    expect(base64UrlToBytes(bytesToBase64Url(key))).toEqual(key);
    expect(bytesToBase64Url(key)).toHaveLength(87);
  });

  it('refuses text outside the alphabet', () => {
    expect(() => base64UrlToBytes('ab+/')).toThrow();
    expect(() => base64UrlToBytes('abcde')).toThrow();
  });

  it('compares a subscription key with the server key', () => {
    const key = Uint8Array.from([4, 1, 2, 3]);
    expect(sameServerKey(key.buffer, bytesToBase64Url(key))).toBe(true);
    expect(sameServerKey(key.buffer, 'BAECBA')).toBe(false);
    expect(sameServerKey(null, 'anything')).toBe(true);
  });
});

describe('pushState', () => {
  const base = {
    supported: true,
    serverAvailable: true,
    permission: 'granted' as NotificationPermission,
    subscribed: true,
  };

  it('derives each state, most fundamental reason first', () => {
    expect(pushState(base)).toBe('on');
    expect(pushState({ ...base, subscribed: false })).toBe('off');
    expect(pushState({ ...base, permission: 'default' })).toBe('off');
    expect(pushState({ ...base, permission: 'denied' })).toBe('blocked');
    expect(pushState({ ...base, serverAvailable: false, permission: 'denied' })).toBe('unavailable');
    expect(pushState({ ...base, supported: false, serverAvailable: false })).toBe('unsupported');
  });

  it('detects support from the globals', () => {
    expect(pushSupported({ navigator: { serviceWorker: {} }, PushManager: class {}, Notification: class {} })).toBe(
      true,
    );
    expect(pushSupported({ navigator: {}, PushManager: class {}, Notification: class {} })).toBe(false);
    expect(pushSupported({ navigator: { serviceWorker: {} }, Notification: class {} })).toBe(false);
  });

  it('treats 404 and 501 as "no push here"', () => {
    expect([404, 501, 500, 0].map(isPushUnavailableStatus)).toEqual([true, true, false, false]);
  });
});

describe('subscriptionBody', () => {
  it('builds the POST body from toJSON() and the topics', () => {
    const json = { endpoint: 'https://push.example/abc', expirationTime: null, keys: { p256dh: 'BPk', auth: 'au' } };
    expect(subscriptionBody(json, ['approval', 'failed'])).toEqual({ ...json, topics: ['approval', 'failed'] });
    expect(subscriptionBody({ endpoint: 'https://push.example/abc' }, ['approval'])).toBeNull();
    expect(subscriptionBody(json, [])).toBeNull();
  });
});

describe('notificationFor', () => {
  it('shows the payload with its tag, link and icon', () => {
    const spec = notificationFor({
      topic: 'approval',
      title: 'Approval needed',
      body: 'Write README.md',
      url: '/approvals/ap_1',
      tag: 'approval:ap_1',
    });
    expect(spec.title).toBe('Approval needed');
    expect(spec.options).toMatchObject({
      body: 'Write README.md',
      tag: 'approval:ap_1',
      data: { url: '/approvals/ap_1' },
    });
    expect(spec.options.icon).toMatch(/\.png$/);
  });

  it('never links off the dashboard and survives junk', () => {
    expect(safeDashboardPath('https://evil.example/')).toBe('/');
    expect(safeDashboardPath('//evil.example')).toBe('/');
    expect(safeDashboardPath('/\\evil.example')).toBe('/');
    expect(safeDashboardPath('/executions/ex_1')).toBe('/executions/ex_1');
    const spec = notificationFor('not json');
    expect(spec.title).toBe('ClaudeOps');
    expect(spec.options.data.url).toBe('/');
    expect(spec.options).not.toHaveProperty('tag');
  });
});
