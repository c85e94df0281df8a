// Unit tests of the host snapshot: on this machine, real numbers in the protocol's shape; filtering of disks and
// processes on fixed input.
import { describe, expect, it } from 'vitest';
import type { Systeminformation } from 'systeminformation';
import { HostSnapshot } from '@claudeops/control-plane/protocol';
import { collectHostSnapshot, realDisks, topProcesses } from './host-snapshot';

describe('collectHostSnapshot', () => {
  it('reads this machine into a valid HostSnapshot with real numbers', async () => {
    const snapshot = HostSnapshot.parse(await collectHostSnapshot({ networkSampleMs: 200 }));
    expect(snapshot.memory.totalBytes).toBeGreaterThan(0);
    expect(snapshot.memory.availableBytes).toBeGreaterThan(0);
    expect(snapshot.cpu.cores).toBeGreaterThan(0);
    expect(snapshot.disks.length).toBeGreaterThanOrEqual(1);
    expect(snapshot.disks[0]!.sizeBytes).toBeGreaterThan(0);
    expect(snapshot.processes.all).toBeGreaterThan(0);
    expect(snapshot.processes.top.length).toBeGreaterThan(0);
    expect(snapshot.uptimeSeconds).toBeGreaterThan(0);
    expect(snapshot.hostname).not.toBe('');
    // JSON survives the round trip unchanged: no NaN or Infinity anywhere.
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
  });
});

const fs = (fsName: string, type: string, mount: string, size = 100): Systeminformation.FsSizeData =>
  ({ fs: fsName, type, mount, size, used: 40, available: 60, use: 40, rw: true }) as Systeminformation.FsSizeData;

describe('realDisks', () => {
  it('keeps real filesystems once each, and an overlay only as the root', () => {
    const disks = realDisks([
      fs('/dev/sda1', 'ext4', '/home'),
      fs('/dev/sda1', 'ext4', '/'),
      fs('tmpfs', 'tmpfs', '/run'),
      fs('/dev/loop0', 'squashfs', '/snap/core/1'),
      fs('overlay', 'overlay', '/var/lib/docker/overlay2/x/merged'),
      fs('/dev/nvme0n1p2', 'xfs', '/data'),
      fs('/dev/sdb', 'ext4', '/empty', 0),
    ]);
    expect(disks.map((d) => [d.fs, d.mount])).toEqual([
      ['/dev/sda1', '/'],
      ['/dev/nvme0n1p2', '/data'],
    ]);
    expect(realDisks([fs('overlay', 'overlay', '/')]).map((d) => d.mount)).toEqual(['/']);
  });
});

describe('topProcesses', () => {
  it('orders by CPU, then memory, ten at most, RSS in bytes', () => {
    const list = Array.from(
      { length: 15 },
      (_, i) => ({ pid: i, name: `p${i}`, cpu: i % 3, mem: i, memRss: 2 }) as Systeminformation.ProcessesProcessData,
    );
    const top = topProcesses(list);
    expect(top).toHaveLength(10);
    expect(top.slice(0, 3).map((p) => p.pid)).toEqual([14, 11, 8]);
    expect(top[0]!.memRssBytes).toBe(2048);
  });
});
