// System metrics for the runner's heartbeats (used by the control connection): CPU load, memory, the workspaces'
// disk, network throughput, load average and GPUs. Cheap by design: GPU readings (nvidia-smi, lspci behind
// systeminformation) are refreshed in the background and reported from cache, so a heartbeat never waits on them.
import { statfs } from 'node:fs/promises';
import { loadavg, networkInterfaces, platform } from 'node:os';
import { createRequire } from 'node:module';
import type si from 'systeminformation';
import type { Systeminformation } from 'systeminformation';
import type { RunnerMetrics } from '@claudeops/control-plane/protocol';

export type MetricsSource = () => Promise<RunnerMetrics | undefined>;
type GpuMetrics = NonNullable<RunnerMetrics['gpus']>[number];

/** The parts of systeminformation read here (tests pass a fake). */
export type SystemInfo = Pick<typeof si, 'currentLoad' | 'mem' | 'networkStats' | 'graphics'>;

/**
 * The same functions from systeminformation's own modules: its index loads every module it has (batteries,
 * docker, printers…), ~7 MB of an idle runner's memory for readings a heartbeat never takes.
 */
function heartbeatSystem(): SystemInfo {
  const load = createRequire(import.meta.url);
  const cpu = load('systeminformation/lib/cpu') as Pick<SystemInfo, 'currentLoad'>;
  const memory = load('systeminformation/lib/memory') as Pick<SystemInfo, 'mem'>;
  const network = load('systeminformation/lib/network') as Pick<SystemInfo, 'networkStats'>;
  const graphics = load('systeminformation/lib/graphics') as Pick<SystemInfo, 'graphics'>;
  return {
    currentLoad: cpu.currentLoad,
    mem: memory.mem,
    networkStats: network.networkStats,
    graphics: graphics.graphics,
  };
}

export interface MetricsSourceOptions {
  /** A path on the filesystem whose usage is reported (the workspaces directory). */
  diskPath?: string;
  /** How often GPU readings are refreshed (default 10 s); a host with no GPU is asked again every 5 minutes. */
  gpuRefreshMs?: number;
  /** How long the first sample waits for the first GPU reading (default 250 ms); later ones never wait. */
  firstGpuWaitMs?: number;
  system?: SystemInfo;
  /** Network interface names to count (default: every non-internal one). */
  interfaces?: () => string[];
  now?: () => number;
}

const MIB = 1024 * 1024;
const NO_GPU_REFRESH_MS = 5 * 60_000;
const MAX_GPUS = 16;

/** A metrics source that keeps the state throughput and cached GPU readings need between heartbeats. */
export function createMetricsSource(options: MetricsSourceOptions = {}): MetricsSource {
  const system = options.system ?? heartbeatSystem();
  const now = options.now ?? Date.now;
  const interfaces = options.interfaces ?? externalInterfaces;
  const gpuRefreshMs = options.gpuRefreshMs ?? 10_000;

  let lastNet: { at: number; bytes: Map<string, { rx: number; tx: number }> } | null = null;
  let gpus: GpuMetrics[] | undefined;
  let gpusReadAt = 0;
  let gpuRead: Promise<void> | null = null;

  const refreshGpus = (): Promise<void> =>
    (gpuRead ??= system
      .graphics()
      .then((data) => {
        gpus = data.controllers.flatMap(toGpuMetrics).slice(0, MAX_GPUS);
      })
      // A failed reading keeps the last one; the next refresh tries again.
      .catch(() => undefined)
      .finally(() => {
        gpusReadAt = now();
        gpuRead = null;
      }));

  const readGpus = async (): Promise<GpuMetrics[] | undefined> => {
    const age = now() - gpusReadAt;
    const due = gpus === undefined || age >= (gpus.length === 0 ? NO_GPU_REFRESH_MS : gpuRefreshMs);
    if (due && !gpuRead) void refreshGpus();
    if (gpus === undefined && gpuRead) await Promise.race([gpuRead, delay(options.firstGpuWaitMs ?? 250)]);
    return gpus;
  };

  const readNetwork = async (): Promise<{ rx: number; tx: number } | undefined> => {
    const names = interfaces();
    if (names.length === 0) return undefined;
    const stats = await system.networkStats(names.join(','));
    const at = now();
    const bytes = new Map(stats.map((s) => [s.iface, { rx: s.rx_bytes, tx: s.tx_bytes }]));
    const previous = lastNet;
    lastNet = { at, bytes };
    const seconds = previous ? (at - previous.at) / 1000 : 0;
    if (!previous || seconds <= 0) return undefined;
    let rx = 0;
    let tx = 0;
    // Per interface, so an interface coming up or a counter reset does not read as a burst.
    for (const [iface, current] of bytes) {
      const before = previous.bytes.get(iface);
      if (!before) continue;
      rx += Math.max(0, current.rx - before.rx);
      tx += Math.max(0, current.tx - before.tx);
    }
    return { rx: Math.round(rx / seconds), tx: Math.round(tx / seconds) };
  };

  const readDisk = async (): Promise<{ used: number; total: number } | undefined> => {
    if (!options.diskPath) return undefined;
    const fs = await statfs(options.diskPath);
    return { used: (fs.blocks - fs.bfree) * fs.bsize, total: fs.blocks * fs.bsize };
  };

  // The first CPU reading takes half a second (it needs two samples), so it is taken now rather than at a heartbeat.
  void system.currentLoad().catch(() => undefined);
  void refreshGpus();

  return async () => {
    const [load, mem, disk, net, gpuList] = await Promise.all([
      system.currentLoad().catch(() => undefined),
      system.mem().catch(() => undefined),
      readDisk().catch(() => undefined),
      readNetwork().catch(() => undefined),
      readGpus(),
    ]);
    if (!load || !mem) return undefined;
    const metrics: RunnerMetrics = {
      cpuLoadPercent: round(load.currentLoad, 1),
      // "available" counts reclaimable cache as free, which is what a person deciding where to run means by free.
      memUsedBytes: mem.total - mem.available,
      memTotalBytes: mem.total,
    };
    if (disk) {
      metrics.diskUsedBytes = disk.used;
      metrics.diskTotalBytes = disk.total;
    }
    if (net) {
      metrics.netRxBytesPerSec = net.rx;
      metrics.netTxBytesPerSec = net.tx;
    }
    // Windows has no load average (Node reports zeros).
    if (platform() !== 'win32') metrics.loadAverage1m = round(loadavg()[0] ?? 0, 2);
    if (gpuList) metrics.gpus = gpuList;
    return metrics;
  };
}

/** One graphics controller as systeminformation reports it (NVIDIA through nvidia-smi); null where not reported. */
export function toGpuMetrics(controller: Systeminformation.GraphicsControllerData): GpuMetrics[] {
  const vendor = (controller.vendor ?? '').trim();
  const model = (controller.model || controller.name || '').trim();
  if (!vendor && !model) return [];
  const memoryTotal = finite(controller.memoryTotal) ?? finite(controller.vram);
  const memoryUsed = finite(controller.memoryUsed);
  return [
    {
      vendor: vendor.slice(0, 100),
      model: model.slice(0, 200),
      utilizationPercent: finite(controller.utilizationGpu),
      memUsedBytes: memoryUsed === null ? null : memoryUsed * MIB,
      memTotalBytes: memoryTotal === null ? null : memoryTotal * MIB,
      temperatureC: finite(controller.temperatureGpu),
    },
  ];
}

function externalInterfaces(): string[] {
  return Object.entries(networkInterfaces())
    .filter(([, addresses]) => addresses?.some((address) => !address.internal))
    .map(([name]) => name);
}

const finite = (value: number | null | undefined): number | null =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
