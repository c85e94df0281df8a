// System metrics for the runner's heartbeats (CPU load, memory) via systeminformation; used by the control connection.
import si from 'systeminformation';
import type { RunnerMetrics } from '@claudeops/control-plane/protocol';

export type MetricsSource = () => Promise<RunnerMetrics | undefined>;

/** Current CPU load and memory; undefined when the platform cannot tell (metrics are optional in a heartbeat). */
export const collectMetrics: MetricsSource = async () => {
  try {
    const [load, mem] = await Promise.all([si.currentLoad(), si.mem()]);
    return {
      cpuLoadPercent: Math.round(load.currentLoad * 10) / 10,
      // "available" counts reclaimable cache as free, which is what a person deciding where to run means by free.
      memUsedBytes: mem.total - mem.available,
      memTotalBytes: mem.total,
    };
  } catch {
    return undefined;
  }
};
