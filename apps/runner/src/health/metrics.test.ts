// Tests of the heartbeat metrics: the sample's shape (the protocol's RunnerMetrics), network rates, GPU readings from
// systeminformation's graphics() and their cache, on a fake system and on this machine.
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { RunnerMetrics } from '@claudeops/control-plane/protocol';
import { createMetricsSource, toGpuMetrics, type SystemInfo } from './metrics';

const GIB = 1024 ** 3;
const nvidia = {
  vendor: 'NVIDIA Corporation',
  model: 'NVIDIA H100 80GB HBM3',
  bus: 'PCI',
  vram: 81559,
  vramDynamic: false,
  utilizationGpu: 87,
  memoryUsed: 40960,
  memoryTotal: 81559,
  temperatureGpu: 61,
};
const vmAdapter = { vendor: 'Cirrus Logic', model: 'GD 5446', bus: 'PCI', vram: null, vramDynamic: false };

function fakeSystem(overrides: Partial<SystemInfo> = {}) {
  const counters = { rx: 1_000, tx: 500, graphicsCalls: 0 };
  const system = {
    currentLoad: async () => ({ currentLoad: 12.345 }),
    mem: async () => ({ total: 16 * GIB, available: 10 * GIB }),
    networkStats: async () => [{ iface: 'eth0', rx_bytes: counters.rx, tx_bytes: counters.tx }],
    graphics: async () => {
      counters.graphicsCalls += 1;
      return { controllers: [nvidia, vmAdapter], displays: [] };
    },
    ...overrides,
  } as unknown as SystemInfo;
  return { system, counters };
}

describe('createMetricsSource', () => {
  it('samples CPU, memory, disk, network per second, load average and GPUs in the protocol shape', async () => {
    let clock = 1_000_000;
    const { system, counters } = fakeSystem();
    const sample = createMetricsSource({
      system,
      diskPath: tmpdir(),
      interfaces: () => ['eth0'],
      now: () => clock,
    });
    await sample();
    clock += 2_000;
    counters.rx += 4_000;
    counters.tx += 1_000;
    const metrics = await sample();
    expect(RunnerMetrics.parse(metrics)).toEqual(metrics);
    expect(metrics).toMatchObject({
      cpuLoadPercent: 12.3,
      memUsedBytes: 6 * GIB,
      memTotalBytes: 16 * GIB,
      netRxBytesPerSec: 2_000,
      netTxBytesPerSec: 500,
      loadAverage1m: expect.any(Number),
      gpus: [
        {
          vendor: 'NVIDIA Corporation',
          model: 'NVIDIA H100 80GB HBM3',
          utilizationPercent: 87,
          memUsedBytes: 40960 * 1024 * 1024,
          memTotalBytes: 81559 * 1024 * 1024,
          temperatureC: 61,
        },
        { vendor: 'Cirrus Logic', model: 'GD 5446', utilizationPercent: null, memUsedBytes: null, temperatureC: null },
      ],
    });
    expect(metrics!.diskTotalBytes).toBeGreaterThan(0);
    expect(metrics!.diskUsedBytes).toBeLessThanOrEqual(metrics!.diskTotalBytes!);
  });

  it('reads GPUs from cache between refreshes, and a slow GPU reading never holds a sample', async () => {
    let clock = 0;
    const { system, counters } = fakeSystem();
    const sample = createMetricsSource({ system, now: () => clock, gpuRefreshMs: 10_000, interfaces: () => [] });
    await sample();
    clock += 5_000;
    await sample();
    expect(counters.graphicsCalls).toBe(1);
    clock += 6_000;
    await sample();
    expect(counters.graphicsCalls).toBe(2);

    const stuck = fakeSystem({ graphics: () => new Promise(() => undefined) });
    const metrics = await createMetricsSource({ system: stuck.system, firstGpuWaitMs: 0, interfaces: () => [] })();
    expect(metrics).toBeDefined();
    expect(metrics!.gpus).toBeUndefined();
  });

  it('has no network rate on the first sample, and none made of a counter reset', async () => {
    let clock = 0;
    const { system, counters } = fakeSystem();
    const sample = createMetricsSource({ system, now: () => clock, interfaces: () => ['eth0'] });
    expect((await sample())?.netRxBytesPerSec).toBeUndefined();
    clock += 1_000;
    counters.rx = 0;
    expect((await sample())?.netRxBytesPerSec).toBe(0);
  });

  it('gives no sample when the platform cannot tell CPU or memory', async () => {
    const { system } = fakeSystem({ mem: () => Promise.reject(new Error('unsupported')) });
    expect(await createMetricsSource({ system, interfaces: () => [] })()).toBeUndefined();
  });

  it('samples this machine in the protocol shape', { timeout: 15_000 }, async () => {
    const sample = createMetricsSource({ diskPath: tmpdir() });
    const metrics = await sample();
    expect(RunnerMetrics.parse(metrics)).toEqual(metrics);
    expect(metrics?.diskTotalBytes).toBeGreaterThan(0);
  });
});

describe('toGpuMetrics', () => {
  it('drops controllers with neither vendor nor model', () => {
    expect(toGpuMetrics({ ...vmAdapter, vendor: '', model: '' })).toEqual([]);
  });
});
