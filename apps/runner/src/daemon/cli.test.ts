// Tests of the claudeops-runner executable as a person runs it: a child process against a fake control plane.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeControlPlane, GOOD_REGISTRATION_TOKEN, ISSUED_RUNNER_TOKEN } from '../testing/fake-control-plane';
import { loadRegistration } from './state';
import { RUNNER_ID, waitFor } from '../testing/test-helpers';

const BIN = fileURLToPath(new URL('../../bin/claudeops-runner.js', import.meta.url));

interface Run {
  pid: number;
  stdout: string;
  stderr: string;
  exit: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

function runBin(args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: dir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: Run = {
    pid: child.pid!,
    stdout: '',
    stderr: '',
    exit: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
    kill: (signal) => child.kill(signal),
  };
  child.stdout.on('data', (chunk: Buffer) => (run.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (run.stderr += chunk.toString()));
  running.push(run);
  return run;
}

let dir: string;
let plane: FakeControlPlane;
let running: Run[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'claudeops-cli-'));
  plane = new FakeControlPlane();
  await plane.start();
  running = [];
});
afterEach(async () => {
  for (const run of running) {
    run.kill('SIGKILL');
    await run.exit;
  }
  await plane.close();
  await rm(dir, { recursive: true, force: true });
});

// Each run compiles the TypeScript sources on the fly (tsx): seconds on a busy machine.
describe('claudeops-runner', { timeout: 30_000 }, () => {
  it('prints its usage with --help', async () => {
    const run = runBin(['--help']);
    expect(await run.exit).toBe(0);
    expect(run.stdout).toContain('Usage: claudeops-runner [start|register|install-service|status] [options]');
  });

  it('refuses to start unregistered, saying how to register', async () => {
    const run = runBin(['start', '--url', plane.url]);
    expect(await run.exit).toBe(1);
    expect(run.stderr).toMatch(
      /no runner token for http:\/\/127\.0\.0\.1:\d+ in .*runner\.json: register first with --registration-token/,
    );
  });

  it('registers and saves the token without printing it', async () => {
    const run = runBin(['register', '--name', 'box'], {
      CLAUDEOPS_URL: plane.url,
      CLAUDEOPS_REGISTRATION_TOKEN: GOOD_REGISTRATION_TOKEN,
    });
    expect(await run.exit).toBe(0);
    expect(run.stdout).toContain(`Registered runner ${RUNNER_ID} (box)`);
    expect(run.stdout + run.stderr).not.toContain(ISSUED_RUNNER_TOKEN);
    expect((await loadRegistration(join(dir, '.claudeops', 'runner'), plane.url))?.runnerToken).toBe(
      ISSUED_RUNNER_TOKEN,
    );
  });

  it('starts (registering first), connects, and exits cleanly on SIGTERM', async () => {
    const run = runBin(['--url', plane.url, '--registration-token', GOOD_REGISTRATION_TOKEN, '--labels', 'gpu,linux']);
    await waitFor(() => plane.fleetFrames.some((frame) => frame.type === 'runner.heartbeat'), 'a heartbeat', 20_000);
    expect(plane.fleetFrames[0]).toMatchObject({ type: 'runner.hello', labels: ['gpu', 'linux'], maxConcurrent: 1 });
    run.kill('SIGTERM');
    expect(await run.exit).toBe(0);
    expect(run.stderr).toContain('connected');
    expect(run.stderr).not.toContain(ISSUED_RUNNER_TOKEN);
  });
});
