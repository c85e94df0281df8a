// The running daemon's status for `claudeops-runner status`: a JSON file in the state dir that the daemon rewrites
// when something changes (checked every second) and removes when it stops; the reader tells a live daemon from a
// stale file (a crash) by whether its pid is alive. Used by the daemon and the CLI.
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { RunnerConfig } from './config';
import type { ControlConnection } from '../stream/connection';
import type { JobRunner } from '../jobs/job-runner';

export const STATUS_FILE_NAME = 'status.json';
export const statusFilePath = (stateDir: string): string => join(stateDir, STATUS_FILE_NAME);

const JobStatus = z.object({
  executionId: z.string(),
  since: z.string(),
  /** The job's event stream, when the stream can tell. */
  events: z
    .object({
      lastSeq: z.number(),
      ackedSeq: z.number(),
      unacked: z.number(),
      spooled: z.number().nullable(),
    })
    .nullable(),
});
export type JobStatus = z.infer<typeof JobStatus>;

export const DaemonStatus = z.object({
  pid: z.number().int(),
  version: z.string(),
  startedAt: z.string(),
  updatedAt: z.string(),
  runnerId: z.string(),
  name: z.string(),
  url: z.string(),
  labels: z.array(z.string()),
  /** How runs are confined: `bubblewrap`, or `none (why)`. */
  sandbox: z.string().optional(),
  /** `running`, or how it is stopping (draining jobs, cancelling them). */
  state: z.string(),
  connection: z.enum(['connected', 'disconnected']),
  lastHeartbeatAt: z.string().nullable(),
  slots: z.object({ max: z.number(), busy: z.number(), free: z.number() }),
  jobs: z.array(JobStatus),
});
export type DaemonStatus = z.infer<typeof DaemonStatus>;
/** What the daemon knows; the reporter adds pid, version and times. */
export type StatusSnapshot = Omit<DaemonStatus, 'pid' | 'version' | 'startedAt' | 'updatedAt'>;

/** The daemon's parts the status is read from. */
export interface StatusSources {
  runnerId: string;
  config: Pick<RunnerConfig, 'name' | 'url' | 'labels' | 'maxConcurrent'>;
  state: string;
  /** The sandbox every run gets, as the daemon's start log says it. */
  sandbox?: string;
  connection: Pick<ControlConnection, 'connected' | 'lastHeartbeatAt'>;
  jobs: Pick<JobRunner, 'snapshot' | 'freeSlots'>;
}

export function statusSnapshot({ runnerId, config, state, sandbox, connection, jobs }: StatusSources): StatusSnapshot {
  const running = jobs.snapshot();
  return {
    runnerId,
    name: config.name,
    url: config.url,
    labels: config.labels,
    ...(sandbox !== undefined && { sandbox }),
    state,
    connection: connection.connected ? 'connected' : 'disconnected',
    lastHeartbeatAt: connection.lastHeartbeatAt === null ? null : new Date(connection.lastHeartbeatAt).toISOString(),
    slots: { max: config.maxConcurrent, busy: running.length, free: jobs.freeSlots },
    jobs: running.map(({ executionId, since, progress }) => ({
      executionId,
      since,
      events: progress ? { ...progress, spooled: progress.spooled ?? null } : null,
    })),
  };
}

export interface StatusReporterOptions {
  stateDir: string;
  version: string;
  snapshot: () => StatusSnapshot;
  intervalMs?: number;
}

/** Keeps <stateDir>/status.json current while the daemon runs. */
export class StatusReporter {
  private readonly startedAt = new Date().toISOString();
  private timer: NodeJS.Timeout | undefined;
  private written = '';
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: StatusReporterOptions) {}

  start(): void {
    void this.refresh();
    // Unref'd: the status file never keeps a stopping daemon alive.
    this.timer = setInterval(() => void this.refresh(), this.options.intervalMs ?? 1000).unref();
  }

  /** Writes the status if it changed since the last write; writes are serialised and atomic (write, then rename). */
  refresh(): Promise<void> {
    this.chain = this.chain.then(async () => {
      if (this.stopped) return;
      const snapshot = JSON.stringify(this.options.snapshot());
      if (snapshot === this.written) return;
      const status: DaemonStatus = {
        pid: process.pid,
        version: this.options.version,
        startedAt: this.startedAt,
        updatedAt: new Date().toISOString(),
        ...(JSON.parse(snapshot) as StatusSnapshot),
      };
      const path = statusFilePath(this.options.stateDir);
      const temp = `${path}.${process.pid}.tmp`;
      try {
        await writeFile(temp, JSON.stringify(status, null, 2) + '\n', { mode: 0o600 });
        await rename(temp, path);
        this.written = snapshot;
      } catch {
        // The state dir may be gone (tests) or full; the next change tries again.
      }
    });
    return this.chain;
  }

  /** Stops updating and removes the file: no status file means no daemon. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.stopped = true;
    await this.chain;
    const current = await readStatusFile(this.options.stateDir).catch(() => null);
    // Another daemon on the same state dir may have written it since; its file is not ours to remove.
    if (current?.pid === process.pid) await rm(statusFilePath(this.options.stateDir), { force: true });
  }
}

async function readStatusFile(stateDir: string): Promise<DaemonStatus | null> {
  let text: string;
  try {
    text = await readFile(statusFilePath(stateDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const parsed = DaemonStatus.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${statusFilePath(stateDir)} is not a runner status file`);
  return parsed.data;
}

export type StatusReading = { running: true; status: DaemonStatus } | { running: false; reason: string };

/** Whether a process with this pid exists (EPERM: it does, under another user). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function readDaemonStatus(stateDir: string, isAlive = pidAlive): Promise<StatusReading> {
  let status: DaemonStatus | null;
  try {
    status = await readStatusFile(stateDir);
  } catch (error) {
    return { running: false, reason: error instanceof Error ? error.message : String(error) };
  }
  if (!status) return { running: false, reason: `no runner is running with state dir ${stateDir}` };
  if (!isAlive(status.pid)) {
    return {
      running: false,
      reason: `no runner is running with state dir ${stateDir} (pid ${status.pid} stopped without cleaning up)`,
    };
  }
  return { running: true, status };
}

/** The status as a person reads it. */
export function formatStatus(status: DaemonStatus, now = Date.now()): string {
  const ago = (iso: string) => `${duration(now - Date.parse(iso))} ago`;
  const heartbeat = status.lastHeartbeatAt ? `last heartbeat ${ago(status.lastHeartbeatAt)}` : 'no heartbeat yet';
  const lines = [
    `claudeops-runner ${status.version}, pid ${status.pid}, up ${duration(now - Date.parse(status.startedAt))}`,
    `runner:      ${status.runnerId} (${status.name}) on ${status.url}`,
    `labels:      ${status.labels.join(', ') || '(none)'}`,
    ...(status.sandbox ? [`sandbox:     ${status.sandbox}`] : []),
    `state:       ${status.state}`,
    `connection:  ${status.connection}, ${heartbeat}`,
    `slots:       ${status.slots.busy} of ${status.slots.max} busy, ${status.slots.free} free`,
  ];
  if (status.jobs.length === 0) lines.push('jobs:        none');
  else lines.push('jobs:');
  for (const job of status.jobs) {
    const events = job.events
      ? `, ${job.events.lastSeq} events, ${job.events.unacked} unacked` +
        (job.events.spooled === null ? '' : `, ${job.events.spooled} spooled`)
      : '';
    lines.push(`  ${job.executionId}  running for ${duration(now - Date.parse(job.since))}${events}`);
  }
  return lines.join('\n');
}

function duration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${seconds % 60}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/** The status command: prints the running daemon's status; exit 1 (and why) when none runs. */
export async function statusCommand(
  stateDir: string,
  out: (text: string) => void = (text) => process.stdout.write(text),
  err: (text: string) => void = (text) => process.stderr.write(text),
): Promise<number> {
  const reading = await readDaemonStatus(stateDir);
  if (!reading.running) {
    err(`claudeops-runner: ${reading.reason}\n`);
    return 1;
  }
  out(formatStatus(reading.status) + '\n');
  return 0;
}
