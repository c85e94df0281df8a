// Credentials end to end, with the real runner process, the real Claude Code and the scripted model: every model call
// arrives with the runner's real credential while Claude Code's own environment holds only the placeholder; a runner
// secret reaches a run only when its template names it, and never a stored event (plain, base64 or hex); no token is
// on any process's command line.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ExecutionEvent } from '@claudeops/control-plane/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OAUTH_BETA, PLACEHOLDER_API_KEY } from '../../apps/runner/src/proxy/model-credential';
import type { RecordedRequest } from '../fixtures/scripted-anthropic';
import type { RunnerProcess } from '../fixtures/runner-process';
import { type Stack, startStack } from '../fixtures/stack';

const MODEL = 'claude-sonnet-4-5';
const REAL_KEY = `sk-ant-api03-${randomBytes(24).toString('base64url')}`;
const NPM_TOKEN = `npm_${randomBytes(18).toString('hex')}`;
const OAUTH_TOKEN = `sk-ant-oat01-${randomBytes(24).toString('base64url')}`;

let stack: Stack;
let runner: RunnerProcess;
const dirs: string[] = [];

/** The text of the tool result Claude Code sent back in a request: what the tool printed, unredacted. */
function toolResultIn(request: RecordedRequest): string {
  const messages = (request.body as { messages?: Array<{ role: string; content: unknown }> }).messages ?? [];
  const content = messages.at(-1)?.content;
  const block = Array.isArray(content)
    ? (content as Array<{ type?: string; content?: unknown }>).findLast((item) => item.type === 'tool_result')
    : undefined;
  const inner = block?.content;
  if (typeof inner === 'string') return inner;
  return Array.isArray(inner) ? inner.map((item: { text?: string }) => item.text ?? '').join('\n') : '';
}

/** The agent-loop calls of one execution, by the session Claude Code ran it in. */
async function callsOf(executionId: string): Promise<RecordedRequest[]> {
  const events = await stack.api.allEvents(executionId);
  const init = events.find((event): event is Extract<ExecutionEvent, { type: 'system.init' }> => {
    return event.type === 'system.init';
  });
  expect(init).toBeDefined();
  return stack.anthropic.requests.filter((r) => r.kind === 'messages' && r.sessionId === init!.data.sessionId);
}

/** The command line of a process, as `ps` shows it to every user of the machine. */
const cmdline = async (pid: number) => (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ');

async function runTemplate(name: string, secrets: string[] | undefined): Promise<string> {
  await stack.api.json('POST', '/api/v1/agents', {
    name,
    prompt: 'Show what you can see [script:credentials]',
    ...(secrets && { secrets }),
  });
  const created = await stack.api.createExecution({ agent: name, model: MODEL });
  const done = await stack.waitForEnd(created.id);
  expect(done.status, done.statusReason ?? '').toBe('succeeded');
  return created.id;
}

describe('credentials', () => {
  beforeAll(async () => {
    stack = await startStack();
    runner = await stack.startRunner({
      env: { ANTHROPIC_API_KEY: REAL_KEY, NPM_TOKEN, CLAUDEOPS_RUNNER_SECRETS: 'NPM_TOKEN' },
    });
  });

  afterAll(async () => {
    await stack?.dispose();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("sends every model call with the runner's key, while Claude Code sees only the placeholder", async () => {
    const id = await runTemplate('show-env', undefined);
    const calls = await callsOf(id);
    expect(calls.length).toBe(3);
    for (const call of calls) {
      expect(call.credential).toEqual(expect.objectContaining({ apiKey: REAL_KEY, authorization: null }));
    }
    // What `env` printed inside the run, as Claude Code handed it to the model.
    const env = toolResultIn(calls.find((call) => call.turn === 1)!);
    expect(env).toMatch(/^PATH=/m);
    expect(env).toContain(`ANTHROPIC_API_KEY=${PLACEHOLDER_API_KEY}`);
    expect(env).not.toContain(REAL_KEY);
    expect(env).not.toContain('sk-ant-test-offline');
    for (const line of env
      .split('\n')
      .filter((l) => /^(ANTHROPIC_API_KEY|ANTHROPIC_AUTH_TOKEN|CLAUDE_CODE_OAUTH_TOKEN)=/.test(l))) {
      expect(line).toBe(`ANTHROPIC_API_KEY=${PLACEHOLDER_API_KEY}`);
    }
    // No runner secret the template did not name, nothing of the runner's own but the cookie that marks the run.
    expect(env).not.toMatch(/^(NPM_TOKEN|CLAUDEOPS_(?!RUN_COOKIE=)[A-Z_]+)=/m);
    expect(JSON.stringify(await stack.api.allEvents(id))).not.toContain(REAL_KEY);
  });

  it('gives NPM_TOKEN to a template that names it, redacted in every stored form, and not to one that does not', async () => {
    const named = await runTemplate('npm-publisher', ['NPM_TOKEN']);
    const shown = toolResultIn((await callsOf(named)).find((call) => call.turn === 2)!);
    const base64 = Buffer.from(NPM_TOKEN).toString('base64');
    const hex = Buffer.from(NPM_TOKEN).toString('hex');
    expect(shown).toContain(`npm=${NPM_TOKEN}`);
    expect(shown).toContain(`b64=${base64}`);
    expect(shown).toContain(`hex=${hex}`);
    const stored = JSON.stringify(await stack.api.allEvents(named));
    for (const form of [NPM_TOKEN, base64, base64.replace(/=+$/, ''), hex]) expect(stored).not.toContain(form);
    expect(stored).toContain('npm=[REDACTED]');
    expect(stored).toContain('b64=[REDACTED]');
    expect(stored).toContain('hex=[REDACTED]');

    const unnamed = await runTemplate('no-secrets', []);
    expect(toolResultIn((await callsOf(unnamed)).find((call) => call.turn === 2)!)).toContain('npm=absent');
  });

  it('fails a run whose template names a secret the runner does not have, saying which', async () => {
    await stack.api.json('POST', '/api/v1/agents', {
      name: 'wants-sentry',
      prompt: 'Show what you can see [script:credentials]',
      secrets: ['SENTRY_TOKEN'],
    });
    const created = await stack.api.createExecution({ agent: 'wants-sentry', model: MODEL });
    const done = await stack.waitForEnd(created.id);
    expect(done.status).toBe('failed');
    expect(done.statusReason).toMatch(/this runner has no secret SENTRY_TOKEN/);
  });

  it("uses `claude login`'s token as an OAuth bearer with its beta flag when the runner has no key", async () => {
    const home = await mkdtemp(path.join(os.tmpdir(), 'claudeops-login-home-'));
    dirs.push(home);
    await mkdir(path.join(home, '.claude'));
    const credentials = {
      claudeAiOauth: { accessToken: OAUTH_TOKEN, refreshToken: 'r', expiresAt: Date.now() + 3600e3 },
    };
    await writeFile(path.join(home, '.claude', '.credentials.json'), JSON.stringify(credentials), { mode: 0o600 });
    const loggedIn = await stack.startRunner({
      labels: ['logged-in'],
      env: { HOME: home, ANTHROPIC_API_KEY: '' },
    });
    const created = await stack.api.createExecution({
      prompt: 'Show what you can see [script:credentials]',
      model: MODEL,
      labels: ['logged-in'],
    });
    const done = await stack.waitForEnd(created.id);
    expect(done.status, done.statusReason ?? '').toBe('succeeded');
    const calls = await callsOf(created.id);
    expect(calls.length).toBe(3);
    for (const call of calls) {
      expect(call.credential.apiKey).toBeNull();
      expect(call.credential.authorization).toBe(`Bearer ${OAUTH_TOKEN}`);
      expect(call.credential.beta?.split(',')).toContain(OAUTH_BETA);
    }
    const env = toolResultIn(calls.find((call) => call.turn === 1)!);
    expect(env).not.toContain(OAUTH_TOKEN);
    expect(JSON.stringify(await stack.api.allEvents(created.id))).not.toContain(OAUTH_TOKEN);
    await loggedIn.stop();
  });

  it('puts no token on the command line of the runner, wrangler or any other process', async () => {
    const saved = JSON.parse(await readFile(path.join(runner.stateDir, 'runner.json'), 'utf8')) as unknown;
    const runnerTokens = JSON.stringify(saved).match(/cor_[A-Za-z0-9_-]+/g) ?? [];
    expect(runnerTokens.length).toBeGreaterThan(0);
    for (const pid of [runner.pid, stack.controlPlane.process.pid]) {
      expect(await cmdline(pid)).not.toMatch(/co[agrs]_[A-Za-z0-9_-]{20}/);
    }
    // Every process of this machine, Claude Code's and wrangler's workers included.
    const secrets = [stack.controlPlane.adminToken, REAL_KEY, NPM_TOKEN, ...runnerTokens];
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const line = await cmdline(Number(entry)).catch(() => '');
      for (const secret of secrets) expect(line.includes(secret), `process ${entry}: ${line.slice(0, 80)}`).toBe(false);
    }
  });
});
