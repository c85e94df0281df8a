// Unit tests of a runner restarted on the state dir of a previous life that died mid-run: it kills the Claude Code
// processes left behind, replays the spool and closes the execution, against a loopback fake control plane.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventDraft, ExecutionEvent } from '@claudeops/control-plane/protocol';
import type { RunnerConfig } from './config';
import { startRunner, type RunningRunner } from './daemon';
import { FakeControlPlane, GOOD_REGISTRATION_TOKEN } from '../testing/fake-control-plane';
import type { StartAgent } from '../jobs/job-runner';
import { createLogger } from '../support/logger';
import { numberEvent } from '../stream/numbered-event';
import { RUN_COOKIE_ENV } from '../agent/process-group';
import { RESTART_REASON } from './recovery';
import { currentBoot, newRunCookie, RunRecords } from './run-records';
import { Spool } from '../stream/spool';
import { executionId, FAST_BACKOFF, waitFor } from '../testing/test-helpers';

const ID = executionId(3);
let dir: string;
let plane: FakeControlPlane;
let runner: RunningRunner | undefined;
const children: ChildProcess[] = [];

const unusedAgent: StartAgent = () => {
  throw new Error('no job is offered in these tests');
};
const stateDir = () => join(dir, 'state');
const ts = () => new Date().toISOString();
const running: EventDraft = { type: 'status', ts: ts(), data: { status: 'running' } };
const said: EventDraft = { type: 'assistant.text', ts: ts(), data: { messageId: 'm', text: 'working on it' } };

/** The spool a previous life left: these events, numbered 1, 2, 3…; the hub has stored the first `stored`. */
function previousSpool(drafts: EventDraft[], stored: number): ExecutionEvent[] {
  const spool = Spool.open(join(stateDir(), 'spool'), ID);
  const events = drafts.map((draft, i) => numberEvent(i + 1, draft, createLogger('test')));
  for (const event of events) spool.append(event);
  spool.close();
  const parsed = events.map((event) => JSON.parse(event.json) as ExecutionEvent);
  plane.logs.set(ID, parsed.slice(0, stored));
  return parsed;
}

const config = (): RunnerConfig => ({
  url: plane.url,
  registrationToken: GOOD_REGISTRATION_TOKEN,
  name: 'box',
  labels: [],
  maxConcurrent: 1,
  stateDir: stateDir(),
  workspacesDir: join(dir, 'workspaces'),
});

const start = () =>
  startRunner(config(), {
    startAgent: unusedAgent,
    backoff: FAST_BACKOFF,
    metrics: async () => ({ cpuLoadPercent: 1, memUsedBytes: 1, memTotalBytes: 2 }),
  });

/** Running, not just a zombie nobody has reaped yet (an orphan's new parent may never reap it). */
const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
};

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'claudeops-recovery-'));
  plane = new FakeControlPlane();
  await plane.start();
});
afterEach(async () => {
  await runner?.stop();
  runner = undefined;
  for (const child of children.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null || !child.pid) continue;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  await plane.close();
  await rm(dir, { recursive: true, force: true });
});

describe('a restarted runner', () => {
  it('kills the Claude Code its previous life left, replays the spool and closes the execution as failed', async () => {
    // The previous life's "Claude Code": leads its own process group, carries the run cookie, and has started a
    // tool in a session of its own (as Claude Code's Bash tool does), which only the cookie ties to the run.
    const cookie = newRunCookie(ID);
    const script = [
      "const { spawn } = require('child_process');",
      "const tool = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { detached: true, stdio: 'ignore' });",
      'console.log(tool.pid);',
      'setInterval(() => {}, 1000);',
    ].join('\n');
    const orphan = spawn(process.execPath, ['-e', script], {
      detached: true,
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { ...process.env, [RUN_COOKIE_ENV]: cookie },
    });
    children.push(orphan);
    const [line] = (await once(createInterface({ input: orphan.stdout! }), 'line')) as [string];
    const toolPid = Number(line);
    expect(alive(toolPid)).toBe(true);
    const records = new RunRecords(join(stateDir(), 'runs'));
    records.begin(ID, cookie);
    records.spawned(ID, orphan.pid!);
    const previous = previousSpool([running, said], 1);

    const exited = once(orphan, 'exit');
    runner = await start();
    expect(await exited).toEqual([null, 'SIGKILL']);
    await waitFor(() => !alive(toolPid), 'the tool process to be killed');

    await waitFor(() => plane.events(ID).length === 3, 'the replay and the final status');
    expect(plane.events(ID)).toEqual([
      ...previous,
      expect.objectContaining({ seq: 3, type: 'status', data: { status: 'failed', reason: RESTART_REASON } }),
    ]);
    await waitFor(() => !existsSync(join(stateDir(), 'spool', ID)), 'the spool to be dropped');
    await waitFor(() => !existsSync(join(stateDir(), 'runs', `${ID}.json`)), 'the run record to be removed');
  });

  it('adds no status of its own when the spool already ends with the final one', async () => {
    const done: EventDraft = { type: 'status', ts: ts(), data: { status: 'succeeded' } };
    const previous = previousSpool([running, said, done], 0);
    runner = await start();
    await waitFor(() => !existsSync(join(stateDir(), 'spool', ID)), 'the spool to be replayed and dropped');
    expect(plane.events(ID)).toEqual(previous);
  });

  it('refuses a state dir another live runner holds, and takes over one whose runner is gone', async () => {
    const lock = join(stateDir(), 'daemon.lock');
    await mkdir(stateDir(), { recursive: true });
    // The parent of this test process stands for a live runner; a child that has exited for a dead one.
    await writeFile(lock, JSON.stringify({ pid: process.ppid, boot: currentBoot() }));
    await expect(start()).rejects.toThrow(/another runner \(pid \d+\) is using the state dir/);
    const gone = spawn(process.execPath, ['-e', '']);
    await once(gone, 'exit');
    await writeFile(lock, JSON.stringify({ pid: gone.pid, boot: currentBoot() }));
    runner = await start();
    await runner.stop();
    expect(existsSync(lock)).toBe(false);
  });

  it('drops the spool of an execution whose log the hub has closed (declared lost), and sends nothing', async () => {
    previousSpool([running, said], 1);
    plane.closed.set(ID, 'lost');
    const before = [...plane.events(ID)];
    runner = await start();
    await waitFor(() => !existsSync(join(stateDir(), 'spool', ID)), 'the spool to be dropped');
    expect(plane.events(ID)).toEqual(before);
  });
});
