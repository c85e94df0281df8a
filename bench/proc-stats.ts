// Linux /proc readings for benchmarks: CPU time and resident memory of a process group.
import { readdir, readFile } from 'node:fs/promises';

const TICKS_PER_SECOND = 100;

interface ProcStat {
  pid: number;
  pgid: number;
  cpuMs: number;
}

async function stat(pid: number): Promise<ProcStat | null> {
  try {
    const text = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return { pid, pgid: Number(fields[2]), cpuMs: ((utime + stime) / TICKS_PER_SECOND) * 1000 };
  } catch {
    return null;
  }
}

/** PIDs of the live processes in process group `pgid`. */
export async function groupPids(pgid: number): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = await stat(Number(entry));
    if (s?.pgid === pgid) pids.push(s.pid);
  }
  return pids;
}

/** CPU milliseconds (user + system) used so far by the live processes of a group. */
export async function groupCpuMs(pgid: number): Promise<number> {
  let total = 0;
  for (const pid of await groupPids(pgid)) total += (await stat(pid))?.cpuMs ?? 0;
  return total;
}

/** Resident memory of one process, in bytes. */
export async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

export async function cpuMs(pid: number): Promise<number> {
  return (await stat(pid))?.cpuMs ?? 0;
}

export const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
};

export async function wsRoundTrips(url: string, token: string, path: string, count: number): Promise<number[]> {
  const { default: WebSocket } = await import('ws');
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}${path}`, { headers: { authorization: `Bearer ${token}` } });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const samples: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const start = performance.now();
    await new Promise<void>((resolve) => {
      ws.once('pong', () => resolve());
      ws.ping();
    });
    samples.push(performance.now() - start);
  }
  ws.terminate();
  return samples;
}
