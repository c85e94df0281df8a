// Resource limits of one execution as cgroups (used by sandbox.ts): a cgroup per execution below the runner's own,
// in the unified hierarchy (v2: memory.max, cpu.max, pids.max) where it has the controllers, else in the v1 memory,
// pids and cpu hierarchies where those are writable; the limit an execution ran into is read back from their events.
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { ResourceLimits } from '@claudeops/control-plane/protocol';

export type CgroupVersion = 'v2' | 'v1';

/** Where the runner's own cgroups are: the unified one (v2), or one directory per v1 controller. */
export interface CgroupLayout {
  v2?: string;
  v1: { memory?: string; pids?: string; cpu?: string };
}

/** The runner process's cgroups, from /proc/self/cgroup and /proc/self/mountinfo (passed in, so tests can). */
export function cgroupLayout(procSelfCgroup: string, mountinfo: string): CgroupLayout {
  const paths = new Map<string, string>();
  for (const line of procSelfCgroup.split('\n')) {
    const match = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (match) paths.set(match[2]!, match[3]!);
  }
  const layout: CgroupLayout = { v1: {} };
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const fields = left.split(' ');
    const [fstype, , superOptions = ''] = right.split(' ');
    const root = fields[3];
    const mountPoint = fields[4];
    if (!root || !mountPoint) continue;
    const below = (path: string | undefined) => {
      if (path === undefined) return undefined;
      const relative = posix.relative(root, path);
      return relative.startsWith('..') ? undefined : posix.join(mountPoint, relative);
    };
    if (fstype === 'cgroup2') {
      layout.v2 = below(paths.get('')) ?? layout.v2;
    } else if (fstype === 'cgroup') {
      const options = superOptions.split(',');
      for (const controller of ['memory', 'pids', 'cpu'] as const) {
        if (!options.includes(controller)) continue;
        const key = [...paths.keys()].find((names) => names.split(',').includes(controller));
        const dir = key === undefined ? undefined : below(paths.get(key));
        if (dir) layout.v1[controller] = dir;
      }
    }
  }
  return layout;
}

/** One execution's cgroup(s), made and limited before Claude Code starts, removed after every process ended. */
export interface ExecutionCgroup {
  readonly version: CgroupVersion;
  /** cgroup.procs files a process writes its own PID into before it execs (see sandbox.ts). */
  readonly procsFiles: string[];
  /** The limit the run ran into (OOM kill, refused fork), in words; null while none. */
  exceeded(): Promise<string | null>;
  remove(): Promise<void>;
}

const V2_CONTROLLERS = ['memory', 'pids', 'cpu'] as const;
const CPU_PERIOD_US = 100_000;

const readNumber = async (file: string, key: string): Promise<number> => {
  try {
    const text = await readFile(file, 'utf8');
    const match = new RegExp(`^${key} (\\d+)$`, 'm').exec(text);
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
};

function needed(limits: ResourceLimits): Array<(typeof V2_CONTROLLERS)[number]> {
  return V2_CONTROLLERS.filter(
    (name) =>
      (name === 'memory' && limits.memoryMb) || (name === 'pids' && limits.pids) || (name === 'cpu' && limits.cpus),
  );
}

export const memoryReason = (limits: ResourceLimits) => `memory limit of ${limits.memoryMb} MB exceeded`;
export const pidsReason = (limits: ResourceLimits) =>
  `process limit of ${limits.pids} exceeded (a fork was refused); the run was stopped`;

/** The controllers the unified hierarchy lets this runner use below its own cgroup; enables them when it may. */
async function v2Ready(dir: string, want: string[]): Promise<boolean> {
  try {
    const available = (await readFile(join(dir, 'cgroup.controllers'), 'utf8')).trim().split(/\s+/);
    if (!want.every((name) => available.includes(name))) return false;
    const enabled = (await readFile(join(dir, 'cgroup.subtree_control'), 'utf8')).trim().split(/\s+/);
    const missing = want.filter((name) => !enabled.includes(name));
    if (missing.length === 0) return true;
    await writeFile(join(dir, 'cgroup.subtree_control'), missing.map((name) => `+${name}`).join(' '));
    return true;
  } catch {
    // Not delegated to us, or processes in our own cgroup forbid controllers below it (cgroup v2's no-internal-
    // process rule): a systemd unit needs Delegate=yes and the runner in a leaf of its own.
    return false;
  }
}

async function createV2(dir: string, name: string, limits: ResourceLimits): Promise<ExecutionCgroup | null> {
  if (!(await v2Ready(dir, needed(limits)))) return null;
  const cgroup = join(dir, name);
  try {
    await mkdir(cgroup);
    if (limits.memoryMb) {
      await writeFile(join(cgroup, 'memory.max'), String(limits.memoryMb * 1024 * 1024));
      // Swap would let the run go on past its limit, slowly; and one OOM kill takes the whole run.
      await writeFile(join(cgroup, 'memory.swap.max'), '0').catch(() => undefined);
      await writeFile(join(cgroup, 'memory.oom.group'), '1').catch(() => undefined);
    }
    if (limits.pids) await writeFile(join(cgroup, 'pids.max'), String(limits.pids));
    if (limits.cpus) {
      await writeFile(join(cgroup, 'cpu.max'), `${Math.round(limits.cpus * CPU_PERIOD_US)} ${CPU_PERIOD_US}`);
    }
  } catch {
    await rmdir(cgroup).catch(() => undefined);
    return null;
  }
  return {
    version: 'v2',
    procsFiles: [join(cgroup, 'cgroup.procs')],
    exceeded: async () => {
      if (limits.memoryMb && (await readNumber(join(cgroup, 'memory.events'), 'oom_kill')) > 0) {
        return memoryReason(limits);
      }
      if (limits.pids && (await readNumber(join(cgroup, 'pids.events'), 'max')) > 0) return pidsReason(limits);
      return null;
    },
    remove: () => rmdir(cgroup).catch(() => undefined),
  };
}

async function createV1(
  layout: CgroupLayout['v1'],
  name: string,
  limits: ResourceLimits,
): Promise<ExecutionCgroup | null> {
  const made: string[] = [];
  const dirFor = (controller: keyof CgroupLayout['v1']) => join(layout[controller]!, name);
  try {
    for (const controller of needed(limits)) {
      if (!layout[controller]) return await failed(made);
      await mkdir(dirFor(controller));
      made.push(dirFor(controller));
    }
    if (limits.memoryMb) {
      const bytes = String(limits.memoryMb * 1024 * 1024);
      await writeFile(join(dirFor('memory'), 'memory.limit_in_bytes'), bytes);
      // memory+swap no higher than memory, where the kernel accounts swap: the limit is the limit.
      await writeFile(join(dirFor('memory'), 'memory.memsw.limit_in_bytes'), bytes).catch(() => undefined);
    }
    if (limits.pids) await writeFile(join(dirFor('pids'), 'pids.max'), String(limits.pids));
    if (limits.cpus) {
      await writeFile(join(dirFor('cpu'), 'cpu.cfs_period_us'), String(CPU_PERIOD_US));
      await writeFile(join(dirFor('cpu'), 'cpu.cfs_quota_us'), String(Math.round(limits.cpus * CPU_PERIOD_US)));
    }
  } catch {
    return await failed(made);
  }
  return {
    version: 'v1',
    procsFiles: made.map((dir) => join(dir, 'cgroup.procs')),
    exceeded: async () => {
      if (limits.memoryMb && (await readNumber(join(dirFor('memory'), 'memory.oom_control'), 'oom_kill')) > 0) {
        return memoryReason(limits);
      }
      if (limits.pids && (await readNumber(join(dirFor('pids'), 'pids.events'), 'max')) > 0) return pidsReason(limits);
      return null;
    },
    remove: async () => {
      for (const dir of made) await rmdir(dir).catch(() => undefined);
    },
  };
}

async function failed(made: string[]): Promise<null> {
  for (const dir of made) await rmdir(dir).catch(() => undefined);
  return null;
}

/**
 * The execution's cgroup with `limits` written, v2 first, then v1; null when neither works on this host (the caller
 * says so in the run's log). `name` is unique to the execution.
 */
export async function createExecutionCgroup(
  layout: CgroupLayout,
  name: string,
  limits: ResourceLimits,
): Promise<ExecutionCgroup | null> {
  if (needed(limits).length === 0) return null;
  if (layout.v2) {
    const cgroup = await createV2(layout.v2, name, limits);
    if (cgroup) return cgroup;
  }
  return createV1(layout.v1, name, limits);
}

/** The runner's own layout on this host (Linux; elsewhere none). */
export async function hostCgroupLayout(): Promise<CgroupLayout> {
  try {
    const [cgroup, mountinfo] = await Promise.all([
      readFile('/proc/self/cgroup', 'utf8'),
      readFile('/proc/self/mountinfo', 'utf8'),
    ]);
    return cgroupLayout(cgroup, mountinfo);
  } catch {
    return { v1: {} };
  }
}
