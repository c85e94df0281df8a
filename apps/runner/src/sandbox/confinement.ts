// What the agent needs of an execution's sandbox (built by sandbox.ts, handed to agent.ts in the AgentJob): the
// command line that runs Claude Code confined, and the resource limit the run ran into, if any.

/** A process to start, as the Agent SDK describes Claude Code's. */
export interface SpawnCommand {
  command: string;
  args: string[];
  env: Record<string, string | undefined>;
}

export interface Confinement {
  /** How `spawn` runs inside the sandbox (bwrap, its network bridge, its cgroup). */
  wrap(spawn: SpawnCommand): SpawnCommand;
  /** Calls back once when the run exceeds a resource limit (with the statusReason); returns the stop function. */
  watch(onExceeded: (reason: string) => void): () => void;
  /** The limit the run exceeded, read again after its processes ended; null when none. */
  exceeded(): Promise<string | null>;
}
