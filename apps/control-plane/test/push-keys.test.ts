// POST /api/v1/push/subscriptions with keys no message could be encrypted to: every malformed p256dh or auth is a
// 400 that names the field, never a 500 (a one-character key used to crash the decoder).
import { beforeEach, describe, expect, it } from 'vitest';
import { env } from 'cloudflare:workers';
import { encodeBase64Url } from '../src/lib/base64url';
import { api, expectError } from './api-support';
import { newSubscriber } from './push-support';

const SUBSCRIPTIONS = '/api/v1/push/subscriptions';

async function subscribeWith(keys: { p256dh: string; auth: string }): Promise<Response> {
  const { endpoint } = await newSubscriber();
  return api(SUBSCRIPTIONS, { method: 'POST', body: { endpoint, keys } });
}

beforeEach(async () => {
  await env.DB.prepare('DELETE FROM push_subscriptions').run();
});

describe('push subscription keys', () => {
  it('refuses a p256dh that is no P-256 public key, whatever its shape, with a 400 naming it', async () => {
    const { keys } = await newSubscriber();
    const point = new Uint8Array(65).fill(7);
    point[0] = 0x04;
    const compressed = new Uint8Array(33).fill(9);
    compressed[0] = 0x02;
    const bad = [
      'A',
      'AB',
      'A=',
      'A===',
      '====',
      'not base64!',
      keys.p256dh.slice(1),
      `${keys.p256dh}AA`,
      encodeBase64Url(compressed),
      // 65 bytes starting 0x04, but not a point on the curve.
      encodeBase64Url(point),
    ];
    for (const p256dh of bad) {
      await expectError(await subscribeWith({ p256dh, auth: keys.auth }), 400, 'BAD_REQUEST', 'body.keys.p256dh');
    }
  });

  it('refuses an auth secret that is not 16 bytes of base64url', async () => {
    const { keys } = await newSubscriber();
    for (const auth of ['A', 'AAAA', `${keys.auth}A`, encodeBase64Url(new Uint8Array(17)), '*'.repeat(22)]) {
      await expectError(await subscribeWith({ p256dh: keys.p256dh, auth }), 400, 'BAD_REQUEST', 'body.keys.auth');
    }
  });

  it('accepts the keys a browser makes, padded or not', async () => {
    const { keys } = await newSubscriber();
    expect((await subscribeWith(keys)).status).toBe(201);
    expect((await subscribeWith({ p256dh: `${keys.p256dh}=`, auth: `${keys.auth}==` })).status).toBe(201);
  });
});
