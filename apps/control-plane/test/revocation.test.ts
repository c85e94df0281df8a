// Revocation and rotation through the Worker: DELETE /api/v1/runners/:id refuses the runner's token at once, closes
// its sockets and ends what it held as lost (retried on another runner); POST /api/v1/admin-token/rotate replaces a
// generated admin token and ends every session; a changed CLAUDEOPS_ADMIN_TOKEN ends the sessions of the old one.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { app } from '../src/app';
import { createDb } from '../src/db/client';
import { rotateAdminToken } from '../src/db/queries/tokens';
import { DISOWNED_CLOSE_CODE } from '../src/durable-objects/hub-owner';
import { REVOKED_CLOSE_CODE } from '../src/durable-objects/fleet-trust';
import { newRunnerId } from '../src/lib/ids';
import { generateToken, hashToken } from '../src/lib/tokens';
import { AuditEntry, HubToRunner, page, RotatedAdminToken, RunnerView } from '../src/protocol';
import { api, BASE, expectError } from './api-support';
import { eventually, statusEvent, uniqueLabel } from './do-support';
import { connectedRunner, createExecution, readExecution, workerSocket } from './trust-support';

const revoke = (id: string) => api(`/api/v1/runners/${id}`, { method: 'DELETE' });

describe('DELETE /api/v1/runners/:id', () => {
  it('revokes a runner once: 200 with revokedAt both times, its token 401 at once, the list shows it revoked', async () => {
    const runner = await connectedRunner({ labels: [uniqueLabel()] });
    const first = await revoke(runner.runnerId);
    expect(first.status).toBe(200);
    const view = RunnerView.parse(await first.json());
    expect(view).toMatchObject({ id: runner.runnerId, status: 'offline', freeSlots: 0, revokedAt: expect.any(String) });

    const again = await revoke(runner.runnerId);
    expect(again.status).toBe(200);
    expect(RunnerView.parse(await again.json()).revokedAt).toBe(view.revokedAt);
    const audit = page(AuditEntry).parse(
      await (await api(`/api/v1/audit?action=runner.revoked&subject=${runner.runnerId}`)).json(),
    );
    expect(audit.items).toEqual([
      expect.objectContaining({ actor: 'admin', subject: runner.runnerId, details: { name: 'trust-runner' } }),
    ]);

    await eventually(() => runner.control.closed?.code === REVOKED_CLOSE_CODE);
    const connect = await api('/api/v1/runners/connect', {
      token: runner.runnerToken,
      headers: { upgrade: 'websocket' },
    });
    await expectError(connect, 401, 'UNAUTHORIZED', 'revoked');
    const listed = page(RunnerView).parse(await (await api('/api/v1/runners?limit=200')).json());
    expect(listed.items.find((item) => item.id === runner.runnerId)).toMatchObject({
      status: 'offline',
      revokedAt: view.revokedAt,
    });
  });

  it('answers 404 for an unknown runner and 403 to a runner token', async () => {
    await expectError(await revoke(newRunnerId(Date.now())), 404, 'NOT_FOUND');
    const runner = await connectedRunner({ labels: [uniqueLabel()] });
    const response = await api(`/api/v1/runners/${runner.runnerId}`, { method: 'DELETE', token: runner.runnerToken });
    await expectError(response, 403, 'FORBIDDEN');
  });

  it('ends a revoked runner’s running execution as lost, closes its stream, and retries it on another runner', async () => {
    const label = uniqueLabel();
    const revoked = await connectedRunner({ labels: [label] });
    const { id } = await createExecution({ labels: [label], maxAttempts: 2 });
    await revoked.control.next('job.offer');
    revoked.control.send({ type: 'job.accept', executionId: id });
    const stream = await workerSocket(`/api/v1/executions/${id}/stream`, revoked.runnerToken, HubToRunner);
    await stream.next('exec.welcome');
    stream.send({ type: 'exec.events', events: [statusEvent(1, 'running')] });
    await stream.next('exec.ack');
    await eventually(async () => expect((await readExecution(id)).status).toBe('running'));

    const other = await connectedRunner({ labels: [label] });
    expect((await revoke(revoked.runnerId)).status).toBe(200);

    expect(await stream.next('exec.closed')).toMatchObject({ status: 'lost' });
    await eventually(() => stream.closed?.code === DISOWNED_CLOSE_CODE);
    const lost = await eventually(async () => {
      const execution = await readExecution(id);
      expect(execution.status).toBe('lost');
      return execution;
    });
    expect(lost.statusReason).toMatch(new RegExp(`runner ${revoked.runnerId} was revoked; retried as ex_`));
    const retry = await other.control.next('job.offer');
    expect(retry.job).toMatchObject({ attempt: 2, prompt: 'trust me', labels: [label] });
    expect(lost.statusReason).toContain(retry.job.executionId);
  });
});

/** The app with CLAUDEOPS_ADMIN_TOKEN as given (unset: the generated, stored token). */
function appWith(adminToken: string | undefined, path: string, init: RequestInit = {}): Promise<Response> {
  return Promise.resolve(
    app.request(new URL(path, BASE).toString(), init, { ...env, CLAUDEOPS_ADMIN_TOKEN: adminToken }),
  );
}

async function login(adminToken: string, envToken: string | undefined): Promise<string> {
  const response = await appWith(envToken, '/api/v1/sessions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: adminToken }),
  });
  expect(response.status).toBe(201);
  return (response.headers.get('set-cookie') ?? '').split(';')[0]!;
}

const me = (envToken: string | undefined, auth: { bearer?: string; cookie?: string }) =>
  appWith(envToken, '/api/v1/me', {
    headers: {
      ...(auth.bearer ? { authorization: `Bearer ${auth.bearer}` } : {}),
      ...(auth.cookie ? { cookie: auth.cookie } : {}),
    },
  });

describe('POST /api/v1/admin-token/rotate', () => {
  it('answers 409 when CLAUDEOPS_ADMIN_TOKEN sets the token', async () => {
    const response = await api('/api/v1/admin-token/rotate', { method: 'POST' });
    await expectError(response, 409, 'CONFLICT', 'the admin token is set by CLAUDEOPS_ADMIN_TOKEN; change it there');
  });

  it('replaces a generated admin token: the old one and every session stop working at once', async () => {
    const old = generateToken('admin');
    await rotateAdminToken(createDb(env.DB), await hashToken(old), 'test', Date.now());
    const cookie = await login(old, undefined);
    expect((await me(undefined, { cookie })).status).toBe(200);

    const rotated = await appWith(undefined, '/api/v1/admin-token/rotate', {
      method: 'POST',
      headers: { authorization: `Bearer ${old}` },
    });
    expect(rotated.status).toBe(200);
    const { token } = RotatedAdminToken.parse(await rotated.json());
    expect(token).toMatch(/^coa_/);
    const stored = await env.DB.prepare("SELECT token_hash FROM api_tokens WHERE kind = 'admin'").all();
    expect(JSON.stringify(stored.results)).not.toContain(token);

    expect((await me(undefined, { bearer: token })).status).toBe(200);
    await expectError(await me(undefined, { bearer: old }), 401, 'UNAUTHORIZED');
    await expectError(await me(undefined, { cookie }), 401, 'UNAUTHORIZED', 'log in again');
    const audit = await (await api('/api/v1/audit?action=admin_token.rotated')).json();
    // The test's own setup rotated once as `test`; the API call is audited as the admin who made it.
    expect(
      page(AuditEntry)
        .parse(audit)
        .items.map((entry) => entry.actor)
        .sort(),
    ).toEqual(['admin', 'test']);
  });

  it('is refused without the admin token', async () => {
    await expectError(await api('/api/v1/admin-token/rotate', { method: 'POST', token: null }), 401, 'UNAUTHORIZED');
    const runner = await connectedRunner({ labels: [uniqueLabel()] });
    const response = await api('/api/v1/admin-token/rotate', { method: 'POST', token: runner.runnerToken });
    await expectError(response, 403, 'FORBIDDEN');
  });
});

describe('a changed CLAUDEOPS_ADMIN_TOKEN', () => {
  it('ends the sessions made with the old value', async () => {
    const before = env.CLAUDEOPS_ADMIN_TOKEN!;
    const cookie = await login(before, before);
    expect((await me(before, { cookie })).status).toBe(200);
    const after = generateToken('admin');
    await expectError(await me(after, { cookie }), 401, 'UNAUTHORIZED');
    // A session made with the new value works under it.
    expect((await me(after, { cookie: await login(after, after) })).status).toBe(200);
  });
});
