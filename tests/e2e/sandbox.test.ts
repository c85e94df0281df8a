// The sandbox end to end: the real runner process confines the real Claude Code in bubblewrap (the default on a host
// where it works), whatever its Bash tool calls try; network policies and memory limits hold; the run still succeeds
// with the cost the scripted API's usage implies.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { ExecutionEvent } from '@claudeops/control-plane/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExecutionCgroup, hostCgroupLayout } from '../../apps/runner/src/sandbox/cgroups';
import { findExecutable, probeBubblewrap } from '../../apps/runner/src/sandbox/probe';
import { COMMANDS_USAGE } from '../fixtures/anthropic-sandbox-scripts';
import { processesIn } from '../fixtures/processes';
import type { RunnerProcess } from '../fixtures/runner-process';
import { type Stack, startStack } from '../fixtures/stack';
import { waitFor } from '../fixtures/wait';
import { REPO_ROOT } from '../../scripts/wrangler';

const MODEL = 'claude-sonnet-4-5';
/** Claude Sonnet 4.5 list prices in USD per token, which Claude Code uses for its total_cost_usd. */
const SONNET_4_5 = { input: 3e-6, output: 15e-6 };
const CALL_COST = COMMANDS_USAGE.input_tokens * SONNET_4_5.input + COMMANDS_USAGE.output_tokens * SONNET_4_5.output;

const bwrap = await findExecutable('bwrap', process.env.PATH);
const confined = bwrap ? (await probeBubblewrap(bwrap)).ok : false;
/** Whether this host lets the runner make cgroups with a memory limit (v2 delegated, or v1 writable). */
const layout = await hostCgroupLayout();
const probe = await createExecutionCgroup(layout, `claudeops-e2e-probe-${process.pid}`, { memoryMb: 64 });
await probe?.remove();

let stack: Stack;
let runner: RunnerProcess;
let home: string;
const servers: Server[] = [];
/** The model key the runner holds: Claude Code must never see it (the model proxy adds it on the way out). */
const REAL_KEY = `sk-ant-api03-${randomBytes(24).toString('hex')}`;
const CANARY = `ssh-canary-${randomBytes(8).toString('hex')}`;

const prompt = (text: string, commands: string[]) =>
  [`${text} [script:commands]`, ...commands.map((command) => `$ ${command}`)].join('\n');
const ofType = <T extends ExecutionEvent['type']>(events: ExecutionEvent[], type: T) =>
  events.filter((event): event is Extract<ExecutionEvent, { type: T }> => event.type === type);
const toolOutputs = (events: ExecutionEvent[]) => ofType(events, 'tool.result').map((event) => event.data.content);

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ port: number; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    handler!(req, res);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, hits };
}

describe.skipIf(!confined)('a sandboxed execution', () => {
  beforeAll(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'claudeops-sandbox-home-'));
    await mkdir(path.join(home, '.ssh'));
    await writeFile(path.join(home, '.ssh', 'canary'), CANARY);
    stack = await startStack();
    runner = await stack.startRunner({ env: { HOME: home, ANTHROPIC_API_KEY: REAL_KEY } });
  });

  afterAll(async () => {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    await stack?.dispose();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('cannot read the runner token or ~/.ssh, write outside its workspace or see the model key; it still succeeds', async () => {
    const tag = randomBytes(6).toString('hex');
    const outside = {
      tmp: path.join(os.tmpdir(), `claudeops-escape-${tag}`),
      checkout: path.join(REPO_ROOT, `claudeops-escape-${tag}`),
      state: path.join(runner.stateDir, `claudeops-escape-${tag}`),
    };
    const commands = [
      `cat ${path.join(runner.stateDir, 'runner.json')} || echo token-hidden`,
      `cat ${path.join(home, '.ssh', 'canary')} || echo canary-hidden`,
      `echo escaped > ${outside.tmp}; echo escaped > ${outside.checkout} || echo checkout-read-only`,
      // The state dir is an empty tmpfs inside: the write lands there, never on the host.
      `echo escaped > ${outside.state}`,
      'echo $ANTHROPIC_API_KEY; echo -n $ANTHROPIC_API_KEY | base64',
      'echo inside > inside.txt && echo wrote-inside',
    ];
    const created = await stack.api.createExecution({ prompt: prompt('Try to escape.', commands), model: MODEL });
    const done = await stack.waitForEnd(created.id);
    expect(done.status).toBe('succeeded');
    expect(done.sandbox).toBe('bubblewrap');

    // Only the write inside the workspace landed.
    expect(await readFile(path.join(runner.workspacesDir, created.id, 'inside.txt'), 'utf8')).toBe('inside\n');
    for (const file of Object.values(outside)) expect(existsSync(file)).toBe(false);

    const events = await stack.api.allEvents(created.id);
    expect(ofType(events, 'log').map((event) => event.data.message)).toContain(
      'sandbox: bubblewrap, network open, no limits',
    );
    const outputs = toolOutputs(events).join('\n');
    // A checkout below /tmp is inside the run's private /tmp: the write lands there, not on the host (checked above).
    const checkoutInTmp = !path.relative(os.tmpdir(), REPO_ROOT).startsWith('..');
    const refusals = checkoutInTmp ? [] : ['checkout-read-only'];
    for (const word of ['token-hidden', 'canary-hidden', ...refusals, 'wrote-inside']) {
      expect(outputs).toContain(word);
    }
    // Nothing of what it tried to read reached any stored event, in plain text or base64.
    const stored = JSON.stringify(events);
    const token = JSON.parse(await readFile(path.join(runner.stateDir, 'runner.json'), 'utf8')) as object;
    const tokens = secretsIn(token);
    expect(tokens.length).toBeGreaterThan(0);
    for (const secret of [CANARY, REAL_KEY, Buffer.from(REAL_KEY).toString('base64'), ...tokens]) {
      expect(stored).not.toContain(secret);
    }
    // Six tool calls and the final answer: seven API calls, each priced as the script's usage says.
    const [result] = ofType(events, 'result');
    expect(result?.data.numTurns).toBe(7);
    expect(result?.data.totalCostUsd).toBeCloseTo(7 * CALL_COST, 10);
    expect(done.costUsd).toBe(result?.data.totalCostUsd);
  });

  it('model-only: the model calls work, another server on the host is out of reach', async () => {
    const other = await listen((_req, res) => res.end('reached the host'));
    const created = await stack.api.createExecution({
      prompt: prompt('Call home.', [
        `curl -sS --max-time 5 http://127.0.0.1:${other.port}/ || echo host-unreachable`,
        `node -e "fetch('http://127.0.0.1:${other.port}/').then(() => console.log('fetched'), () => console.log('fetch-failed'))"`,
      ]),
      model: MODEL,
      network: 'model-only',
    });
    const done = await stack.waitForEnd(created.id);
    expect(done.status).toBe('succeeded');
    const outputs = toolOutputs(await stack.api.allEvents(created.id)).join('\n');
    expect(outputs).toContain('host-unreachable');
    expect(outputs).toContain('fetch-failed');
    expect(other.hits).toEqual([]);
  });

  it('an allow-list reaches a listed host through the runner proxy and gets 403 for any other', async () => {
    const site = await listen((_req, res) => res.end('allowed site'));
    const curl = `curl -sS --max-time 5 --noproxy '' -x "$HTTPS_PROXY"`;
    const created = await stack.api.createExecution({
      prompt: prompt('Fetch.', [
        `${curl} http://localhost:${site.port}/listed`,
        `${curl} -o /dev/null -w 'status=%{http_code}' http://127.0.0.1:${site.port}/unlisted`,
      ]),
      model: MODEL,
      network: { allow: ['localhost'] },
    });
    const done = await stack.waitForEnd(created.id);
    expect(done.status).toBe('succeeded');
    const events = await stack.api.allEvents(created.id);
    const outputs = toolOutputs(events).join('\n');
    expect(outputs).toContain('allowed site');
    expect(outputs).toContain('status=403');
    expect(site.hits).toEqual(['/listed']);
    expect(ofType(events, 'log').map((event) => event.data.message)).toContain(
      "network: 127.0.0.1 is not in this execution's allow-list (403)",
    );
  });

  it('a cancel ends every process of the sandboxed run, a background one included', async () => {
    // Claude Code refuses long sleeps, so node waits instead.
    const wait = `node -e "setTimeout(() => {}, 300000)"`;
    const created = await stack.api.createExecution({
      prompt: prompt('Wait.', [`${wait} > /dev/null 2>&1 & echo started-bg`, `echo started > fg.started; ${wait}`]),
      model: MODEL,
    });
    const workspace = path.join(runner.workspacesDir, created.id);
    await waitFor(() => existsSync(path.join(workspace, 'fg.started')), {
      what: 'the foreground wait',
      timeoutMs: 120_000,
    });
    expect((await processesIn(workspace)).length).toBeGreaterThan(0);
    expect((await stack.api.cancel(created.id)).status).toBe(202);
    const done = await stack.waitForEnd(created.id);
    expect(done.status).toBe('cancelled');
    await waitFor(async () => (await processesIn(workspace)).length === 0, { what: 'every process of the run to end' });
  });

  it.skipIf(!probe)('ends a run that goes past its memory limit with a reason naming the limit', async () => {
    const hog = `node -e "const a = []; for (;;) a.push(Buffer.alloc(1 << 24, 1))"`;
    const created = await stack.api.createExecution({
      prompt: prompt('Use memory.', [hog, 'echo after']),
      model: MODEL,
      limits: { memoryMb: 768 },
    });
    const done = await stack.waitForEnd(created.id);
    expect(done.status).toBe('failed');
    expect(done.statusReason).toBe('memory limit of 768 MB exceeded');
  });
});

/** The runner tokens in a parsed runner.json, wherever they are nested. */
function secretsIn(value: unknown): string[] {
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    key === 'runnerToken' && typeof inner === 'string' ? [inner] : secretsIn(inner),
  );
}
