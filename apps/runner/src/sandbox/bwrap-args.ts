// The bubblewrap command line of one confined execution (pure; built by sandbox.ts, tested on its own): the host
// read-only, private /dev, /proc and /tmp, hidden paths covered, the private HOME, and the workspace the only writable
// host path.
import { posix } from 'node:path';

/** What a job's Claude Code may see, in host paths. */
export interface BwrapSpec {
  /** The execution's workspace: writable, and the working directory. */
  workspace: string;
  /** A fresh per-execution directory (`source`) bound read-write at the HOME path Claude Code is given (`path`). */
  home: { path: string; source: string };
  /** Covered entirely: a directory by an empty tmpfs, a file by /dev/null. Missing paths are left out by the caller. */
  hide: Array<{ path: string; kind: 'dir' | 'file' }>;
  /** Host paths bound read-only again below a hidden one (a worktree's cache repository). */
  readOnly?: string[];
  /** Host paths bound read-write (a worktree's admin dir in the cache). */
  writable?: string[];
  /** Own network namespace: only loopback, reached from outside through the bridge's unix sockets. */
  unshareNet: boolean;
}

/** Flags every confined run gets (and the probe runs with), before any mount. */
export const NAMESPACE_FLAGS = [
  '--unshare-pid',
  '--unshare-ipc',
  '--unshare-uts',
  '--unshare-cgroup-try',
  // bwrap's own init dies with the runner's child, and takes the whole PID namespace with it.
  '--die-with-parent',
  // Run as root, bwrap would keep every capability: then the agent could unmount what hides the state dir.
  '--cap-drop',
  'ALL',
] as const;

/** Mounts that come first, whatever else the run sees. */
export const BASE_MOUNTS = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp'] as const;

type Mount = { path: string; args: string[]; rank: number };

const depth = (path: string) => (path === '/' ? 0 : path.split('/').length - 1);

/**
 * bwrap's arguments up to and including `--` (the command follows). Mounts apply in order, so each one comes after
 * every mount of a parent path: the state dir is covered before the workspace below it is bound back, and a hidden
 * path inside a bound one stays hidden.
 */
export function bwrapArgs(spec: BwrapSpec): string[] {
  const mounts: Mount[] = [];
  const add = (path: string, rank: number, args: string[]) => mounts.push({ path: posix.normalize(path), args, rank });
  for (const hidden of spec.hide) {
    if (hidden.kind === 'dir') add(hidden.path, 0, ['--tmpfs', hidden.path]);
    else add(hidden.path, 0, ['--ro-bind', '/dev/null', hidden.path]);
  }
  add(spec.home.path, 1, ['--bind', spec.home.source, spec.home.path]);
  for (const path of spec.readOnly ?? []) add(path, 2, ['--ro-bind', path, path]);
  for (const path of spec.writable ?? []) add(path, 3, ['--bind', path, path]);
  add(spec.workspace, 4, ['--bind', spec.workspace, spec.workspace]);
  // At one path only the highest rank counts: a hide of the HOME path is the private HOME, the workspace stays
  // writable even when named by --sandbox-hide.
  const byPath = new Map<string, Mount>();
  for (const mount of mounts) {
    if (mount.path === '/' || mount.path === '/tmp') continue;
    const seen = byPath.get(mount.path);
    if (!seen || seen.rank < mount.rank) byPath.set(mount.path, mount);
  }
  const ordered = [...byPath.values()].sort((a, b) => depth(a.path) - depth(b.path) || a.rank - b.rank);
  return [
    ...NAMESPACE_FLAGS,
    ...(spec.unshareNet ? ['--unshare-net'] : []),
    ...BASE_MOUNTS,
    ...ordered.flatMap((mount) => mount.args),
    '--chdir',
    spec.workspace,
    '--',
  ];
}

/** Whether `path` is `dir` or inside it (both normalised absolute paths). */
export function isWithin(path: string, dir: string): boolean {
  const a = posix.normalize(path);
  const b = posix.normalize(dir).replace(/\/+$/, '');
  return b === '' || a === b || a.startsWith(`${b}/`);
}
