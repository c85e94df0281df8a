// Unit tests of the model proxy's credentials: whatever Claude Code sends, the model API gets the runner's real
// credential of each kind, and a runner without one answers Claude Code itself; and of where that credential is read.
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  customHeaders,
  envCredential,
  modelCredentialSource,
  OAUTH_BETA,
  PLACEHOLDER_API_KEY,
  type ModelCredential,
} from './model-credential';
import { startModelProxy, type ModelProxy } from './model-proxy';

const ID = 'ex_credentials';
let server: Server;
let seen: IncomingHttpHeaders[];
let upstreamUrl: string;
let proxy: ModelProxy | undefined;

beforeEach(async () => {
  seen = [];
  server = createServer((req, res) => {
    seen.push(req.headers);
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  upstreamUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function through(
  credential: ModelCredential | null,
  headers: Record<string, string>,
  extra: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  proxy = await startModelProxy({
    upstream: upstreamUrl,
    execution: (id) => (id === ID ? { requestPermit: async () => ({ allowed: true, reason: null }) } : undefined),
    credential: () => credential,
    headers: extra,
  });
  const response = await fetch(`${proxy.baseUrl(ID)}/v1/messages`, { method: 'POST', headers, body: '{}' });
  return { status: response.status, body: await response.text() };
}

/** What Claude Code sends with the placeholder, plus credentials a run might try to slip in itself. */
const AGENT_HEADERS = {
  'x-api-key': PLACEHOLDER_API_KEY,
  authorization: 'Bearer sk-ant-made-up-by-the-agent',
  'anthropic-beta': 'fine-grained-tool-streaming-2025-05-14',
  'anthropic-version': '2023-06-01',
};

describe('the model proxy and the runner credential', () => {
  it('replaces the placeholder with the runner API key and drops an Authorization the agent sent', async () => {
    const reply = await through(
      { kind: 'api-key', value: 'sk-ant-api03-real', source: 'ANTHROPIC_API_KEY' },
      AGENT_HEADERS,
    );
    expect(reply.status).toBe(200);
    expect(seen[0]).toMatchObject({ 'x-api-key': 'sk-ant-api03-real', 'anthropic-version': '2023-06-01' });
    expect(seen[0]!.authorization).toBeUndefined();
    expect(seen[0]!['anthropic-beta']).toBe('fine-grained-tool-streaming-2025-05-14');
  });

  it('sends ANTHROPIC_AUTH_TOKEN as a bearer token, and no x-api-key at all', async () => {
    await through({ kind: 'auth-token', value: 'gateway-token-1234', source: 'ANTHROPIC_AUTH_TOKEN' }, AGENT_HEADERS);
    expect(seen[0]!.authorization).toBe('Bearer gateway-token-1234');
    expect(seen[0]!['x-api-key']).toBeUndefined();
  });

  it('sends an OAuth token as a bearer token with the oauth beta flag added to the agent’s flags', async () => {
    await through({ kind: 'oauth', value: 'sk-ant-oat01-login', source: 'CLAUDE_CODE_OAUTH_TOKEN' }, AGENT_HEADERS);
    expect(seen[0]!.authorization).toBe('Bearer sk-ant-oat01-login');
    expect(seen[0]!['x-api-key']).toBeUndefined();
    expect(seen[0]!['anthropic-beta']).toBe(`fine-grained-tool-streaming-2025-05-14,${OAUTH_BETA}`);
  });

  it('adds the runner’s custom headers, which Claude Code never sees', async () => {
    const credential: ModelCredential = { kind: 'api-key', value: 'sk-ant-api03-real', source: 'ANTHROPIC_API_KEY' };
    await through(credential, AGENT_HEADERS, customHeaders({ ANTHROPIC_CUSTOM_HEADERS: 'X-Gateway-Key: gw-1\nbad' }));
    expect(seen[0]).toMatchObject({ 'x-gateway-key': 'gw-1', 'x-api-key': 'sk-ant-api03-real' });
  });

  it('answers Claude Code itself, without a retry, when the runner has no credential', async () => {
    const reply = await through(null, AGENT_HEADERS);
    expect(seen).toHaveLength(0);
    expect(reply.status).toBe(401);
    expect(JSON.parse(reply.body)).toMatchObject({ error: { type: 'authentication_error' } });
    expect(reply.body).toContain('the runner has no model credentials');
  });
});

describe('the runner credential', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'claudeops-credential-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("follows Claude Code's precedence over the variables, ignoring empty ones and the placeholder", () => {
    expect(envCredential({ ANTHROPIC_API_KEY: 'key-1', ANTHROPIC_AUTH_TOKEN: 'token-1' })).toMatchObject({
      kind: 'auth-token',
      value: 'token-1',
    });
    expect(envCredential({ ANTHROPIC_AUTH_TOKEN: ' ', CLAUDE_CODE_OAUTH_TOKEN: 'oat-1' })).toMatchObject({
      kind: 'oauth',
      source: 'CLAUDE_CODE_OAUTH_TOKEN',
    });
    expect(envCredential({ ANTHROPIC_API_KEY: PLACEHOLDER_API_KEY })).toBeNull();
  });

  it("reads `claude login`'s token from the credentials file, again when the file changes", async () => {
    const file = join(dir, '.credentials.json');
    const source = modelCredentialSource({ CLAUDE_CONFIG_DIR: dir });
    expect(source.current()).toBeNull();
    await writeFile(file, JSON.stringify({ claudeAiOauth: { accessToken: 'sk-ant-oat01-first', expiresAt: 1 } }));
    expect(source.current()).toEqual({ kind: 'oauth', value: 'sk-ant-oat01-first', source: file });
    await writeFile(file, JSON.stringify({ claudeAiOauth: { accessToken: 'sk-ant-oat01-refreshed-token' } }));
    expect(source.current()?.value).toBe('sk-ant-oat01-refreshed-token');
    await writeFile(file, 'not json');
    expect(source.current()).toBeNull();
  });

  it('prefers a variable to the credentials file', async () => {
    await writeFile(join(dir, '.credentials.json'), JSON.stringify({ claudeAiOauth: { accessToken: 'oat-file' } }));
    const source = modelCredentialSource({ CLAUDE_CONFIG_DIR: dir, ANTHROPIC_API_KEY: 'sk-ant-env' });
    expect(source.current()).toMatchObject({ kind: 'api-key', value: 'sk-ant-env' });
  });
});
