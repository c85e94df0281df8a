// Child processes for `npm start`: each in its own process group, output prefixed with its name, stopped by PID
// (SIGTERM to the group, SIGKILL after a grace period). When a long-running child dies on its own, the supervisor
// reports it so start.ts can stop the rest. Used by scripts/start.ts.
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
}

const COLORS = [36, 35, 33, 32, 34, 31];

export const describeExit = ({ code, signal }: Exit): string =>
  signal ? `was killed by ${signal}` : `exited with code ${code ?? 'unknown'}`;

export class Supervisor {
  #children: Managed[] = [];
  #stopping = false;
  #options: SupervisorOptions;
  #width = 0;

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

  /** Runs a child to completion (a migration, a one-off command); still stopped with the rest on Ctrl-C. */
  async run(spec: SpawnSpec): Promise<Exit> {
    return this.#spawn(spec).exited;
  }

  /** Stops every child still running, newest first, each by its process group. Idempotent. */
  async stopAll(graceMs = 10_000): Promise<void> {
    this.#stopping = true;
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

  #write(stream: 'stdout' | 'stderr', line: string): void {
    if (this.#options.write) this.#options.write(stream, line);
    else process[stream].write(`${line}\n`);
  }
}

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
