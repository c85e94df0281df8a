// Tests of the runner's git plumbing: credential scrubbing, failures as GitErrors, cancellation, the repo lock.
import { describe, expect, it } from 'vitest';
import { git, GitError, scrubCredentials, withRepoLock } from './git';

describe('scrubCredentials', () => {
  it.each([
    ['https://user:p4ss@github.com/o/r.git', 'https://github.com/o/r.git'],
    ['https://ghp_abcdefghijklmnop@github.com/o/r', 'https://github.com/o/r'],
    [
      "fatal: unable to access 'http://x:y@host:8080/r/': refused",
      "fatal: unable to access 'http://host:8080/r/': refused",
    ],
    ['ssh://git:secret@host/r.git', 'ssh://git@host/r.git'],
    ['ssh://git@host/r.git', 'ssh://git@host/r.git'],
    ['git@github.com:o/r.git', 'git@github.com:o/r.git'],
    ['/srv/repos/r', '/srv/repos/r'],
  ])('%s → %s', (input, output) => {
    expect(scrubCredentials(input)).toBe(output);
  });
});

describe('git', () => {
  it('rejects with a GitError naming the command and git’s complaint', async () => {
    const error = await git(['rev-parse', '--verify', 'nope'], { repo: { gitDir: '/' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitError);
    expect((error as GitError).message).toMatch(/^git rev-parse failed: /);
  });

  it('treats listed exit codes as answers', async () => {
    const result = await git(['diff', '--no-index', '--quiet', '/dev/null', '/dev/null'], { okCodes: [1] });
    expect(result.code).toBe(0);
  });

  it('stops when its signal aborts', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(git(['--version'], { signal: controller.signal })).rejects.toThrow('was cancelled');
  });

  it('keeps at most maxStdoutBytes of output and counts the rest', async () => {
    const result = await git(['help', '-a'], { maxStdoutBytes: 10 });
    expect(Buffer.byteLength(result.stdout)).toBe(10);
    expect(result.truncated).toBe(true);
    expect(result.stdoutBytes).toBeGreaterThan(10);
  });
});

describe('withRepoLock', () => {
  it('runs work on one key one at a time, and goes on after a failure', async () => {
    const order: string[] = [];
    let release!: () => void;
    const first = withRepoLock('k', async () => {
      order.push('first:start');
      await new Promise<void>((resolve) => (release = resolve));
      order.push('first:end');
      throw new Error('boom');
    });
    const second = withRepoLock('k', async () => void order.push('second'));
    await Promise.resolve();
    release();
    await expect(first).rejects.toThrow('boom');
    await second;
    expect(order).toEqual(['first:start', 'first:end', 'second']);
  });
});
