// Helpers for the webhooks-*.test.ts files: make a webhook and send it deliveries signed as each sender signs them.
import { expect } from 'vitest';
import { Webhook, type CreateWebhookBody } from '../src/protocol';
import { hmacHex } from '../src/webhooks/signatures';
import { api } from './api-support';

let n = 0;

export async function makeWebhook(body: Partial<CreateWebhookBody> & { kind: CreateWebhookBody['kind'] }) {
  const response = await api('/api/v1/webhooks', {
    method: 'POST',
    body: { name: `wh-test-${++n}-${Date.now()}`, ...body },
  });
  expect(response.status).toBe(201);
  const hook = Webhook.parse(await response.json());
  expect(hook.secret).toMatch(/^[0-9a-f]{64}$/);
  return hook as Webhook & { secret: string };
}

let delivery = 0;
export const deliveryId = () => `dlv-${Date.now()}-${++delivery}`;

/** Sends `payload` to the hook signed with `secret` as its kind signs; `sign: false` leaves the signature out. */
export async function send(
  hook: { id: string; kind: Webhook['kind'] },
  secret: string,
  payload: unknown,
  opts: { event?: string; id?: string; sign?: boolean; t?: number; headers?: Record<string, string> } = {},
): Promise<Response> {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers };
  const id = opts.id ?? deliveryId();
  const sign = opts.sign ?? true;
  if (hook.kind === 'github') {
    headers['x-github-delivery'] = id;
    if (opts.event !== undefined) headers['x-github-event'] = opts.event;
    if (sign) headers['x-hub-signature-256'] = `sha256=${await hmacHex(secret, body)}`;
  } else if (hook.kind === 'sentry') {
    headers['request-id'] = id;
    if (opts.event !== undefined) headers['sentry-hook-resource'] = opts.event;
    if (sign) headers['sentry-hook-signature'] = await hmacHex(secret, body);
  } else if (hook.kind === 'jira') {
    headers['x-atlassian-webhook-identifier'] = id;
    if (sign) headers['x-hub-signature'] = `sha256=${await hmacHex(secret, body)}`;
  } else {
    headers['x-claudeops-delivery'] = id;
    const t = opts.t ?? Math.floor(Date.now() / 1000);
    if (sign) headers['x-claudeops-signature'] = `t=${t},v1=${await hmacHex(secret, `${t}.${body}`)}`;
  }
  return api(`/hooks/${hook.id}`, { method: 'POST', token: null, headers, body });
}
