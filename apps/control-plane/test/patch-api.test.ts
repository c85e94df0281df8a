// The execution's patch: its runner uploads it (PUT, text/x-diff, up to 1 MiB, also after the log has closed), the
// admin reads it back byte for byte (GET); nobody else may upload, and a patch over the cap is refused.
import { describe, expect, it } from 'vitest';
import { MAX_PATCH_BYTES, PATCH_TRUNCATED_HEADER } from '../src/protocol';
import { api, ADMIN_TOKEN, expectError, registerRunner } from './api-support';
import { createExecution, EXECUTIONS, setStatus } from './attempts-support';
import { hubOf } from './do-support';
import { PATCH_CHUNK_BYTES } from '../src/durable-objects/hub-patch';

const DIFF = `diff --git a/hello.txt b/hello.txt
new file mode 100644
--- /dev/null
+++ b/hello.txt
@@ -0,0 +1 @@
+hello, world ✓
`;

type Upload = { token: string; body: string | Uint8Array; type?: string; truncated?: string };

function putPatch(id: string, upload: Upload): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': upload.type ?? 'text/x-diff' };
  if (upload.truncated !== undefined) headers[PATCH_TRUNCATED_HEADER] = upload.truncated;
  return api(`${EXECUTIONS}/${id}/patch`, { method: 'PUT', token: upload.token, headers, body: upload.body });
}

const getPatch = (id: string, token: string = ADMIN_TOKEN) => api(`${EXECUTIONS}/${id}/patch`, { token });

/** An execution assigned to a freshly registered runner. */
async function assigned() {
  const runner = await registerRunner();
  const { id } = await createExecution();
  await setStatus(id, 'assigned', runner.runnerId);
  return { id, runner };
}

describe('patch upload and download', () => {
  it('stores what the runner uploads and serves it back as text/x-diff', async () => {
    const { id, runner } = await assigned();
    await expectError(await getPatch(id), 404, 'NOT_FOUND', 'has no patch');

    const put = await putPatch(id, { token: runner.runnerToken, body: DIFF });
    expect(put.status).toBe(204);
    const got = await getPatch(id);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toMatch(/^text\/x-diff/);
    expect(got.headers.get(PATCH_TRUNCATED_HEADER)).toBe('false');
    expect(await got.text()).toBe(DIFF);
  });

  it('keeps a patch across chunks byte for byte, replaces it on a new upload, and keeps the truncated flag', async () => {
    const { id, runner } = await assigned();
    // Every byte value, at every offset modulo 251, so a chunk that lands out of place shows.
    const big = new Uint8Array(PATCH_CHUNK_BYTES * 2 + 123).map((_, i) => i % 251);
    expect((await putPatch(id, { token: runner.runnerToken, body: big, truncated: 'true' })).status).toBe(204);
    const got = await getPatch(id);
    expect(got.headers.get(PATCH_TRUNCATED_HEADER)).toBe('true');
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(big);

    expect((await putPatch(id, { token: runner.runnerToken, body: DIFF })).status).toBe(204);
    const replaced = await getPatch(id);
    expect(replaced.headers.get(PATCH_TRUNCATED_HEADER)).toBe('false');
    expect(await replaced.text()).toBe(DIFF);
  });

  it('takes the upload after the execution has ended and its log is closed', async () => {
    const { id, runner } = await assigned();
    await hubOf(id).close(id, 'failed', 'exit 1');
    expect((await putPatch(id, { token: runner.runnerToken, body: DIFF })).status).toBe(204);
    expect(await (await getPatch(id)).text()).toBe(DIFF);
  });

  it('accepts a patch of exactly the cap and refuses one byte more', async () => {
    const { id, runner } = await assigned();
    const atCap = new Uint8Array(MAX_PATCH_BYTES).fill(0x2b);
    expect((await putPatch(id, { token: runner.runnerToken, body: atCap })).status).toBe(204);
    expect((await (await getPatch(id)).arrayBuffer()).byteLength).toBe(MAX_PATCH_BYTES);

    const over = new Uint8Array(MAX_PATCH_BYTES + 1);
    await expectError(await putPatch(id, { token: runner.runnerToken, body: over }), 413, 'PAYLOAD_TOO_LARGE');
    expect((await (await getPatch(id)).arrayBuffer()).byteLength).toBe(MAX_PATCH_BYTES);
  });
});

describe('who may upload and read', () => {
  it('lets only the execution’s own runner upload, and only the admin read', async () => {
    const { id, runner } = await assigned();
    const other = await registerRunner({ name: 'other' });
    await expectError(await putPatch(id, { token: other.runnerToken, body: DIFF }), 403, 'FORBIDDEN', 'not assigned');
    await expectError(await putPatch(id, { token: ADMIN_TOKEN, body: DIFF }), 403, 'FORBIDDEN', 'runner token');
    const anonymous = await api(`${EXECUTIONS}/${id}/patch`, {
      method: 'PUT',
      token: null,
      headers: { 'content-type': 'text/x-diff' },
      body: DIFF,
    });
    await expectError(anonymous, 401, 'UNAUTHORIZED');

    expect((await putPatch(id, { token: runner.runnerToken, body: DIFF })).status).toBe(204);
    await expectError(await getPatch(id, runner.runnerToken), 403, 'FORBIDDEN', 'admin token');
    await expectError(await getPatch(id, other.runnerToken), 403, 'FORBIDDEN');
  });

  it('refuses an upload before any runner was assigned', async () => {
    const runner = await registerRunner();
    const { id } = await createExecution();
    await expectError(await putPatch(id, { token: runner.runnerToken, body: DIFF }), 403, 'FORBIDDEN', 'not assigned');
  });

  it('answers 404 for an execution that does not exist', async () => {
    const runner = await registerRunner();
    const missing = `ex_${'6'.repeat(26)}`;
    await expectError(await putPatch(missing, { token: runner.runnerToken, body: DIFF }), 404, 'NOT_FOUND');
    await expectError(await getPatch(missing), 404, 'NOT_FOUND', 'does not exist');
  });
});
