// Runner registration and the fleet list: one registration token makes exactly one runner, whose token then works.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { hashToken } from '../src/lib/tokens';
import { page, RegisteredRunner, RegistrationToken, RunnerView } from '../src/protocol';
import { api, expectError, newRegistrationToken, registerRunner } from './api-support';

const RunnerPage = page(RunnerView);

const register = (registrationToken: string, name = 'box') =>
  api('/api/v1/runners/register', { method: 'POST', token: null, body: { registrationToken, name } });

describe('registration tokens', () => {
  it('are minted by the admin with an expiry', async () => {
    const response = await api('/api/v1/runners/registration-tokens', { method: 'POST', body: { ttlSeconds: 600 } });
    expect(response.status).toBe(201);
    const { token, expiresAt } = RegistrationToken.parse(await response.json());
    expect(token).toMatch(/^cog_/);
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(500_000);
  });
});

describe('register', () => {
  it('turns a registration token into a runner token that authenticates the runner', async () => {
    const response = await api('/api/v1/runners/register', {
      method: 'POST',
      token: null,
      body: { registrationToken: await newRegistrationToken(), name: 'gpu-box', labels: ['gpu'], maxConcurrent: 2 },
    });
    expect(response.status).toBe(201);
    const { runnerId, runnerToken } = RegisteredRunner.parse(await response.json());
    expect(runnerToken).toMatch(/^cor_/);

    // The runner's token reaches runner endpoints (no upgrade header: 426, past the auth check).
    const connect = await api('/api/v1/runners/connect', { token: runnerToken });
    await expectError(connect, 426, 'UPGRADE_REQUIRED');

    const list = RunnerPage.parse(await (await api('/api/v1/runners?limit=200')).json());
    const mine = list.items.find((runner) => runner.id === runnerId);
    expect(mine).toMatchObject({ name: 'gpu-box', labels: ['gpu'], maxConcurrent: 2, status: 'offline', freeSlots: 0 });
  });

  it('stores only hashes of the tokens', async () => {
    const registrationToken = await newRegistrationToken();
    const { runnerToken } = RegisteredRunner.parse(await (await register(registrationToken)).json());
    const dump = JSON.stringify([
      (await env.DB.prepare('SELECT * FROM runners').all()).results,
      (await env.DB.prepare('SELECT * FROM registration_tokens').all()).results,
    ]);
    expect(dump).not.toContain(runnerToken);
    expect(dump).not.toContain(registrationToken);
    expect(dump).toContain(await hashToken(runnerToken));
  });

  it('accepts a registration token once', async () => {
    const registrationToken = await newRegistrationToken();
    expect((await register(registrationToken)).status).toBe(201);
    await expectError(await register(registrationToken), 401, 'UNAUTHORIZED', 'already been used');
  });

  it('lets only one of two simultaneous registrations with the same token win', async () => {
    const registrationToken = await newRegistrationToken();
    const statuses = (await Promise.all([register(registrationToken, 'a'), register(registrationToken, 'b')])).map(
      (response) => response.status,
    );
    expect(statuses.sort()).toEqual([201, 401]);
  });

  it('refuses an expired or unknown registration token', async () => {
    const expired = 'cog_expired-registration-token';
    await env.DB.prepare('INSERT INTO registration_tokens (id, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?)')
      .bind(crypto.randomUUID(), await hashToken(expired), Date.now() - 7200_000, Date.now() - 3600_000)
      .run();
    await expectError(await register(expired), 401, 'UNAUTHORIZED', 'expired');
    await expectError(await register('cog_never-issued'), 401, 'UNAUTHORIZED', 'not valid');
  });
});

describe('list', () => {
  it('pages through runners, newest first', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await registerRunner({ name: `runner-${i}` })).runnerId);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${encodeURIComponent(cursor)}` : '?limit=2';
      const body = RunnerPage.parse(await (await api(`/api/v1/runners${query}`)).json());
      seen.push(...body.items.map((item) => item.id));
      cursor = body.nextCursor;
    } while (cursor !== null && seen.length < 500);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((id) => ids.includes(id))).toEqual([...ids].reverse());
  });
});
