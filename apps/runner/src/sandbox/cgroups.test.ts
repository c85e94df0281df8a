import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cgroupLayout, createExecutionCgroup, hostCgroupLayout } from './cgroups';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'claudeops-cgroups-'));
  dirs.push(dir);
  return dir;
}

describe('cgroupLayout', () => {
  it('finds the runner cgroup in a hybrid host (v1 controllers, an empty unified hierarchy)', () => {
    const cgroup = ['9:name=systemd:/', '8:pids:/', '4:memory:/process_api/abc', '1:cpu,cpuacct:/', '0::/'].join('\n');
    const mountinfo = [
      '32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct',
      '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
      '39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids',
      '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
    ].join('\n');
    expect(cgroupLayout(cgroup, mountinfo)).toEqual({
      v2: '/sys/fs/cgroup/unified',
      v1: {
        memory: '/sys/fs/cgroup/memory/process_api/abc',
        pids: '/sys/fs/cgroup/pids',
        cpu: '/sys/fs/cgroup/cpu,cpuacct',
      },
    });
  });

  it('follows a mount whose root is a sub-cgroup (a container)', () => {
    const layout = cgroupLayout(
      '0::/system.slice/runner.service',
      '30 1 0:26 /system.slice /sys/fs/cgroup rw - cgroup2 cgroup2 rw',
    );
    expect(layout.v2).toBe('/sys/fs/cgroup/runner.service');
  });
});

describe('createExecutionCgroup (files in a temp dir)', () => {
  it('writes memory.max, cpu.max and pids.max in v2 and reads the OOM kill back', async () => {
    const root = await tempDir();
    await writeFile(join(root, 'cgroup.controllers'), 'cpuset cpu io memory pids\n');
    await writeFile(join(root, 'cgroup.subtree_control'), '');
    const cgroup = await createExecutionCgroup({ v2: root, v1: {} }, 'ex', { memoryMb: 256, cpus: 1.5, pids: 64 });
    expect(cgroup?.version).toBe('v2');
    expect(await readFile(join(root, 'cgroup.subtree_control'), 'utf8')).toBe('+memory +pids +cpu');
    expect(await readFile(join(root, 'ex', 'memory.max'), 'utf8')).toBe(String(256 * 1024 * 1024));
    expect(await readFile(join(root, 'ex', 'cpu.max'), 'utf8')).toBe('150000 100000');
    expect(await readFile(join(root, 'ex', 'pids.max'), 'utf8')).toBe('64');
    expect(cgroup!.procsFiles).toEqual([join(root, 'ex', 'cgroup.procs')]);
    expect(await cgroup!.exceeded()).toBeNull();
    await writeFile(join(root, 'ex', 'memory.events'), 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n');
    expect(await cgroup!.exceeded()).toBe('memory limit of 256 MB exceeded');
  });

  it('falls back to v1 controllers when the unified hierarchy has none, and says which limit a fork hit', async () => {
    const root = await tempDir();
    const v2 = join(root, 'unified');
    await mkdir(v2);
    await writeFile(join(v2, 'cgroup.controllers'), '\n');
    const v1 = { memory: join(root, 'memory'), pids: join(root, 'pids'), cpu: join(root, 'cpu') };
    for (const dir of Object.values(v1)) await mkdir(dir);
    const cgroup = await createExecutionCgroup({ v2, v1 }, 'ex', { memoryMb: 128, pids: 32, cpus: 0.5 });
    expect(cgroup?.version).toBe('v1');
    expect(await readFile(join(v1.memory, 'ex', 'memory.limit_in_bytes'), 'utf8')).toBe(String(128 * 1024 * 1024));
    expect(await readFile(join(v1.pids, 'ex', 'pids.max'), 'utf8')).toBe('32');
    expect(await readFile(join(v1.cpu, 'ex', 'cpu.cfs_quota_us'), 'utf8')).toBe('50000');
    await writeFile(join(v1.pids, 'ex', 'pids.events'), 'max 2\n');
    expect(await cgroup!.exceeded()).toMatch(/^process limit of 32 exceeded/);
    // remove() leaves nothing behind once the files a kernel would own are gone.
    for (const dir of Object.values(v1)) await rm(join(dir, 'ex'), { recursive: true });
    await cgroup!.remove();
  });

  it('is null when no controller the limits need is there, or when there are no limits', async () => {
    const root = await tempDir();
    expect(await createExecutionCgroup({ v1: { pids: root } }, 'ex', { memoryMb: 128 })).toBeNull();
    expect(await createExecutionCgroup({ v1: { memory: root } }, 'ex', {})).toBeNull();
    await expect(stat(join(root, 'ex'))).rejects.toThrow();
  });
});

const host = await hostCgroupLayout();
const hostMemory = host.v1.memory ?? host.v2;
const probe = hostMemory
  ? await createExecutionCgroup(host, `claudeops-probe-${process.pid}`, { memoryMb: 64 }).catch(() => null)
  : null;
await probe?.remove();

describe.skipIf(!probe)('on this host', () => {
  it('kills a process that goes past the memory limit, and the cgroup says so', async () => {
    const cgroup = (await createExecutionCgroup(host, `claudeops-test-${process.pid}`, { memoryMb: 64, pids: 64 }))!;
    try {
      const script = 'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1"; shift; n=$((n-1)); done; exec "$@"';
      const hog = 'const a = []; for (let i = 0; i < 400; i++) a.push(Buffer.alloc(1 << 20, 1)); console.log("fits")';
      const files = cgroup.procsFiles;
      const run = spawnSync('/bin/sh', [
        '-c',
        script,
        'sh',
        String(files.length),
        ...files,
        process.execPath,
        '-e',
        hog,
      ]);
      expect(run.signal).toBe('SIGKILL');
      expect(await cgroup.exceeded()).toBe('memory limit of 64 MB exceeded');
    } finally {
      await cgroup.remove();
    }
  });
});
