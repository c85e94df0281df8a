// runChecks on a real /bin/sh: exit codes and order, the bounded and redacted output tail, the sandbox wrap, and
// that a timeout, an abort or the shell's exit ends the check's whole process group.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRedactor } from '../secrets/redactor';
import { waitFor } from '../testing/test-helpers';
import { OUTPUT_TAIL_BYTES, runChecks, utf8Tail, type CheckResult, type RunChecksOptions } from './checks';

let dir: string;
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
const keep = (text: string) => text;
const options = (extra: Partial<RunChecksOptions> = {}): RunChecksOptions => ({
  cwd: dir,
  env,
  redact: keep,
  ...extra,
});

/** Alive means in /proc and not a zombie (a killed orphan may wait for a reaper that is slow to come). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] !== 'Z';
  } catch {
    return false;
  }
}
const readPid = (name: string) => Number(readFileSync(join(dir, name), 'utf8').trim());

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'claudeops-checks-'));
});
afterEach(() => {
  for (const name of ['bg.pid', 'child.pid', 'escaped.pid']) {
    if (existsSync(join(dir, name))) {
      try {
        process.kill(readPid(name), 'SIGKILL');
      } catch {
        // Gone, as it should be.
      }
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('runChecks', () => {
  it('runs every check in order in the workspace, reporting exit codes and combined output', async () => {
    const seen: string[] = [];
    const results = await runChecks(['echo out; echo err >&2; pwd', 'exit 3', 'echo third'], {
      ...options(),
      onResult: (result) => seen.push(result.command),
    });
    expect(results.map((r) => [r.command, r.exitCode, r.signal, r.timedOut])).toEqual([
      ['echo out; echo err >&2; pwd', 0, null, false],
      ['exit 3', 3, null, false],
      ['echo third', 0, null, false],
    ]);
    expect(seen).toEqual(['echo out; echo err >&2; pwd', 'exit 3', 'echo third']);
    expect(results[0]?.outputTail).toContain('out\n');
    expect(results[0]?.outputTail).toContain('err\n');
    expect(results[0]?.outputTail).toContain(dir);
    expect(results[0]?.truncated).toBe(false);
    expect(results.every((r) => r.durationMs >= 0)).toBe(true);
  });

  it('gives the checks only the environment it is handed, and stdin closed', async () => {
    const [result] = await runChecks(['echo "path=$PATH home=${HOME:-none} mark=$MARK"; cat; echo "stdin=$?"'], {
      ...options({ env: { ...env, MARK: 'yes' } }),
    });
    expect(result?.outputTail).toContain(`path=${env.PATH} home=none mark=yes`);
    expect(result?.outputTail).toContain('stdin=0');
  });

  it('keeps the last 8 KiB of a long output, cut between characters', async () => {
    // 'é' is two bytes; one leading 'x' puts every character boundary on an odd offset.
    writeFileSync(join(dir, 'long.txt'), `x${'é'.repeat(20_000)}END`);
    const [result] = await runChecks(['cat long.txt'], options());
    const tail = result?.outputTail ?? '';
    expect(result?.truncated).toBe(true);
    expect(tail.endsWith('END')).toBe(true);
    expect(Buffer.byteLength(tail)).toBeLessThanOrEqual(OUTPUT_TAIL_BYTES);
    expect(Buffer.byteLength(tail)).toBeGreaterThan(OUTPUT_TAIL_BYTES - 4);
    expect(tail).not.toContain('\uFFFD');
    expect(tail.startsWith('é')).toBe(true);
  });

  it('redacts the output, a secret across the tail cut included', async () => {
    const secret = 'hunter2-very-secret-value';
    const redactor = createRedactor([secret]);
    // The secret starts 8 KiB - 10 bytes from the end: a cut after redaction must not leave its end behind.
    writeFileSync(join(dir, 'out.txt'), `${'a'.repeat(20_000)}${secret}${'b'.repeat(OUTPUT_TAIL_BYTES - 10)}`);
    const results = await runChecks(
      [`echo "token=${secret}"`, 'cat out.txt'],
      options({ redact: redactor.redactText }),
    );
    expect(results[0]?.outputTail).toBe('token=[REDACTED]\n');
    const cut = results[1]?.outputTail ?? '';
    expect(cut).not.toContain('secret-value');
    expect(cut).not.toContain('value');
    expect(cut.endsWith('b')).toBe(true);
  });

  it('kills the whole group on timeout, a backgrounded child included, and goes on with the next check', async () => {
    const results = await runChecks(
      ['sleep 1000 & echo $! > bg.pid; echo started; wait', 'echo after'],
      options({ timeoutMs: 3_000 }),
    );
    const [timedOut, after] = results as [CheckResult, CheckResult];
    expect(timedOut.timedOut).toBe(true);
    expect(timedOut.exitCode).toBeNull();
    expect(timedOut.signal).toBe('SIGKILL');
    expect(timedOut.outputTail).toContain('started');
    const child = readPid('bg.pid');
    await waitFor(() => !alive(child), 'the backgrounded child to be gone');
    expect(after).toMatchObject({ exitCode: 0, outputTail: 'after\n', timedOut: false });
  });

  it('ends what a check left running in the background when the shell exits', async () => {
    const [result] = await runChecks(['sleep 1000 & echo $! > bg.pid; echo done'], options());
    expect(result).toMatchObject({ exitCode: 0, outputTail: 'done\n', timedOut: false });
    const child = readPid('bg.pid');
    await waitFor(() => !alive(child), 'the leftover background process to be gone');
  });

  it('ends a process that left the group (setsid) while holding the output open', async () => {
    const escape = "setsid sh -c 'echo $$ > escaped.tmp; mv escaped.tmp escaped.pid; exec sleep 1000' &";
    const [result] = await runChecks([`${escape} while [ ! -s escaped.pid ]; do :; done; echo done`], options());
    expect(result).toMatchObject({ exitCode: 0, outputTail: 'done\n', timedOut: false });
    const escaped = readPid('escaped.pid');
    await waitFor(() => !alive(escaped), 'the escaped process to be gone');
  });

  it('stops the sequence on abort: the running check is killed and no later check starts', async () => {
    const controller = new AbortController();
    const running = runChecks(
      ['echo first', 'sleep 1000 & echo $! > child.pid; wait', 'touch third-ran'],
      options({ signal: controller.signal }),
    );
    await waitFor(
      () => existsSync(join(dir, 'child.pid')) && readFileSync(join(dir, 'child.pid'), 'utf8').endsWith('\n'),
      'the second check to start',
    );
    controller.abort();
    const results = await running;
    expect(results.map((r) => r.command)).toEqual(['echo first', 'sleep 1000 & echo $! > child.pid; wait']);
    expect(results[1]).toMatchObject({ exitCode: null, signal: 'SIGKILL', timedOut: false });
    const child = readPid('child.pid');
    await waitFor(() => !alive(child), 'the aborted check’s child to be gone');
    expect(existsSync(join(dir, 'third-ran'))).toBe(false);
    expect(await runChecks(['touch third-ran'], options({ signal: controller.signal }))).toEqual([]);
  });

  it('runs each check through the sandbox wrap', async () => {
    const wrapped: string[] = [];
    const [result] = await runChecks(['echo "wrapped=$WRAPPED"'], {
      ...options(),
      wrap: (spawn) => {
        wrapped.push([spawn.command, ...spawn.args].join(' '));
        return { command: '/usr/bin/env', args: ['WRAPPED=yes', spawn.command, ...spawn.args], env: spawn.env };
      },
    });
    expect(wrapped).toEqual(['/bin/sh -c echo "wrapped=$WRAPPED"']);
    expect(result?.outputTail).toBe('wrapped=yes\n');
  });

  it('reports a check that cannot start as a failed result, not a throw', async () => {
    const [result] = await runChecks(['true'], {
      ...options(),
      wrap: (spawn) => ({ ...spawn, command: join(dir, 'no-such-sandbox') }),
    });
    expect(result?.exitCode).toBeNull();
    expect(result?.outputTail).toMatch(/^the check could not start: .*ENOENT/);
  });
});

describe('utf8Tail', () => {
  it('keeps short text whole and never opens with half a character', () => {
    expect(utf8Tail(Buffer.from('abc'), 8)).toEqual({ text: 'abc', cut: false });
    expect(utf8Tail(Buffer.from('aé€😀'), 5)).toEqual({ text: '😀', cut: true });
    expect(utf8Tail(Buffer.from('aé€😀'), 7)).toEqual({ text: '€😀', cut: true });
  });
});
