// Plain-Node tests of webhook signature checks: each kind's header format, a wrong or missing signature, and the
// generic kind's timestamp window.
import { describe, expect, it } from 'vitest';
import { hmacHex, newWebhookSecret, verifySignature } from './signatures';

const body = new TextEncoder().encode('{"action":"labeled"}');
const secret = 'shh-its-a-secret';
const headers = (entries: Record<string, string>) => new Headers(entries);

describe('verifySignature', () => {
  it('accepts GitHub and Jira sha256=<hex> and Sentry <hex> signed with the secret', async () => {
    const hex = await hmacHex(secret, body);
    expect(await verifySignature('github', secret, headers({ 'X-Hub-Signature-256': `sha256=${hex}` }), body)).toEqual({
      ok: true,
    });
    expect(await verifySignature('jira', secret, headers({ 'X-Hub-Signature': `sha256=${hex}` }), body)).toEqual({
      ok: true,
    });
    expect(await verifySignature('sentry', secret, headers({ 'Sentry-Hook-Signature': hex }), body)).toEqual({
      ok: true,
    });
  });

  it('refuses a signature made with another secret, a missing one, and garbage', async () => {
    const wrong = await hmacHex('other', body);
    const r1 = await verifySignature('github', secret, headers({ 'X-Hub-Signature-256': `sha256=${wrong}` }), body);
    expect(r1).toMatchObject({ ok: false, reason: expect.stringContaining('does not match') });
    const r2 = await verifySignature('github', secret, headers({}), body);
    expect(r2).toMatchObject({ ok: false, reason: expect.stringContaining('missing') });
    const r3 = await verifySignature('sentry', secret, headers({ 'Sentry-Hook-Signature': 'zz' }), body);
    expect(r3.ok).toBe(false);
  });

  it('generic: signs "<t>.<body>" and refuses a timestamp more than 5 minutes away', async () => {
    const now = 1_800_000_000;
    const sign = async (t: number) => `t=${t},v1=${await hmacHex(secret, `${t}.${new TextDecoder().decode(body)}`)}`;
    const h = async (t: number) => headers({ 'X-ClaudeOps-Signature': await sign(t) });
    expect(await verifySignature('generic', secret, await h(now - 10), body, now)).toEqual({ ok: true });
    expect((await verifySignature('generic', secret, await h(now - 301), body, now)).ok).toBe(false);
    expect((await verifySignature('generic', secret, await h(now + 301), body, now)).ok).toBe(false);
  });

  it('makes 64-hex-character secrets, each different', () => {
    expect(newWebhookSecret()).toMatch(/^[0-9a-f]{64}$/);
    expect(newWebhookSecret()).not.toBe(newWebhookSecret());
  });
});
