import { describe, expect, it } from 'vitest';
import { bwrapArgs, isWithin } from './bwrap-args';

/** The mount operations in order, as [flag, ...paths] groups. */
function mounts(args: string[]): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < args.length; i++) {
    const flag = args[i]!;
    if (flag === '--bind' || flag === '--ro-bind') out.push([flag, args[++i]!, args[++i]!]);
    else if (flag === '--tmpfs' || flag === '--dev' || flag === '--proc') out.push([flag, args[++i]!]);
  }
  return out;
}

const spec = {
  workspace: '/srv/state/workspaces/ex_1',
  home: { path: '/home/alice', source: '/srv/state/sandbox/ex_1/home' },
  hide: [
    { path: '/srv/state', kind: 'dir' as const },
    { path: '/home/alice', kind: 'dir' as const },
    { path: '/etc/secret.conf', kind: 'file' as const },
  ],
  readOnly: ['/srv/state/repos/github.com/a/b.git'],
  writable: ['/srv/state/repos/github.com/a/b.git/worktrees/ex_1'],
  unshareNet: false,
};

describe('bwrapArgs', () => {
  it('mounts the host read-only, then private /dev, /proc and /tmp, hides, the HOME and the workspace', () => {
    expect(mounts(bwrapArgs(spec))).toEqual([
      ['--ro-bind', '/', '/'],
      ['--dev', '/dev'],
      ['--proc', '/proc'],
      ['--tmpfs', '/tmp'],
      ['--tmpfs', '/srv/state'],
      ['--ro-bind', '/dev/null', '/etc/secret.conf'],
      // The private HOME replaces the hidden real one at the same path.
      ['--bind', '/srv/state/sandbox/ex_1/home', '/home/alice'],
      ['--bind', '/srv/state/workspaces/ex_1', '/srv/state/workspaces/ex_1'],
      ['--ro-bind', '/srv/state/repos/github.com/a/b.git', '/srv/state/repos/github.com/a/b.git'],
      [
        '--bind',
        '/srv/state/repos/github.com/a/b.git/worktrees/ex_1',
        '/srv/state/repos/github.com/a/b.git/worktrees/ex_1',
      ],
    ]);
  });

  it('keeps the namespaces, drops capabilities, runs in the workspace and ends with --', () => {
    const args = bwrapArgs(spec);
    for (const flag of ['--unshare-pid', '--unshare-ipc', '--unshare-uts', '--die-with-parent']) {
      expect(args).toContain(flag);
    }
    expect(args.join(' ')).toContain('--cap-drop ALL');
    expect(args).not.toContain('--new-session');
    expect(args).not.toContain('--unshare-net');
    expect(args.slice(-3)).toEqual(['--chdir', spec.workspace, '--']);
  });

  it('unshares the network for a model-only or allow-list run', () => {
    expect(bwrapArgs({ ...spec, unshareNet: true })).toContain('--unshare-net');
  });

  it('keeps a path hidden inside the workspace hidden, and the workspace writable when a hide names it', () => {
    const args = bwrapArgs({
      ...spec,
      hide: [...spec.hide, { path: `${spec.workspace}/secrets`, kind: 'dir' }, { path: spec.workspace, kind: 'dir' }],
    });
    const order = mounts(args).map((mount) => mount.join(' '));
    expect(order.indexOf(`--tmpfs ${spec.workspace}/secrets`)).toBeGreaterThan(
      order.indexOf(`--bind ${spec.workspace} ${spec.workspace}`),
    );
    expect(order).not.toContain(`--tmpfs ${spec.workspace}`);
  });

  it('puts the state dir cover before a HOME it lies in only after that HOME', () => {
    const order = mounts(
      bwrapArgs({
        ...spec,
        workspace: '/home/alice/.claudeops/runner/workspaces/ex_1',
        hide: [{ path: '/home/alice/.claudeops/runner', kind: 'dir' }],
      }),
    ).map((mount) => mount[mount.length - 1]);
    expect(order.indexOf('/home/alice')).toBeLessThan(order.indexOf('/home/alice/.claudeops/runner'));
    expect(order.indexOf('/home/alice/.claudeops/runner')).toBeLessThan(
      order.indexOf('/home/alice/.claudeops/runner/workspaces/ex_1'),
    );
  });
});

describe('isWithin', () => {
  it('compares whole path segments', () => {
    expect(isWithin('/a/b/c', '/a/b')).toBe(true);
    expect(isWithin('/a/b', '/a/b/')).toBe(true);
    expect(isWithin('/a/bc', '/a/b')).toBe(false);
    expect(isWithin('/a/b/../c', '/a/b')).toBe(false);
  });
});
