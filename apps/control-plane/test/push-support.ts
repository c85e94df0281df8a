// Helpers for push-*.test.ts: a browser's side of Web Push. A subscriber key pair and auth secret as a browser makes
// them, RFC 8291 decryption of what the control plane sends, the VAPID header checked (RFC 8292), and outbound
// fetches to push endpoints captured (the Worker and its Durable Objects run in this isolate, so a spy sees them).
import { vi, type MockInstance } from 'vitest';
import { decodeBase64Url, encodeBase64Url } from '../src/lib/base64url';
import { PushPayload } from '../src/protocol';

export type Subscriber = {
  endpoint: string;
  keys: { p256dh: string; auth: string };
  privateKey: CryptoKey;
  publicBytes: Uint8Array;
  authBytes: Uint8Array;
};

const ECDH = { name: 'ECDH', namedCurve: 'P-256' } as const;
const text = (s: string) => new TextEncoder().encode(s);
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
};

export async function newSubscriber(endpoint = `https://push.example.test/send/${crypto.randomUUID()}`) {
  const pair = (await crypto.subtle.generateKey(ECDH, true, ['deriveBits'])) as CryptoKeyPair;
  const publicBytes = new Uint8Array((await crypto.subtle.exportKey('raw', pair.publicKey)) as ArrayBuffer);
  const authBytes = crypto.getRandomValues(new Uint8Array(16));
  return {
    endpoint,
    keys: { p256dh: encodeBase64Url(publicBytes), auth: encodeBase64Url(authBytes) },
    privateKey: pair.privateKey,
    publicBytes,
    authBytes,
  } satisfies Subscriber;
}

async function hmac(key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', k, data));
}

/** HKDF (RFC 5869) for outputs of at most 32 bytes: one expand block. */
async function hkdf(salt: Uint8Array, ikm: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array> {
  const prk = await hmac(salt, ikm);
  return (await hmac(prk, concat(info, new Uint8Array([1])))).slice(0, length);
}

// WebCrypto names the peer key `public`; workers-types spell it `$public` (a reserved word in their generator).
const ecdhWith = (peer: CryptoKey) => ({ name: 'ECDH', public: peer }) as unknown as SubtleCryptoDeriveKeyAlgorithm;

/** RFC 8291 §3-4 / RFC 8188: the plaintext of an aes128gcm push message body, padding removed. */
export async function decryptPush(subscriber: Subscriber, body: Uint8Array): Promise<string> {
  const salt = body.slice(0, 16);
  const idLength = body[20]!;
  const serverPublic = body.slice(21, 21 + idLength);
  const ciphertext = body.slice(21 + idLength);
  const serverKey = await crypto.subtle.importKey('raw', serverPublic, ECDH, false, []);
  const shared = new Uint8Array(await crypto.subtle.deriveBits(ecdhWith(serverKey), subscriber.privateKey, 256));
  const keyInfo = concat(text('WebPush: info\0'), subscriber.publicBytes, serverPublic);
  const ikm = await hkdf(subscriber.authBytes, shared, keyInfo, 32);
  const cek = await hkdf(salt, ikm, text('Content-Encoding: aes128gcm\0'), 16);
  const nonce = await hkdf(salt, ikm, text('Content-Encoding: nonce\0'), 12);
  const key = await crypto.subtle.importKey('raw', cek, 'AES-GCM', false, ['decrypt']);
  const padded = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: nonce }, key, ciphertext));
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('the last record does not end with the 0x02 delimiter');
  return new TextDecoder().decode(padded.slice(0, end));
}

/** Checks `vapid t=<jwt>, k=<key>`: the JWT verifies with k, is for `audience`, and names a subject. */
export async function vapidClaims(
  authorization: string,
): Promise<{ aud: string; sub: string; exp: number; k: string }> {
  const match = /^vapid t=([^,\s]+), k=([A-Za-z0-9_-]+)$/.exec(authorization);
  if (!match) throw new Error(`not a vapid Authorization header: ${authorization}`);
  const [, jwt, k] = match as unknown as [string, string, string];
  const [header, payload, signature] = jwt.split('.') as [string, string, string];
  const key = await crypto.subtle.importKey('raw', decodeBase64Url(k), { name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'verify',
  ]);
  const ok = await crypto.subtle.verify(
    { name: 'ECDSA', hash: 'SHA-256' },
    key,
    decodeBase64Url(signature),
    text(`${header}.${payload}`),
  );
  if (!ok) throw new Error('the VAPID JWT signature does not verify with k');
  const claims = JSON.parse(new TextDecoder().decode(decodeBase64Url(payload))) as {
    aud: string;
    sub: string;
    exp: number;
  };
  return { ...claims, k };
}

export type CapturedPush = { url: string; headers: Headers; body: Uint8Array };

/** Captures POSTs to `origin` and answers them with `status`; other fetches go through. */
export function capturePushes(origin: string, status: () => number = () => 201) {
  const pushes: CapturedPush[] = [];
  const real = globalThis.fetch;
  const spy: MockInstance<typeof fetch> = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    if (!request.url.startsWith(origin)) return real(input, init);
    pushes.push({
      url: request.url,
      headers: request.headers,
      body: new Uint8Array(await request.arrayBuffer()),
    });
    return new Response(null, { status: status() });
  });
  return { pushes, restore: () => spy.mockRestore() };
}

export async function decryptedPayload(subscriber: Subscriber, push: CapturedPush): Promise<PushPayload> {
  return PushPayload.parse(JSON.parse(await decryptPush(subscriber, push.body)));
}
