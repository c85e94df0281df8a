// Tests of `claudeops-runner install-service` and `claudeops-runner status` as a person runs them: the bin in a child
// process, against a fake control plane for the running daemon.
import { spawn } from 'node:child_process';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readDaemonStatus, statusFilePath } from './daemon-status';
import { FakeControlPlane, GOOD_REGISTRATION_TOKEN } from '../testing/fake-control-plane';
import { RUNNER_ID, waitFor } from '../testing/test-helpers';

const BIN = fileURLToPath(new URL('../../bin/claudeops-runner.js', import.meta.url));

interface Run {
  stdout: string;
  stderr: string;
  exit: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

let dir: string;
let running: Run[];

function runBin(args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: dir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: Run = {
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

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'claudeops-cli-svc-'));
  running = [];
});
afterEach(async () => {
  for (const run of running) {
    run.kill('SIGKILL');
    await run.exit;
  }
  await rm(dir, { recursive: true, force: true });
});

// Each run compiles the TypeScript sources on the fly (tsx): seconds on a busy machine.
describe('claudeops-runner install-service', { timeout: 30_000 }, () => {
  it('prints the user unit with --dry-run and writes nothing', async () => {
    const run = runBin(['install-service', '--dry-run', '--url', 'https://ops.example.com', '--labels', 'gpu'], {
      ANTHROPIC_API_KEY: 'sk-ant-api03-do-not-print-me',
      CLAUDEOPS_REGISTRATION_TOKEN: 'cog_do-not-print-me',
    });
    expect(await run.exit).toBe(0);
    const unitPath = join(dir, '.config', 'systemd', 'user', 'claudeops-runner.service');
    expect(run.stdout).toContain(`Would write ${unitPath}:`);
    expect(run.stdout).toContain(`ExecStart=${process.execPath} ${BIN} start --url https://ops.example.com --name `);
    expect(run.stdout).toContain(`--labels gpu --max-concurrent 1 --state-dir ${join(dir, '.claudeops', 'runner')}`);
    expect(run.stdout).toMatch(/\nRestart=always\n[\s\S]*\nKillMode=mixed\n[\s\S]*\nTimeoutStopSec=\d+\n/);
    expect(run.stdout).toContain('systemctl --user enable --now claudeops-runner.service');
    expect(run.stdout).toContain('CLAUDEOPS_REGISTRATION_TOKEN="********"');
    expect(run.stdout).not.toContain('do-not-print-me');
    expect(await exists(unitPath)).toBe(false);
  });

  it('prints the system unit with --system --dry-run', async () => {
    const run = runBin(['install-service', '--system', '--dry-run']);
    expect(await run.exit).toBe(0);
    expect(run.stdout).toContain('Would write /etc/systemd/system/claudeops-runner.service:');
    expect(run.stdout).toContain('WantedBy=multi-user.target');
    expect(run.stdout).toContain('sudo systemctl enable --now claudeops-runner.service');
  });

  it('refuses its flags with another command', async () => {
    const run = runBin(['start', '--dry-run']);
    expect(await run.exit).toBe(2);
    expect(run.stderr).toContain('--dry-run only goes with install-service');
  });
});

describe('claudeops-runner status', { timeout: 30_000 }, () => {
  let plane: FakeControlPlane;
  beforeEach(async () => {
    plane = new FakeControlPlane();
    await plane.start();
  });
  afterEach(() => plane.close());

  it('exits 1 saying so when no daemon runs', async () => {
    const run = runBin(['status']);
    expect(await run.exit).toBe(1);
    expect(run.stderr).toContain('no runner is running with state dir');
  });

  it('shows the running daemon: connection, runner, slots and jobs', async () => {
    const daemon = runBin(['start', '--url', plane.url, '--registration-token', GOOD_REGISTRATION_TOKEN]);
    await waitFor(() => plane.fleetFrames.some((frame) => frame.type === 'runner.heartbeat'), 'a heartbeat', 20_000);
    const stateDir = join(dir, '.claudeops', 'runner');
    // The daemon rewrites its status file within a second of a change.
    const deadline = Date.now() + 20_000;
    for (;;) {
      const reading = await readDaemonStatus(stateDir);
      if (reading.running && reading.status.lastHeartbeatAt !== null) break;
      if (Date.now() > deadline) throw new Error(`no heartbeat in the status: ${JSON.stringify(reading)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const status = runBin(['status']);
    expect(await status.exit).toBe(0);
    expect(status.stdout).toContain('connection:  connected, last heartbeat');
    expect(status.stdout).toContain(`runner:      ${RUNNER_ID}`);
    expect(status.stdout).toContain('slots:       0 of 1 busy, 1 free');
    expect(status.stdout).toContain('jobs:        none');

    daemon.kill('SIGTERM');
    expect(await daemon.exit).toBe(0);
    expect(await exists(statusFilePath(stateDir))).toBe(false);
    const after = runBin(['status']);
    expect(await after.exit).toBe(1);
  });
});
