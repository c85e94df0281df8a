// `claudeops` end to end: the real binary as a child process against wrangler dev, a real runner and the real
// Claude Code on the scripted Anthropic API. Exit codes of run -f, logs -f across a cut connection, approvals,
// runners add, login, one-sentence errors, no escape codes off a terminal, and --json that parses.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Approval, ExecutionEvent, RunnerView } from '@claudeops/control-plane/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/wrangler';
import { startChild } from '../fixtures/child';
import { runCli, startCli, type CliOptions, type CliResult } from '../fixtures/cli';
import { claudeEnv } from '../fixtures/runner-process';
import { type Stack, startStack } from '../fixtures/stack';
import { startTcpProxy, type TcpProxy } from '../fixtures/tcp-proxy';
import { assertContiguous } from '../fixtures/viewer';
import { waitFor } from '../fixtures/wait';

const MODEL = 'claude-sonnet-4-5';
const ESC = String.fromCharCode(27);

let stack: Stack;
/** Between the CLI and the control plane only (the runners have the stack's own proxy). */
let cliProxy: TcpProxy;
let openGate: () => void = () => {};
const gate = new Promise<void>((resolve) => (openGate = resolve));
const dirs: string[] = [];

beforeAll(async () => {
  stack = await startStack({
    anthropic: {
      scripts: {
        // Two quick steps, then a turn held until the test opens the gate, then a final answer.
        'cli-gate': ({ turn }) =>
          turn < 2
            ? {
                blocks: [
                  { type: 'text', text: `Gate step ${turn + 1}.` },
                  { type: 'tool_use', name: 'Bash', input: { command: `echo gate-${turn + 1}`, description: 'Echo' } },
                ],
              }
            : { blocks: [{ type: 'text', text: 'Through the gate.' }], delay: turn === 2 ? gate : 0 },
      },
    },
  });
  await stack.startRunner({ maxConcurrent: 3 });
  cliProxy = await startTcpProxy(stack.controlPlane.port);
  await stack.api.json('POST', '/api/v1/agents', {
    name: 'cli-asks-writes',
    prompt: 'Create cli.txt [script:write-tool:cli.txt]',
    model: MODEL,
    permissions: { allow: ['Read', 'Glob', 'Grep'], ask: ['Write'], deny: [] },
  });
  await stack.api.json('POST', '/api/v1/agents', {
    name: 'cli-wants-secret',
    prompt: 'Show what you can see [script:credentials]',
    model: MODEL,
    secrets: ['SENTRY_TOKEN'],
  });
});

afterAll(async () => {
  openGate();
  await cliProxy?.close();
  await stack?.dispose();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const admin = (): CliOptions => ({ url: stack.controlPlane.url, token: stack.controlPlane.adminToken });
const cli = (args: string[], options: CliOptions = {}) => runCli(args, { ...admin(), ...options }, 150_000);
const json = <T>(result: CliResult): T => {
  expect(result.stderr).not.toMatch(/^claudeops: /m);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as T;
};
const ndjson = (text: string) =>
  text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as ExecutionEvent);
/** The execution id `run -f` announces on stderr. */
const startedId = (stderr: string) => /started (ex_[0-9a-z]{26})/.exec(stderr)?.[1];
const noEscapes = (result: CliResult) => expect(result.stdout + result.stderr).not.toContain(ESC);

describe('claudeops run -f', () => {
  it('follows a real Claude Code run to success: exit 0, the assistant text on stdout, a status line on stderr', async () => {
    const result = await cli(['run', 'Write the greeting file. [script:write-file]', '--model', MODEL, '-f']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("I'll write hello.txt.");
    expect(result.stdout).toContain('Done: hello.txt now says hello.');
    expect(result.stdout).toContain('→ Bash: ');
    expect(result.stderr).toMatch(/ex_[0-9a-z]{26} · succeeded · \$\d+\.\d+ · 2 turns/);
    noEscapes(result);

    // Its export bundle, in each format: JSON on stdout, Markdown and HTML into files.
    const id = startedId(result.stderr)!;
    const bundle = json<Record<string, unknown>>(await cli(['export', id]));
    expect(JSON.stringify(bundle)).toContain('Done: hello.txt now says hello.');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'claudeops-cli-export-'));
    dirs.push(dir);
    for (const format of ['md', 'html']) {
      const file = path.join(dir, `run.${format}`);
      const exported = await cli(['export', id, '--format', format, '-o', file]);
      expect(exported.code).toBe(0);
      expect(exported.stdout).toBe('');
      expect(await readFile(file, 'utf8')).toContain('Done: hello.txt now says hello.');
    }
    expect((await cli(['export', id, '--format', 'pdf'])).code).toBe(64);
  });

  it('exits 1 when the execution fails, saying why', async () => {
    const result = await cli(['run', '--agent', 'cli-wants-secret', '-f']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/failed: .*SENTRY_TOKEN/);
  });

  it('exits 2 when the execution is cancelled with claudeops cancel, and retry starts a new attempt', async () => {
    const follower = startCli(['run', 'Take your time. [script:slow]', '--model', MODEL, '-f'], admin());
    try {
      const id = await waitFor(() => startedId(follower.stderr()), { what: 'run -f to print the id' });
      await stack.waitForStatus(id, (e) => e.status === 'running');
      const cancelled = await cli(['cancel', id]);
      expect(cancelled.code).toBe(0);
      expect(cancelled.stdout).toContain(id);
      const result = await follower.done;
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/cancelled/);

      // retry starts attempt 2 and prints its id; it is cancelled too (the slow script waits for that).
      const retried = await cli(['retry', id]);
      expect(retried.code).toBe(0);
      const retryId = retried.stdout.trim();
      expect(retryId).toMatch(/^ex_[0-9a-z]{26}$/);
      expect(retryId).not.toBe(id);
      const detail = json<{ attempt: number; attempts: Array<{ id: string }> }>(
        await cli(['status', retryId, '--json']),
      );
      expect(detail.attempt).toBe(2);
      expect(detail.attempts.map((a) => a.id)).toEqual([id, retryId]);
      await stack.waitForStatus(retryId, (e) => e.status === 'running');
      expect((await cli(['cancel', retryId])).code).toBe(0);
      expect((await cli(['logs', retryId, '-f'])).code).toBe(2);
    } finally {
      await follower.kill();
    }
  });

  it('prints --json as one event per line and only the id without -f', async () => {
    const id = (await cli(['run', 'Say cli-hello [script:echo]', '--model', MODEL])).stdout.trim();
    expect(id).toMatch(/^ex_[0-9a-z]{26}$/);
    await stack.waitForEnd(id);
    const logs = await cli(['logs', id, '--json']);
    expect(logs.code).toBe(0);
    const events = ndjson(logs.stdout);
    assertContiguous(events);
    expect(events).toEqual(await stack.api.allEvents(id));
    const listed = json<{ items: Array<{ id: string }> }>(await cli(['ls', '-q', 'cli-hello', '--json']));
    expect(listed.items.map((e) => e.id)).toEqual([id]);
  });
});

describe('claudeops logs -f', () => {
  it('prints every seq exactly once across a dropped connection, and exits 0', async () => {
    const created = await stack.api.createExecution({ prompt: 'Through the gate [script:cli-gate]', model: MODEL });
    const follower = startCli(['logs', created.id, '-f', '--json'], { ...admin(), url: cliProxy.url });
    try {
      await waitFor(() => follower.stdout().includes('Gate step 2.'), { timeoutMs: 90_000, what: 'the second step' });
      const before = cliProxy.accepted;
      expect(cliProxy.cutAll()).toBeGreaterThan(0);
      // The CLI comes back on its own, resuming after the last seq it printed.
      await waitFor(() => cliProxy.accepted > before, { timeoutMs: 30_000, what: 'the CLI to reconnect' });
      openGate();
      const result = await follower.done;
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/connection lost .*resuming after seq \d+/);
      const printed = ndjson(result.stdout);
      assertContiguous(printed);
      expect(printed).toEqual(await stack.api.allEvents(created.id));
      expect(printed.some((e) => e.type === 'assistant.text' && e.data.text === 'Through the gate.')).toBe(true);
    } finally {
      openGate();
      await follower.kill();
    }
  });
});

describe('claudeops approvals and approve', () => {
  it('exits 4 off a terminal when an approval waits, lists it, approves it, and the run then succeeds', async () => {
    const waiting = await cli(['run', '--agent', 'cli-asks-writes', '-f']);
    expect(waiting.code).toBe(4);
    const approvalId = /claudeops approve (ap_[0-9a-z]{26})/.exec(waiting.stderr)?.[1];
    expect(approvalId).toBeDefined();
    const id = startedId(waiting.stderr)!;

    const pending = json<{ items: Approval[] }>(await cli(['approvals', '--json']));
    expect(pending.items).toContainEqual(expect.objectContaining({ id: approvalId, executionId: id, tool: 'Write' }));
    const table = await cli(['approvals']);
    expect(table.stdout).toContain(approvalId);

    const approved = await cli(['approve', approvalId!, '--message', 'fine by the CLI']);
    expect(approved.code).toBe(0);
    expect(approved.stdout).toContain(`${approvalId} allowed`);
    const again = await cli(['approve', approvalId!, '--deny']);
    expect(again.code).toBe(5);
    expect(again.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^claudeops: approval .* already answered/),
    ]);

    const followed = await cli(['logs', id, '-f']);
    expect(followed.code).toBe(0);
    expect(followed.stdout).toMatch(/\[approval ap_[0-9a-z]{26}\] allowed by admin: fine by the CLI/);
  });
});

describe('claudeops runners', () => {
  it('runners add prints a start command that registers a runner, which runners lists and runners rm revokes', async () => {
    const added = json<{ token: string; command: string }>(
      await cli(['runners', 'add', '--name', 'cli-added', '--label', 'cli', '--max-concurrent', '1', '--json']),
    );
    expect(added.command).toMatch(
      /^CLAUDEOPS_REGISTRATION_TOKEN=\S+ npx claudeops-runner start --url \S+ --name cli-added$/,
    );
    expect(added.command.split(' --')[0]).toContain(added.token);
    const home = await mkdtemp(path.join(os.tmpdir(), 'claudeops-cli-runner-'));
    dirs.push(home);
    // The printed command as a person would paste it, in a shell.
    const runner = startChild('pasted-runner', 'bash', ['-c', added.command], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...claudeEnv(stack.anthropic.url), HOME: home },
    });
    try {
      const online = await waitFor(
        async () => {
          const list = json<{ items: RunnerView[] }>(await cli(['runners', '--json']));
          return list.items.find((r) => r.name === 'cli-added' && r.status === 'online');
        },
        { timeoutMs: 90_000, intervalMs: 500, what: 'the runner started from the printed command to come online' },
      ).catch((error: Error) => {
        throw new Error(`${error.message}\n${runner.output().slice(-3000)}`);
      });
      expect(online.labels).toEqual(['cli']);
      const plain = await cli(['runners']);
      expect(plain.stdout).toMatch(/cli-added\s+online/);
      const removed = await cli(['runners', 'rm', online.id]);
      expect(removed.code).toBe(0);
      const after = json<{ items: RunnerView[] }>(await cli(['runners', '--json']));
      expect(after.items.find((r) => r.id === online.id)?.revokedAt).toEqual(expect.any(String));
    } finally {
      await runner.stop();
    }
  });
});

describe('claudeops conventions', () => {
  it('answers errors with one sentence and a non-zero exit: unknown flag, missing argument, API refusals', async () => {
    const cases: Array<[string[], CliOptions, number, RegExp]> = [
      [['ls', '--bogus'], {}, 64, /^claudeops: unknown option '--bogus'/],
      [['logs'], {}, 64, /^claudeops: missing required argument 'id'/],
      [['status', 'ex_00000000000000000000000000'], {}, 5, /^claudeops: execution ex_0+ does not exist$/],
      [['status', 'nope'], {}, 5, /^claudeops: .*execution id/],
      [['ls'], { token: 'coa_wrong' }, 5, /^claudeops: /],
      [
        ['ls'],
        { url: 'http://127.0.0.1:1' },
        5,
        /^claudeops: the control plane at http:\/\/127\.0\.0\.1:1 cannot be reached$/,
      ],
    ];
    for (const [args, options, code, message] of cases) {
      const result = await cli(args, options);
      expect({ args, code: result.code }).toEqual({ args, code });
      expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(message)]);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('gives --json on every read command, parseable, and colour only when forced', async () => {
    for (const args of [
      ['status'],
      ['ls'],
      ['runners'],
      ['approvals'],
      ['budgets'],
      ['costs', '--group-by', 'model'],
    ]) {
      const parsed = json<Record<string, unknown>>(await cli([...args, '--json']));
      expect(typeof parsed).toBe('object');
    }
    const [first] = json<{ items: Array<{ id: string }> }>(await cli(['ls', '--json'])).items;
    expect(json<{ id: string; attempts: unknown[] }>(await cli(['status', first!.id, '--json'])).id).toBe(first!.id);

    const plain = await cli(['status']);
    noEscapes(plain);
    expect(plain.stdout).toMatch(/runners? online/);
    const forced = await cli(['ls'], { env: { NO_COLOR: '', FORCE_COLOR: '1' } });
    expect(forced.stdout).toContain(ESC);
    const both = await cli(['ls'], { env: { NO_COLOR: '1', FORCE_COLOR: '1' } });
    noEscapes(both);
  });

  it('sets a budget and shows it, and sums costs', async () => {
    const set = await cli(['budgets', 'set', 'label:cli-budget', '--hard', '5', '--soft', '4', '--period', 'month']);
    expect(set.code).toBe(0);
    const budgets = json<{ items: Array<{ scope: string; hardLimitUsd: number }> }>(await cli(['budgets', '--json']));
    expect(budgets.items).toContainEqual(expect.objectContaining({ scope: 'label:cli-budget', hardLimitUsd: 5 }));
    const costs = await cli(['costs', '--group-by', 'model']);
    expect(costs.stdout).toContain(MODEL);
    expect(costs.stdout).toMatch(/^total \$\d+\.\d+$/m);
  });

  it('logs in with the token on stdin (checked first, saved 0600) and works without the environment', async () => {
    const config = await mkdtemp(path.join(os.tmpdir(), 'claudeops-cli-config-'));
    dirs.push(config);
    const env = { XDG_CONFIG_HOME: config, CLAUDEOPS_URL: '', CLAUDEOPS_TOKEN: '' };
    const url = stack.controlPlane.url;
    const refused = await runCli(['login', '--url', url, '--token-stdin'], { env, input: 'coa_wrong\n' });
    expect(refused.code).toBe(5);
    expect(refused.stderr).toMatch(/^claudeops: the control plane at .* refused this token$/m);
    await expect(stat(path.join(config, 'claudeops', 'config.json'))).rejects.toThrow();

    const login = await runCli(['login', '--url', url, '--token-stdin'], {
      env,
      input: stack.controlPlane.adminToken + '\n',
    });
    expect(login.code).toBe(0);
    const file = path.join(config, 'claudeops', 'config.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o700);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ url, token: stack.controlPlane.adminToken });
    expect((await runCli(['runners', '--json'], { env })).code).toBe(0);
    expect((await runCli(['logout'], { env })).code).toBe(0);
    expect((await runCli(['runners'], { env })).stderr).toMatch(/not logged in/);
  });
});
