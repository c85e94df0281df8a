// A snapshot of the runner's host for the system-health-reporter template (used by the job execution): OS, uptime,
// CPU and load, memory, real filesystems, network, the busiest processes, GPUs and temperatures, from
// systeminformation. Every number is finite or null; slow readings (processes, GPUs) are time-boxed.
import { hostname, loadavg } from 'node:os';
import { createRequire } from 'node:module';
import type si from 'systeminformation';
import type { Systeminformation } from 'systeminformation';
import type { HostSnapshot } from '@claudeops/control-plane/protocol';
import { toGpuMetrics } from './metrics';

/** The parts of systeminformation read here (tests may pass a fake). */
export type SnapshotSystem = Pick<
  typeof si,
  | 'osInfo'
  | 'time'
  | 'cpu'
  | 'currentLoad'
  | 'cpuTemperature'
  | 'mem'
  | 'fsSize'
  | 'networkStats'
  | 'networkInterfaces'
  | 'processes'
  | 'graphics'
>;

export interface SnapshotOptions {
  system?: SnapshotSystem;
  /** The longest any one reading may take before it is left out (default 3000 ms). */
  readingTimeoutMs?: number;
  /** Time between the two network samples throughput is computed from (default 1000 ms). */
  networkSampleMs?: number;
  now?: () => Date;
}

/** Filesystems that are not disks: memory-backed, virtual, or read-only images mounted beside the real ones. */
const VIRTUAL_FS = new Set([
  'tmpfs',
  'devtmpfs',
  'ramfs',
  'squashfs',
  'overlay',
  'proc',
  'sysfs',
  'cgroup',
  'cgroup2',
  'devpts',
  'nsfs',
  'efivarfs',
  'autofs',
  'fuse.lxcfs',
]);
const MAX_DISKS = 32;
const MAX_INTERFACES = 16;
const TOP_PROCESSES = 10;
const KIB = 1024;

const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const nonNeg = (value: unknown): number => Math.max(0, num(value) ?? 0);
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;
const percent = (value: unknown): number => Math.min(100, round(nonNeg(value)));

/** The reading, or `fallback` when it fails or takes longer than `ms`. */
async function within<T>(reading: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)));
  try {
    return await Promise.race([reading.catch(() => fallback), late]);
  } finally {
    clearTimeout(timer);
  }
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Real filesystems, each device once (its shortest mount); the root stays even on an overlay (a container). */
export function realDisks(list: Systeminformation.FsSizeData[]): HostSnapshot['disks'] {
  const byDevice = new Map<string, Systeminformation.FsSizeData>();
  for (const fs of list) {
    const type = (fs.type ?? '').toLowerCase();
    if ((VIRTUAL_FS.has(type) && fs.mount !== '/') || !(nonNeg(fs.size) > 0)) continue;
    const seen = byDevice.get(fs.fs);
    if (!seen || fs.mount.length < seen.mount.length) byDevice.set(fs.fs, fs);
  }
  return [...byDevice.values()].slice(0, MAX_DISKS).map((fs) => ({
    mount: fs.mount,
    fs: fs.fs,
    type: fs.type ?? '',
    sizeBytes: nonNeg(fs.size),
    usedBytes: nonNeg(fs.used),
    usePercent: percent(fs.use),
  }));
}

export function topProcesses(list: Systeminformation.ProcessesProcessData[]): HostSnapshot['processes']['top'] {
  return [...list]
    .sort((a, b) => nonNeg(b.cpu) - nonNeg(a.cpu) || nonNeg(b.mem) - nonNeg(a.mem))
    .slice(0, TOP_PROCESSES)
    .map((p) => ({
      pid: Math.trunc(num(p.pid) ?? 0),
      name: p.name ?? '',
      cpuPercent: round(nonNeg(p.cpu)),
      memPercent: round(nonNeg(p.mem)),
      // systeminformation reports resident memory in KiB.
      memRssBytes: nonNeg(p.memRss) * KIB,
    }));
}

/** systeminformation, loaded by the first snapshot (a health-report run), not by an idle runner. */
const loadSystem = (): SnapshotSystem => createRequire(import.meta.url)('systeminformation') as SnapshotSystem;

export async function collectHostSnapshot(options: SnapshotOptions = {}): Promise<HostSnapshot> {
  const system = options.system ?? loadSystem();
  const ms = options.readingTimeoutMs ?? 3000;
  const now = options.now ?? (() => new Date());
  // Throughput needs two samples of the counters; the first is taken alongside everything else.
  const firstNet = within(system.networkStats('*'), ms, []);
  // CPU use (of the host and of each process) is measured between two calls too: the first ones only prime the
  // counters, so the busiest processes are the busiest over the sample, not since they started.
  const [osInfo, cpu, firstLoad, temperature, mem, fsSize, interfaces, firstProcesses, graphics] = await Promise.all([
    within(system.osInfo(), ms, null),
    within(system.cpu(), ms, null),
    within(system.currentLoad(), ms, null),
    within(system.cpuTemperature(), ms, null),
    within(system.mem(), ms, null),
    within(system.fsSize(), ms, []),
    within(system.networkInterfaces(), ms, []),
    within(system.processes(), ms, null),
    within(system.graphics(), ms, null),
    firstNet.then(() => delay(options.networkSampleMs ?? 1000)),
  ]);
  const [stats, load, processes] = await Promise.all([
    within(system.networkStats('*'), ms, []),
    within(system.currentLoad(), ms, firstLoad),
    within(system.processes(), ms, firstProcesses),
  ]);
  const ifaceList = Array.isArray(interfaces) ? interfaces : [interfaces];
  const [l1 = 0, l5 = 0, l15 = 0] = loadavg();
  const uptime = system.time().uptime;
  return {
    collectedAt: now().toISOString(),
    hostname: osInfo?.hostname || hostname(),
    os: {
      platform: osInfo?.platform ?? process.platform,
      distro: osInfo?.distro ?? '',
      release: osInfo?.release ?? '',
      kernel: osInfo?.kernel ?? '',
      arch: osInfo?.arch ?? process.arch,
    },
    uptimeSeconds: nonNeg(uptime),
    cpu: {
      brand: [cpu?.manufacturer, cpu?.brand].filter(Boolean).join(' '),
      cores: Math.trunc(nonNeg(cpu?.cores)),
      physicalCores: Math.trunc(nonNeg(cpu?.physicalCores)),
      speedGHz: num(cpu?.speed) ? nonNeg(cpu?.speed) : null,
      loadPercent: percent(load?.currentLoad),
      loadAverage: [round(l1, 2), round(l5, 2), round(l15, 2)],
      temperatureC: num(temperature?.main),
    },
    memory: {
      totalBytes: nonNeg(mem?.total),
      usedBytes: nonNeg(mem ? mem.total - mem.available : 0),
      availableBytes: nonNeg(mem?.available),
      swapTotalBytes: nonNeg(mem?.swaptotal),
      swapUsedBytes: nonNeg(mem?.swapused),
    },
    disks: realDisks(fsSize),
    network: ifaceList
      .filter((iface) => !iface.internal)
      .slice(0, MAX_INTERFACES)
      .map((iface) => {
        const stat = stats.find((s) => s.iface === iface.iface);
        const rate = (value: unknown) => (num(value) === null ? null : round(nonNeg(value), 0));
        return {
          iface: iface.iface,
          ip4: iface.ip4 || null,
          rxBytesPerSec: rate(stat?.rx_sec),
          txBytesPerSec: rate(stat?.tx_sec),
        };
      }),
    processes: {
      all: Math.trunc(nonNeg(processes?.all)),
      running: Math.trunc(nonNeg(processes?.running)),
      blocked: Math.trunc(nonNeg(processes?.blocked)),
      top: topProcesses(processes?.list ?? []),
    },
    gpus: (graphics?.controllers ?? []).flatMap(toGpuMetrics).slice(0, 16),
    temperatures: { mainC: num(temperature?.chipset), maxC: num(temperature?.max) },
  };
}
