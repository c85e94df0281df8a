// Tests of the runner's git plumbing: credential scrubbing, failures as GitErrors, cancellation, the repo lock.
import { describe, expect, it } from 'vitest';
import { git, gitArgs, gitEnvironment, GitError, scrubCredentials, withRepoLock } from './git';

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

describe('the hardened invocation', () => {
  it('names the git dir and work tree from the records and turns off what a config could make git run', () => {
    const args = gitArgs(['status'], { repo: { gitDir: '/state/repos/r.git/worktrees/w', workTree: '/ws/w' } });
    expect(args.slice(-3)).toEqual(['--git-dir=/state/repos/r.git/worktrees/w', '--work-tree=/ws/w', 'status']);
    const settings = args.filter((_, i) => args[i - 1] === '-c');
    expect(settings).toEqual(
      expect.arrayContaining([
        'core.fsmonitor=false',
        'core.hooksPath=/dev/null',
        'core.pager=cat',
        'diff.external=',
        'protocol.ext.allow=never',
        'credential.helper=',
        'safe.directory=/ws/w',
      ]),
    );
    expect(args[0]).toBe('--no-pager');
    // Fetches keep the host's credential helpers.
    expect(gitArgs(['fetch'], { repo: { gitDir: '/c.git' }, network: true })).not.toContain('credential.helper=');
  });

  it('reads no system or global config except for network commands, and drops inherited repository pointers', () => {
    const saved = { GIT_DIR: process.env.GIT_DIR, GIT_CONFIG_PARAMETERS: process.env.GIT_CONFIG_PARAMETERS };
    process.env.GIT_DIR = '/elsewhere';
    process.env.GIT_CONFIG_PARAMETERS = "'core.fsmonitor'='/tmp/x'";
    try {
      const local = gitEnvironment({}, false);
      expect(local).toMatchObject({ GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' });
      expect(local.GIT_DIR).toBeUndefined();
      expect(local.GIT_CONFIG_PARAMETERS).toBeUndefined();
      expect(gitEnvironment({}, true).GIT_CONFIG_GLOBAL).toBe(process.env.GIT_CONFIG_GLOBAL);
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
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
