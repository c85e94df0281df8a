// Runs an execution's checks (shell commands such as `npm test`) in its workspace after Claude Code finishes, inside
// the execution's sandbox when it has one. Used by the job at the end of a run; decision.ts reads the results.
//
// Each check is `/bin/sh -c <command>` in a process group of its own (detached), stdin closed, stdout and stderr read
// together into one bounded tail. The whole group is killed on timeout, on abort, and when the shell exits (so a
// process a check left running in the background does not outlive it; those that left the group are found by the
// environment cookie, as agent/process-group.ts finds Claude Code's). All checks run in order even if one fails;
// only an abort stops the sequence.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { killRunProcesses, RUN_COOKIE_ENV, signalGroup } from '../agent/process-group';
import { errorMessage } from '../support/logger';
import type { SpawnCommand } from '../sandbox/confinement';

/** What one check did. */
export interface CheckResult {
  command: string;
  /** The shell's exit code; null when it was killed by a signal or could not start. */
  exitCode: number | null;
  /** The signal that ended it (SIGKILL after a timeout or an abort); null when it exited. */
  signal: string | null;
  durationMs: number;
  /** The last OUTPUT_TAIL_BYTES of combined stdout and stderr, redacted, cut between code points. */
  outputTail: string;
  /** Output was longer than the tail. */
  truncated: boolean;
  timedOut: boolean;
}

export interface RunChecksOptions {
  cwd: string;
  /** The checks' whole environment (nothing of the runner's own is added). */
  env: Record<string, string>;
  /** Runs the shell inside the execution's sandbox (ConfinedRun.wrap). */
  wrap?: (spawn: SpawnCommand) => SpawnCommand;
  /** Per check; DEFAULT_CHECK_TIMEOUT_MS when absent. */
  timeoutMs?: number;
  /** Kills the running check and stops the sequence. */
  signal?: AbortSignal;
  /** The runner's redactor, applied to every output tail before it is kept. */
  redact: (text: string) => string;
  /** Called as each check ends, before the next starts. */
  onResult?: (result: CheckResult) => void;
}

export const DEFAULT_CHECK_TIMEOUT_MS = 10 * 60_000;
/** Bytes of output a result keeps (its tail). */
export const OUTPUT_TAIL_BYTES = 8 * 1024;
/**
 * Raw bytes kept beyond the tail, so that a secret crossing the tail's first byte is still seen whole by the
 * redactor (and replaced) before the cut, not left half in the tail.
 */
const REDACT_SLACK_BYTES = 8 * 1024;
/** After the shell exits and its group is killed, how long to wait for the pipes to close before giving up on them. */
const PIPE_CLOSE_GRACE_MS = 2_000;

/** The last `maxBytes` of UTF-8 text, starting on a code point boundary; `cut` says whether anything was left out. */
export function utf8Tail(bytes: Buffer, maxBytes: number): { text: string; cut: boolean } {
  if (bytes.length <= maxBytes) return { text: bytes.toString('utf8'), cut: false };
  let start = bytes.length - maxBytes;
  // Skip continuation bytes (10xxxxxx) so the tail does not open with half a character.
  while (start < bytes.length && ((bytes[start] ?? 0) & 0xc0) === 0x80) start++;
  return { text: bytes.subarray(start).toString('utf8'), cut: true };
}

/** Keeps the last `limit` bytes of a stream of chunks, and how many bytes went through in all. */
class TailBuffer {
  private chunks: Buffer[] = [];
  private kept = 0;
  total = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.kept += chunk.length;
    this.total += chunk.length;
    while (this.chunks.length > 1 && this.kept - (this.chunks[0]?.length ?? 0) >= this.limit) {
      this.kept -= this.chunks.shift()?.length ?? 0;
    }
  }

  bytes(): Buffer {
    const all = Buffer.concat(this.chunks);
    return all.length > this.limit ? all.subarray(all.length - this.limit) : all;
  }
}

/** Redacts the kept output, then cuts it to the tail (redacting first, so a cut cannot halve a secret). */
function outputTail(buffer: TailBuffer, redact: (text: string) => string): { outputTail: string; truncated: boolean } {
  const kept = utf8Tail(buffer.bytes(), OUTPUT_TAIL_BYTES + REDACT_SLACK_BYTES);
  const redacted = redact(kept.text);
  const tail = utf8Tail(Buffer.from(redacted, 'utf8'), OUTPUT_TAIL_BYTES);
  return { outputTail: tail.text, truncated: tail.cut || buffer.total > OUTPUT_TAIL_BYTES + REDACT_SLACK_BYTES };
}

function withoutUndefined(env: Record<string, string | undefined>): Record<string, string> {
  const clean: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) clean[name] = value;
  return clean;
}

/** Runs one check to its end; never throws (a check that cannot start is a result with the reason as output). */
async function runCheck(command: string, options: RunChecksOptions, signal: AbortSignal): Promise<CheckResult> {
  const started = performance.now();
  // The cookie finds processes that left the group (setsid, a daemonising test server) so they end with the check.
  const cookie = randomUUID();
  const env = { ...options.env, [RUN_COOKIE_ENV]: cookie };
  const plain: SpawnCommand = { command: '/bin/sh', args: ['-c', command], env };
  const wrapped = options.wrap ? options.wrap(plain) : plain;
  const output = new TailBuffer(OUTPUT_TAIL_BYTES + REDACT_SLACK_BYTES);
  let timedOut = false;

  const child = spawn(wrapped.command, wrapped.args, {
    cwd: options.cwd,
    env: withoutUndefined(wrapped.env),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const kill = () => {
    if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
  };
  // Listened for from the start: it may come right after the exit, before the code below runs.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => output.push(chunk));

  const timer = setTimeout(() => {
    timedOut = true;
    kill();
  }, options.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS);
  signal.addEventListener('abort', kill, { once: true });

  const ended = await new Promise<{ code: number | null; signal: string | null; error?: string }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error: errorMessage(error) }));
    child.once('exit', (code, exitSignal) => resolve({ code, signal: exitSignal }));
  });
  clearTimeout(timer);
  signal.removeEventListener('abort', kill);
  // Whatever the check left running, in its group or carrying its cookie, goes with it.
  if (child.pid !== undefined) await killRunProcesses({ pgid: child.pid, cookie });

  // The pipes close once every writer is gone; one that escaped both group and cookie must not hold the result back.
  let grace: NodeJS.Timeout | undefined;
  await Promise.race([closed, new Promise<void>((resolve) => (grace = setTimeout(resolve, PIPE_CLOSE_GRACE_MS)))]);
  clearTimeout(grace);
  child.stdout.destroy();
  child.stderr.destroy();

  if (ended.error !== undefined) output.push(Buffer.from(`the check could not start: ${ended.error}\n`, 'utf8'));
  return {
    command,
    exitCode: ended.code,
    signal: ended.signal,
    durationMs: Math.round(performance.now() - started),
    ...outputTail(output, options.redact),
    timedOut,
  };
}

/**
 * Runs `commands` one after another in `options.cwd` and returns a result for each that ran, in order. A failing
 * check does not stop the rest; an abort kills the running one (its result is kept) and starts no more.
 */
export async function runChecks(commands: readonly string[], options: RunChecksOptions): Promise<CheckResult[]> {
  const signal = options.signal ?? new AbortController().signal;
  const results: CheckResult[] = [];
  for (const command of commands) {
    if (signal.aborted) break;
    const result = await runCheck(command, options, signal);
    results.push(result);
    options.onResult?.(result);
  }
  return results;
}
