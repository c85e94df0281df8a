// Tests of the runner's patch upload against a loopback server: the request the control plane receives, and errors.
import type { IncomingHttpHeaders } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, uploadPatch } from './api-client';
import { executionId, startFakeServer, type FakeServer } from '../testing/test-helpers';

let server: FakeServer | undefined;
afterEach(() => server?.close());

describe('uploadPatch', () => {
  it('PUTs the patch as text/x-diff with the runner token and the truncation header', async () => {
    const received: Array<{ method?: string; url?: string; headers: IncomingHttpHeaders; body: string }> = [];
    server = await startFakeServer({
      onConnection: () => undefined,
      onRequest: (req, body) => {
        received.push({ method: req.method, url: req.url, headers: req.headers, body });
        return { status: 204, body: null };
      },
    });
    const patch = { text: 'diff --git a/x b/x\n+héllo\n', bytes: 2_000_000, truncated: true };
    await uploadPatch(`${server.url}/prefix/`, 'cor_token', executionId(1), patch);
    expect(received).toEqual([
      {
        method: 'PUT',
        url: `/prefix/api/v1/executions/${executionId(1)}/patch`,
        headers: expect.objectContaining({
          authorization: 'Bearer cor_token',
          'content-type': 'text/x-diff; charset=utf-8',
          'x-claudeops-patch-truncated': 'true',
        }),
        body: patch.text,
      },
    ]);
  });

  it("throws the API's error, or NETWORK when nothing answers", async () => {
    server = await startFakeServer({
      onConnection: () => undefined,
      onRequest: () => ({ status: 403, body: { error: { code: 'FORBIDDEN', message: 'not your execution' } } }),
    });
    const patch = { text: '', bytes: 0, truncated: false };
    await expect(uploadPatch(server.url, 't', executionId(2), patch)).rejects.toMatchObject({
      code: 'FORBIDDEN',
      status: 403,
      message: 'not your execution',
    });
    const url = server.url;
    await server.close();
    server = undefined;
    const error = await uploadPatch(url, 't', executionId(2), patch).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'NETWORK' });
  });
});
