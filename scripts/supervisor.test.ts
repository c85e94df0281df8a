// The `npm start` supervisor with real child processes: prefixed output, stop by process group with escalation,
// and a child that dies on its own reported as a failure.
import { afterEach, describe, expect, it } from 'vitest';
import { type Exit, Supervisor } from './supervisor';

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
