import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../support/logger';
import { createSourceRepo, repoJob } from '../testing/git-test-repo';
import { Workspaces } from '../workspace/workspace';
import { findExecutable, probeBubblewrap } from './probe';
import { Sandbox, SandboxError, type ConfinedRun } from './sandbox';

const silent = createLogger('sandbox-test');
const bwrap = await findExecutable('bwrap', process.env.PATH);
const works = bwrap ? (await probeBubblewrap(bwrap)).ok : false;

describe('probe', () => {
  it('names why bubblewrap cannot be used', async () => {
    expect(await probeBubblewrap('/nonexistent/bwrap')).toEqual({ ok: false, reason: '/nonexistent/bwrap not found' });
  });

  it('--sandbox off and a host without bwrap run unconfined; --sandbox bubblewrap refuses to start there', async () => {
    const dirs = { stateDir: '/x', workspacesDir: '/x/w', reposDir: '/x/r', log: silent, cgroups: { v1: {} } };
    expect((await Sandbox.start({ ...dirs, mode: 'off' })).kind).toBe('none');
    const auto = await Sandbox.start({ ...dirs, mode: 'auto', path: '/nonexistent' });
    expect([auto.kind, auto.why]).toEqual(['none', 'bwrap is not installed']);
    await expect(Sandbox.start({ ...dirs, mode: 'bubblewrap', path: '/nonexistent' })).rejects.toThrow(
      new SandboxError('--sandbox bubblewrap: bwrap is not installed'),
    );
  });
});

/** Runs `script` as the confined run's Claude Code would be: through wrap(), as its own process group. */
function runConfined(run: ConfinedRun, cwd: string, script: string, env: Record<string, string> = {}) {
  const command = run.wrap({ command: '/bin/sh', args: ['-c', script], env: { PATH: process.env.PATH, ...env } });
  return new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn(command.command, command.args, { cwd, env: command.env, detached: true });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe.skipIf(!works)('a confined run (real bubblewrap)', () => {
  let root: string;
  let stateDir: string;
  let home: string;
  let hiddenFile: string;
  let sandbox: Sandbox;
  const servers: Server[] = [];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'claudeops-sandbox-'));
    stateDir = join(root, 'state');
    home = join(root, 'home');
    hiddenFile = join(root, 'elsewhere', 'secret.txt');
    await mkdir(join(stateDir, 'workspaces', 'ex_a'), { recursive: true });
    await mkdir(join(home, '.ssh'), { recursive: true });
    await mkdir(join(root, 'elsewhere'), { recursive: true });
    await writeFile(join(stateDir, 'runner.json'), '{"runnerToken":"cor_secret"}');
    await writeFile(join(home, '.ssh', 'id_canary'), 'CANARY-SSH-7731');
    await writeFile(hiddenFile, 'hidden by --sandbox-hide');
    sandbox = await Sandbox.start({
      mode: 'bubblewrap',
      hide: [hiddenFile],
      stateDir,
      workspacesDir: join(stateDir, 'workspaces'),
      reposDir: join(stateDir, 'repos'),
      log: silent,
      cgroups: { v1: {} },
    });
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    await rm(root, { recursive: true, force: true });
  });

  async function listen(server: Server): Promise<number> {
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  it('sees the workspace only: state dir, real HOME and hidden paths gone, the host read-only, /tmp private', async () => {
    const cwd = join(stateDir, 'workspaces', 'ex_a');
    const checkoutFile = join(process.cwd(), `sandbox-escape-${process.pid}`);
    const run = await sandbox.prepare({
      executionId: 'ex_a',
      network: 'open',
      limits: null,
      cwd,
      env: { HOME: home },
    });
    expect(run.summary).toBe('sandbox: bubblewrap, network open, no limits');
    const script = [
      `cat ${stateDir}/runner.json || echo no-token`,
      `cat ${home}/.ssh/id_canary || echo no-canary`,
      `cat ${hiddenFile} || echo no-hidden`,
      `touch ${root}/outside`,
      `touch ${checkoutFile} || echo no-write-outside`,
      'echo tmp > /tmp/private && echo tmp-ok',
      'echo $HOME > home.txt && echo data > ~/.claude.json && echo home-ok',
      'echo inside > inside.txt',
      'echo pid=$$',
    ].join('\n');
    const { code, out } = await runConfined(run, cwd, script, { HOME: home });
    await run.dispose();
    expect(code).toBe(0);
    for (const word of ['no-token', 'no-canary', 'no-hidden', 'no-write-outside', 'tmp-ok', 'home-ok']) {
      expect(out).toContain(word);
    }
    expect(out).not.toContain('cor_secret');
    expect(out).not.toContain('CANARY-SSH-7731');
    expect(await readFile(join(cwd, 'inside.txt'), 'utf8')).toBe('inside\n');
    expect(await readFile(join(cwd, 'home.txt'), 'utf8')).toBe(`${home}\n`);
    // /tmp inside is its own: the host's stays untouched; the checkout is read-only.
    expect(existsSync(join(root, 'outside'))).toBe(false);
    expect(existsSync(checkoutFile)).toBe(false);
    expect(existsSync(join(home, '.claude.json'))).toBe(false);
    // Its own PID namespace; and the private HOME is gone with the run.
    expect(out).toMatch(/pid=[0-9]$/m);
    expect(existsSync(join(stateDir, 'sandbox', 'ex_a'))).toBe(false);
  });

  it('runs a program installed below /tmp (a checkout there): its node_modules is bound back read-only', async () => {
    // Every run gets an empty /tmp; Claude Code installed in a checkout below it must still start.
    const bin = join(root, 'checkout', 'node_modules', '@scope', 'agent', 'bin');
    await mkdir(bin, { recursive: true });
    const program = join(bin, 'agent');
    await writeFile(program, '#!/bin/sh\necho agent-ran\ntouch "$0.written" 2>/dev/null || echo read-only\n', {
      mode: 0o755,
    });
    const cwd = join(stateDir, 'workspaces', 'ex_tmp');
    await mkdir(cwd, { recursive: true });
    const run = await sandbox.prepare({
      executionId: 'ex_tmp',
      network: 'open',
      limits: null,
      cwd,
      env: { HOME: home },
    });
    const command = run.wrap({ command: program, args: [], env: { PATH: process.env.PATH } });
    const out = await new Promise<string>((resolve) => {
      const child = spawn(command.command, command.args, { cwd, env: command.env });
      let text = '';
      child.stdout.on('data', (chunk) => (text += chunk));
      child.stderr.on('data', (chunk) => (text += chunk));
      child.on('close', () => resolve(text));
    });
    await run.dispose();
    expect(out).toContain('agent-ran');
    expect(out).toContain('read-only');
    expect(existsSync(`${program}.written`)).toBe(false);
  });

  it('model-only: the model proxy answers through the bridge, any other host server is out of reach', async () => {
    const modelPort = await listen(createServer((req, res) => res.end(`model proxy saw ${req.url}`)));
    const otherPort = await listen(createServer((_req, res) => res.end('other server')));
    const cwd = join(stateDir, 'workspaces', 'ex_b');
    await mkdir(cwd, { recursive: true });
    const run = await sandbox.prepare({
      executionId: 'ex_b',
      network: 'model-only',
      limits: null,
      cwd,
      env: { HOME: home },
      modelBaseUrl: `http://127.0.0.1:${modelPort}/x/ex_b`,
    });
    const script = [
      `curl -sS --max-time 5 http://127.0.0.1:${modelPort}/x/ex_b/v1/messages`,
      `curl -sS --max-time 5 http://127.0.0.1:${otherPort}/ || echo other-unreachable`,
    ].join('\n');
    const { out } = await runConfined(run, cwd, script, { HOME: home });
    await run.dispose();
    expect(out).toContain('model proxy saw /x/ex_b/v1/messages');
    expect(out).toContain('other-unreachable');
    expect(out).not.toContain('other server');
  });

  it('an allow-list lets the listed hosts through its proxy and answers 403 for the rest', async () => {
    const modelPort = await listen(createServer((_req, res) => res.end('model')));
    const sitePort = await listen(createServer((_req, res) => res.end('allowed site')));
    const cwd = join(stateDir, 'workspaces', 'ex_c');
    await mkdir(cwd, { recursive: true });
    const refused: string[] = [];
    const run = await sandbox.prepare({
      executionId: 'ex_c',
      network: { allow: ['localhost'] },
      limits: null,
      cwd,
      env: { HOME: home },
      modelBaseUrl: `http://127.0.0.1:${modelPort}/x/ex_c`,
      onRefused: (host) => refused.push(host),
    });
    const script = [
      `curl -sS --noproxy '' -x "$HTTP_PROXY" http://localhost:${sitePort}/`,
      'echo',
      `curl -sS --noproxy '' -x "$HTTP_PROXY" -o /dev/null -w 'refused %{http_code}' http://127.0.0.1:${sitePort}/`,
    ].join('\n');
    const { out } = await runConfined(run, cwd, script, { HOME: home });
    await run.dispose();
    expect(out).toContain('allowed site');
    expect(out).toContain('refused 403');
    expect(refused).toEqual(['127.0.0.1']);
  });

  it('read-only git works in a worktree of the runner cache: log, diff, status', async () => {
    const source = await createSourceRepo();
    await source.commit('src.txt', 'one\n');
    const workspaces = new Workspaces({
      workspacesDir: join(stateDir, 'workspaces'),
      reposDir: join(stateDir, 'repos'),
    });
    const job = repoJob(7, { repo: source.dir, ref: 'main' });
    const workspace = await workspaces.prepare(job, () => undefined);
    const run = await sandbox.prepare({
      executionId: job.executionId,
      network: 'open',
      limits: null,
      cwd: workspace.cwd,
      env: { HOME: home },
    });
    const script = [
      'git log --format=%s',
      'echo two >> src.txt',
      'git diff --stat HEAD',
      'git status --short',
      // The cache's objects are read-only: what the agent changes is committed by the runner, outside.
      'git commit -qam nope 2>/dev/null || echo commit-refused',
    ].join('\n');
    const { code, out } = await runConfined(run, workspace.cwd, script, { HOME: home });
    await run.dispose();
    await rm(source.dir, { recursive: true, force: true });
    expect(code).toBe(0);
    expect(out).toContain('add src.txt\ninitial');
    expect(out).toContain('src.txt | 1 +');
    expect(out).toContain(' M src.txt');
    expect(out).toContain('commit-refused');
  });

  it('a model-only job fails before it starts when socat is missing', async () => {
    const tools = join(root, 'tools');
    await mkdir(tools);
    await symlink(bwrap!, join(tools, 'bwrap'));
    const noSocat = await Sandbox.start({
      mode: 'bubblewrap',
      stateDir,
      workspacesDir: join(stateDir, 'workspaces'),
      reposDir: join(stateDir, 'repos'),
      log: silent,
      cgroups: { v1: {} },
      path: tools,
    });
    expect(noSocat.kind).toBe('bubblewrap');
    await expect(
      noSocat.prepare({
        executionId: 'ex_d',
        network: 'model-only',
        limits: null,
        cwd: join(stateDir, 'workspaces', 'ex_a'),
        env: {},
        modelBaseUrl: 'http://127.0.0.1:1/x/ex_d',
      }),
    ).rejects.toThrow(
      'network model-only needs socat on the runner host, which is not installed; the run did not start',
    );
  });
});
