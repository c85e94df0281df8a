// What the runner records in its state dir about each Claude Code run while it lasts (<stateDir>/runs/<id>.json:
// execution, run cookie, process group, boot), so that a runner restarted after a crash can find and kill the
// processes its previous life left behind. Written by the job runner, read by the recovery (recovery.ts).
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { uptime } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { RUN_COOKIE_ENV, signalGroup } from '../agent/process-group';

const RunRecord = z.object({
  executionId: z.string().min(1),
  /** Every process of the run carries CLAUDEOPS_RUN_COOKIE=<cookie> in its environment. */
  cookie: z.string().min(1),
  /** Claude Code's PID, which leads its process group; null until it has started. */
  pgid: z.number().int().nullable(),
  /** The boot the run happened in: after a reboot its PIDs mean other processes. */
  boot: z.string(),
  runnerPid: z.number().int(),
  startedAt: z.string(),
});
export type RunRecord = z.infer<typeof RunRecord>;

/** Identifies this boot of the machine (Linux: boot_id; elsewhere the boot time to ten seconds). */
export function currentBoot(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return String(Math.round((Date.now() - uptime() * 1000) / 10_000));
  }
}

export const newRunCookie = (executionId: string): string => `${executionId}.${randomUUID()}`;

export class RunRecords {
  private readonly boot = currentBoot();

  constructor(readonly dir: string) {}

  /** Records a run before Claude Code starts (synchronously: a crash right after must still find it). */
  begin(executionId: string, cookie: string): void {
    this.write({
      executionId,
      cookie,
      pgid: null,
      boot: this.boot,
      runnerPid: process.pid,
      startedAt: new Date().toISOString(),
    });
  }

  /** Claude Code started as `pid`, the leader of its own process group. */
  spawned(executionId: string, pid: number): void {
    const record = this.read(executionId);
    if (record) this.write({ ...record, pgid: pid });
  }

  /** The run is over and none of its processes is left. */
  end(executionId: string): void {
    rmSync(this.path(executionId), { force: true });
  }

  async list(): Promise<RunRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const records: RunRecord[] = [];
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      try {
        const parsed = RunRecord.safeParse(JSON.parse(await readFile(join(this.dir, name), 'utf8')));
        if (parsed.success) records.push(parsed.data);
      } catch {
        // Torn or foreign: nothing to act on.
      }
    }
    return records;
  }

  private read(executionId: string): RunRecord | null {
    try {
      const parsed = RunRecord.safeParse(JSON.parse(readFileSync(this.path(executionId), 'utf8')));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  private write(record: RunRecord): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const path = this.path(record.executionId);
    const temp = `${path}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(record) + '\n', { mode: 0o600 });
    renameSync(temp, path);
  }

  private path(executionId: string): string {
    return join(this.dir, `${executionId}.json`);
  }
}

/** PIDs of live processes whose environment carries the run's cookie (Linux /proc; null where there is none). */
export function processesWithCookie(cookie: string): number[] | null {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return null;
  }
  const marker = `${RUN_COOKIE_ENV}=${cookie}`;
  const found: number[] = [];
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      if (readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(marker)) found.push(pid);
    } catch {
      // It ended while we looked, or is not ours to read.
    }
  }
  return found;
}

/**
 * Kills what is left of a previous life's run; resolves how many processes it found. Only processes proven to be
 * the run's (its cookie in their environment) are killed, and its process group only when its leader is one of them:
 * after a reboot, or once the run ended, its PIDs may belong to anything. Without /proc (not Linux) the cookie cannot
 * be read, so the group is killed only when it exists in the same boot.
 */
export async function reapRun(record: RunRecord, timeoutMs = 5_000): Promise<number> {
  if (record.boot !== currentBoot()) return 0;
  const deadline = Date.now() + timeoutMs;
  const seen = new Set<number>();
  for (;;) {
    const alive = processesWithCookie(record.cookie);
    if (alive === null) return killGroupBlind(record);
    if (alive.length === 0) return seen.size;
    if (record.pgid !== null && record.pgid > 1 && alive.includes(record.pgid)) signalGroup(record.pgid, 'SIGKILL');
    for (const pid of alive) {
      seen.add(pid);
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    if (Date.now() > deadline) return seen.size;
    // A killed process leaves /proc only once its parent reaps it; there is no event to wait on for non-children.
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Claims the state dir for this process (<stateDir>/daemon.lock), so that a second runner started on it by mistake
 * cannot take the first one's live Claude Code for orphans and kill it. A lock left by a runner that is gone (a
 * crash, a reboot) is taken over. Returns the release.
 */
export function lockStateDir(stateDir: string): () => void {
  const path = join(stateDir, 'daemon.lock');
  const boot = currentBoot();
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  for (;;) {
    try {
      writeFileSync(path, JSON.stringify({ pid: process.pid, boot }) + '\n', { flag: 'wx', mode: 0o600 });
      return () => {
        if (readLock(path)?.pid === process.pid) rmSync(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readLock(path);
    if (holder && holder.pid !== process.pid && holder.boot === boot && isAlive(holder.pid)) {
      throw new Error(
        `another runner (pid ${holder.pid}) is using the state dir ${stateDir}; stop it, or give this one its own --state-dir`,
      );
    }
    rmSync(path, { force: true });
  }
}

function readLock(path: string): { pid: number; boot: string } | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as { pid: number; boot: string };
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function killGroupBlind(record: RunRecord): number {
  if (record.pgid === null || record.pgid <= 1) return 0;
  try {
    process.kill(-record.pgid, 0);
  } catch {
    return 0;
  }
  signalGroup(record.pgid, 'SIGKILL');
  return 1;
}
