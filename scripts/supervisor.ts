// Child processes for `npm start`: each in its own process group, output prefixed with its name, stopped by PID
// (SIGTERM to the group, SIGKILL after a grace period). When a long-running child dies on its own, the supervisor
// reports it so start.ts can stop the rest; a kept child (the local runner) is restarted instead, with capped
// exponential backoff (RestartPolicy), until it fails fast too often. Used by scripts/start.ts.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

export interface SpawnSpec {
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface Managed {
  name: string;
  proc: ChildProcess;
  pid: number;
  exited: Promise<Exit>;
  done: boolean;
}

export interface SupervisorOptions {
  /** Where prefixed output goes (tests capture it). */
  write?: (stream: 'stdout' | 'stderr', line: string) => void;
  color?: boolean;
  /** Width of the name column, so the names known up front line up from the first line on. */
  labelWidth?: number;
  /** Called once when a long-running child exits while nobody asked it to. */
  onUnexpectedExit?: (name: string, exit: Exit) => void;
  /** The clock for restart decisions (tests). */
  now?: () => number;
}

const COLORS = [36, 35, 33, 32, 34, 31];

/** How a kept child is restarted: delays double from initialDelayMs up to maxDelayMs. */
export interface RestartOptions {
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** A child that stayed up this long counts as healthy again: the next restart waits initialDelayMs. */
  resetAfterMs?: number;
  /** Give up after this many exits within windowMs. */
  maxFailures?: number;
  windowMs?: number;
  /** Awaited before each restart, beside the backoff delay (start.ts: until the dead runner's leases ended). */
  beforeRestart?: () => Promise<void>;
}

export type RestartDecision =
  { kind: 'restart'; delayMs: number; attempt: number } | { kind: 'give-up'; failures: number; windowMs: number };

/** The restart schedule of one kept child, on an injected clock (pure; unit-tested). */
export class RestartPolicy {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly resetAfterMs: number;
  readonly maxFailures: number;
  readonly windowMs: number;
  #attempt = 0;
  #failures: number[] = [];

  constructor(options: RestartOptions = {}) {
    this.initialDelayMs = options.initialDelayMs ?? 1_000;
    this.maxDelayMs = options.maxDelayMs ?? 30_000;
    this.resetAfterMs = options.resetAfterMs ?? 60_000;
    this.maxFailures = options.maxFailures ?? 5;
    this.windowMs = options.windowMs ?? 60_000;
  }

  /** The child started at `startedAt` exited at `now`: restart it after a delay, or stop trying. */
  exited(startedAt: number, now: number): RestartDecision {
    if (now - startedAt >= this.resetAfterMs) this.#attempt = 0;
    this.#failures = [...this.#failures.filter((at) => now - at < this.windowMs), now];
    if (this.#failures.length >= this.maxFailures) {
      return { kind: 'give-up', failures: this.#failures.length, windowMs: this.windowMs };
    }
    const delayMs = Math.min(this.maxDelayMs, this.initialDelayMs * 2 ** this.#attempt);
    this.#attempt += 1;
    return { kind: 'restart', delayMs, attempt: this.#attempt };
  }
}

export interface KeptChild {
  /** The PID of the child running now (the latest start). */
  readonly pid: number;
  /** How many times it was restarted. */
  readonly restarts: number;
}

export const describeExit = ({ code, signal }: Exit): string =>
  signal ? `was killed by ${signal}` : `exited with code ${code ?? 'unknown'}`;

export class Supervisor {
  #children: Managed[] = [];
  #stopping = false;
  #options: SupervisorOptions;
  #width = 0;
  #timers = new Set<NodeJS.Timeout>();

  constructor(options: SupervisorOptions = {}) {
    this.#options = options;
    this.#width = options.labelWidth ?? 0;
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  /** Starts a long-running child; its exit before stopAll() counts as a failure. */
  start(spec: SpawnSpec): { pid: number; exited: Promise<Exit> } {
    const child = this.#spawn(spec);
    void child.exited.then((exit) => {
      if (!this.#stopping) this.#options.onUnexpectedExit?.(spec.name, exit);
    });
    return child;
  }

  /**
   * Starts a long-running child and keeps it running: when it exits on its own, says why in one line, waits
   * (capped exponential backoff) and starts it again; after too many exits too fast it says so and reports the
   * last exit through onUnexpectedExit, as start() does. `spec` is called for every start (fresh env, args).
   */
  keep(
    spec: () => SpawnSpec,
    options: RestartOptions = {},
    onStart?: (pid: number, restarts: number) => void,
  ): KeptChild {
    const policy = new RestartPolicy(options);
    const now = this.#options.now ?? Date.now;
    const state = { pid: 0, restarts: 0 };
    const launch = () => {
      const current = spec();
      const startedAt = now();
      const child = this.#spawn(current);
      state.pid = child.pid;
      onStart?.(child.pid, state.restarts);
      void child.exited.then((exit) => {
        if (this.#stopping) return;
        // Whatever it left in its process group (a stray Claude Code) goes with it.
        signalGroup(child.pid, 'SIGKILL');
        const decision = policy.exited(startedAt, now());
        if (decision.kind === 'give-up') {
          this.#notice(
            `${current.name} ${describeExit(exit)}; it failed ${decision.failures} times within ` +
              `${Math.round(decision.windowMs / 1000)} s, so it is not restarted again (see its output above)`,
          );
          this.#options.onUnexpectedExit?.(current.name, exit);
          return;
        }
        this.#notice(
          `${current.name} ${describeExit(exit)}; restarting it in ${formatDelay(decision.delayMs)} (restart ${decision.attempt})`,
        );
        const waited = new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            this.#timers.delete(timer);
            resolve();
          }, decision.delayMs);
          this.#timers.add(timer);
        });
        // A failing hold must not keep the child down for good.
        const held = Promise.resolve(options.beforeRestart?.()).catch(() => undefined);
        void Promise.all([waited, held]).then(() => {
          if (this.#stopping) return;
          state.restarts += 1;
          launch();
        });
      });
    };
    launch();
    return {
      get pid() {
        return state.pid;
      },
      get restarts() {
        return state.restarts;
      },
    };
  }

  /** Runs a child to completion (a migration, a one-off command); still stopped with the rest on Ctrl-C. */
  async run(spec: SpawnSpec): Promise<Exit> {
    return this.#spawn(spec).exited;
  }

  /** Stops every child still running, newest first, each by its process group. Idempotent. */
  async stopAll(graceMs = 10_000): Promise<void> {
    this.#stopping = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const child of [...this.#children].reverse()) await stopGroup(child, graceMs);
  }

  /** Last resort when the supervisor itself is exiting: SIGKILL every group that is still alive, synchronously. */
  killAllNow(): void {
    for (const child of this.#children) if (!child.done) signalGroup(child.pid, 'SIGKILL');
  }

  #spawn({ name, command, args, cwd, env }: SpawnSpec): Managed {
    // Once stopping, nothing new may start: it would outlive the stop that already went past it.
    if (this.#stopping) throw new Error(`${name}: not started, everything is stopping`);
    // Detached: the child leads its own process group, so stopping it reaches everything it spawned (workerd,
    // Claude Code) and a Ctrl-C in the terminal reaches only us; we decide the order things stop in.
    const proc = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    if (proc.pid === undefined) throw new Error(`${name}: could not start ${command}`);
    const color = COLORS[this.#children.length % COLORS.length] ?? 36;
    this.#width = Math.max(this.#width, name.length);
    for (const [stream, source] of [
      ['stdout', proc.stdout],
      ['stderr', proc.stderr],
    ] as const) {
      if (!source) continue;
      createInterface({ input: source, crlfDelay: Infinity }).on('line', (line) => {
        this.#write(stream, `${this.#prefix(name, color)}${line}`);
      });
    }
    const managed: Managed = {
      name,
      proc,
      pid: proc.pid,
      done: false,
      exited: Promise.race([
        once(proc, 'exit').then(([code, signal]) => ({ code, signal }) as Exit),
        // A command that cannot be started at all reports 'error' and may never report 'exit'.
        once(proc, 'error').then(([error]) => {
          this.#write('stderr', `${this.#prefix(name, color)}${(error as Error).message}`);
          return { code: 127, signal: null } satisfies Exit;
        }),
      ]),
    };
    void managed.exited.then(() => {
      managed.done = true;
    });
    this.#children.push(managed);
    return managed;
  }

  #prefix(name: string, color: number): string {
    const label = `${name.padEnd(this.#width)} │ `;
    return this.#options.color ? `\u001b[${color}m${label}\u001b[0m` : label;
  }

  /** One line from the supervisor itself (restarts, giving up). */
  #notice(text: string): void {
    this.#write('stderr', `start: ${text}`);
  }

  #write(stream: 'stdout' | 'stderr', line: string): void {
    if (this.#options.write) this.#options.write(stream, line);
    else process[stream].write(`${line}\n`);
  }
}

const formatDelay = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`);

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}

async function stopGroup(child: Managed, graceMs: number): Promise<void> {
  if (child.done) {
    // The leader is gone, but something it started may still hold the group; make sure nothing outlives us.
    signalGroup(child.pid, 'SIGKILL');
    return;
  }
  signalGroup(child.pid, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), graceMs);
  await child.exited;
  clearTimeout(timer);
  signalGroup(child.pid, 'SIGKILL');
}
