// The `npm start` supervisor with real child processes: prefixed output, stop by process group with escalation,
// a child that dies on its own reported as a failure, a kept child restarted with backoff until it fails too fast;
// and the restart schedule itself on a fake clock.
import { afterEach, describe, expect, it } from 'vitest';
import { type Exit, RestartPolicy, Supervisor } from './supervisor';
import { waitFor } from '../tests/fixtures/wait';

const node = (name: string, source: string) => ({ name, command: process.execPath, args: ['-e', source] });

function captured() {
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const write = (_stream: 'stdout' | 'stderr', line: string) => {
    lines.push(line);
    for (const waiter of [...waiters]) {
      if (!waiter.pattern.test(line)) continue;
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  };
  const waitForLine = (pattern: RegExp, timeoutMs = 10_000) =>
    new Promise<string>((resolve, reject) => {
      const found = lines.find((line) => pattern.test(line));
      if (found) return resolve(found);
      const timer = setTimeout(
        () => reject(new Error(`no line matching ${pattern} in:\n${lines.join('\n')}`)),
        timeoutMs,
      );
      waiters.push({ pattern, resolve: (line) => (clearTimeout(timer), resolve(line)) });
    });
  return { lines, write, waitForLine };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

let supervisor: Supervisor | undefined;
afterEach(async () => {
  await supervisor?.stopAll(500);
});

describe('Supervisor', () => {
  it("prefixes every line of a child's output with its name", async () => {
    const out = captured();
    supervisor = new Supervisor({ write: out.write });
    supervisor.start(node('api', "console.log('ready'); console.error('warned'); setInterval(() => {}, 1000)"));
    expect(await out.waitForLine(/ready/)).toBe('api │ ready');
    expect(await out.waitForLine(/warned/)).toBe('api │ warned');
  });

  it('stops the whole process group, killing what ignores SIGTERM after the grace period', async () => {
    const out = captured();
    supervisor = new Supervisor({ write: out.write });
    const stubborn = `
      process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
      const grandchild = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
      console.log('grandchild ' + grandchild.pid);
      setInterval(() => {}, 1000);`;
    const child = supervisor.start(node('runner', stubborn));
    const grandchildPid = Number((await out.waitForLine(/grandchild \d+/)).split(' ').at(-1));
    expect(alive(grandchildPid)).toBe(true);

    await supervisor.stopAll(300);
    const exit: Exit = await child.exited;
    expect(exit.signal).toBe('SIGKILL');
    expect(alive(child.pid)).toBe(false);
    expect(alive(grandchildPid)).toBe(false);
  });

  it('reports a long-running child that exits on its own, but not one it stopped', async () => {
    const unexpected: string[] = [];
    supervisor = new Supervisor({
      write: () => {},
      onUnexpectedExit: (name, exit) => unexpected.push(`${name}:${exit.code}`),
    });
    const crashing = supervisor.start(node('dashboard', 'process.exit(3)'));
    // start() subscribed to the exit before handing it out, so by now the report has been made.
    await crashing.exited;
    expect(unexpected).toEqual(['dashboard:3']);

    supervisor.start(node('api', 'setInterval(() => {}, 1000)'));
    await supervisor.stopAll(2_000);
    expect(unexpected).toEqual(['dashboard:3']);
  });

  it('runs one-off commands to completion and starts nothing once stopping', async () => {
    supervisor = new Supervisor({ write: () => {} });
    expect(await supervisor.run(node('migrate', 'process.exit(0)'))).toEqual({ code: 0, signal: null });
    await supervisor.stopAll();
    expect(() => supervisor?.start(node('late', 'setInterval(() => {}, 1000)'))).toThrow(/stopping/);
  });
});

describe('RestartPolicy', () => {
  it('doubles the delay from 1 s up to 30 s while the child keeps failing, spread out enough not to give up', () => {
    const policy = new RestartPolicy({ maxFailures: 5, windowMs: 60_000, resetAfterMs: 60_000 });
    let now = 0;
    const delays: number[] = [];
    for (let i = 0; i < 8; i += 1) {
      const startedAt = now;
      now += 20_000; // up 20 s each time: never 5 exits within a minute
      const decision = policy.exited(startedAt, now);
      expect(decision.kind).toBe('restart');
      if (decision.kind === 'restart') {
        delays.push(decision.delayMs);
        now += decision.delayMs;
      }
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('starts again from 1 s once the child stayed up for the reset period', () => {
    const policy = new RestartPolicy({ resetAfterMs: 60_000 });
    expect(policy.exited(0, 100)).toMatchObject({ delayMs: 1_000 });
    expect(policy.exited(1_100, 1_200)).toMatchObject({ delayMs: 2_000 });
    expect(policy.exited(3_200, 3_300)).toMatchObject({ delayMs: 4_000 });
    expect(policy.exited(10_000, 200_000)).toMatchObject({ kind: 'restart', delayMs: 1_000 });
  });

  it('gives up at the fifth exit within a minute', () => {
    const policy = new RestartPolicy({ maxFailures: 5, windowMs: 60_000 });
    const kinds = [0, 1, 2, 3, 4].map((i) => policy.exited(i * 1_000, i * 1_000 + 500).kind);
    expect(kinds).toEqual(['restart', 'restart', 'restart', 'restart', 'give-up']);
  });

  it('forgets exits older than the window', () => {
    const policy = new RestartPolicy({ maxFailures: 3, windowMs: 10_000, resetAfterMs: 1e9 });
    expect(policy.exited(0, 1).kind).toBe('restart');
    expect(policy.exited(2, 3).kind).toBe('restart');
    expect(policy.exited(20_000, 20_001).kind).toBe('restart');
    expect(policy.exited(20_002, 20_003).kind).toBe('restart');
    expect(policy.exited(20_004, 20_005).kind).toBe('give-up');
  });
});

describe('Supervisor.keep', () => {
  it('restarts a killed child with one line saying why, and keeps its new pid', async () => {
    const out = captured();
    supervisor = new Supervisor({ write: out.write, onUnexpectedExit: () => expect.fail('must not give up') });
    const pids: number[] = [];
    const kept = supervisor.keep(
      () => node('runner', "console.log('up'); setInterval(() => {}, 1000)"),
      { initialDelayMs: 50 },
      (pid) => pids.push(pid),
    );
    await out.waitForLine(/up/);
    const first = kept.pid;
    process.kill(first, 'SIGKILL');
    expect(await out.waitForLine(/restarting/)).toBe(
      'start: runner was killed by SIGKILL; restarting it in 0.1 s (restart 1)',
    );
    await waitFor(() => kept.restarts === 1 && kept.pid !== first, { what: 'the restarted runner' });
    expect(pids).toEqual([first, kept.pid]);
    expect(alive(kept.pid)).toBe(true);
  });

  it('gives up after repeated fast failures, says so, and reports the last exit', async () => {
    const out = captured();
    const unexpected: string[] = [];
    supervisor = new Supervisor({
      write: out.write,
      onUnexpectedExit: (name, exit) => unexpected.push(`${name}:${exit.code}`),
    });
    const kept = supervisor.keep(() => node('runner', 'process.exit(3)'), {
      initialDelayMs: 10,
      maxFailures: 3,
      windowMs: 60_000,
    });
    await waitFor(() => unexpected.length === 1, { what: 'the supervisor to give up' });
    expect(unexpected).toEqual(['runner:3']);
    expect(kept.restarts).toBe(2);
    expect(out.lines.filter((line) => line.startsWith('start: runner exited with code 3; restarting'))).toHaveLength(2);
    expect(await out.waitForLine(/not restarted/)).toMatch(
      /^start: runner exited with code 3; it failed 3 times within 60 s, so it is not restarted again/,
    );
  });

  it('waits for beforeRestart as well as the backoff before restarting', async () => {
    const out = captured();
    supervisor = new Supervisor({ write: out.write });
    let release: () => void = () => {};
    const hold = new Promise<void>((resolve) => (release = resolve));
    let asked = 0;
    const kept = supervisor.keep(() => node('runner', "console.log('up'); setInterval(() => {}, 1000)"), {
      initialDelayMs: 10,
      beforeRestart: () => {
        asked += 1;
        return hold;
      },
    });
    await out.waitForLine(/up/);
    process.kill(kept.pid, 'SIGKILL');
    await waitFor(() => asked === 1, { what: 'the hold to be asked' });
    await out.waitForLine(/restarting/);
    // Well past the 10 ms backoff, still held.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(kept.restarts).toBe(0);
    release();
    await waitFor(() => kept.restarts === 1, { what: 'the restart after the hold' });
  });

  it('does not restart what stopAll stopped', async () => {
    const out = captured();
    supervisor = new Supervisor({ write: out.write });
    const kept = supervisor.keep(() => node('runner', 'setInterval(() => {}, 1000)'), { initialDelayMs: 10 });
    await supervisor.stopAll(500);
    expect(alive(kept.pid)).toBe(false);
    expect(kept.restarts).toBe(0);
    expect(out.lines.some((line) => /restarting/.test(line))).toBe(false);
  });
});
