// The runner's sandbox (created once by the daemon, used per job by job-execution.ts): the mode it was started with
// and what this host allows, decided once; then per execution a confined run: bubblewrap mounts and namespaces, the
// network bridge of a model-only or allow-list job, the cgroup of its limits, and the text its log opens with.
import { randomUUID } from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, posix, resolve } from 'node:path';
import type { NetworkPolicy, ResourceLimits, SandboxKind } from '@claudeops/control-plane/protocol';
import type { Logger } from '../support/logger';
import { bwrapArgs, isWithin, type BwrapSpec } from './bwrap-args';
import { createExecutionCgroup, hostCgroupLayout, type CgroupLayout, type ExecutionCgroup } from './cgroups';
import type { Confinement, SpawnCommand } from './confinement';
import { startBridge, type NetworkBridge } from './network-bridge';
import { findExecutable, probeBubblewrap } from './probe';
import { runtimeDirs, safeUserHome, worktreeGitDirs } from './sandbox-paths';

export type SandboxMode = 'auto' | 'bubblewrap' | 'off';
export const SANDBOX_MODES: readonly SandboxMode[] = ['auto', 'bubblewrap', 'off'];

export interface SandboxOptions {
  mode: SandboxMode;
  /** Paths hidden from every run besides the runner's own (--sandbox-hide). */
  hide?: string[];
  stateDir: string;
  workspacesDir: string;
  reposDir: string;
  log: Logger;
  /** PATH to find bwrap and socat on (process.env.PATH when absent). */
  path?: string;
  /** The runner's cgroups (read from /proc when absent). */
  cgroups?: CgroupLayout;
}

/** One execution, as the sandbox needs it. */
export interface ConfineRequest {
  executionId: string;
  network: NetworkPolicy;
  limits: ResourceLimits | null;
  /** The workspace (exists). */
  cwd: string;
  /**
   * Claude Code's config dir for the run (exists): the conversation's sessions, kept outside the private HOME so a
   * follow-up can resume them. Writable inside, and Claude Code's CLAUDE_CONFIG_DIR there.
   */
  configDir?: string;
  /** Claude Code's environment outside the sandbox (its HOME names where the private HOME goes). */
  env: Record<string, string>;
  /** The model proxy's URL for this execution (Claude Code's ANTHROPIC_BASE_URL). */
  modelBaseUrl?: string;
  /** A request the egress proxy refused, for the run's log. */
  onRefused?: (host: string) => void;
}

/** An execution's sandbox, from before Claude Code starts until after every process of it ended. */
export interface ConfinedRun extends Confinement {
  /** For the run's first `log` event: how it runs. */
  readonly summary: string;
  /** What is asked for but not enforced here, each for a `warn` log event. */
  readonly warnings: string[];
  /** Removes the cgroup, the bridge and the private HOME. Idempotent; never throws. */
  dispose(): Promise<void>;
}

/** A job that cannot run as its policy says (socat missing for a model-only job): the run fails with this. */
export class SandboxError extends Error {
  override name = 'SandboxError';
}

const LIMIT_POLL_MS = 500;
/** Variables naming places in the real HOME; inside, Claude Code uses its defaults under the private one. */
const HOME_POINTERS = ['CLAUDE_CONFIG_DIR', 'XDG_CONFIG_HOME', 'XDG_CACHE_HOME', 'XDG_DATA_HOME', 'XDG_STATE_HOME'];
const CGROUP_JOIN =
  'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || { echo "claudeops: cannot join the cgroup $1" >&2; ' +
  'exit 125; }; shift; n=$((n-1)); done; exec "$@"';

export function describeNetwork(network: NetworkPolicy): string {
  return typeof network === 'string' ? network : `allow-list (${network.allow.join(', ')})`;
}

export function describeLimits(limits: ResourceLimits | null, version?: string): string {
  const parts: string[] = [];
  if (limits?.memoryMb) parts.push(`memory ${limits.memoryMb} MB`);
  if (limits?.cpus) parts.push(`${limits.cpus} CPUs (a quota: throttled, never stopped)`);
  if (limits?.pids) parts.push(`${limits.pids} processes`);
  if (parts.length === 0) return 'no limits';
  return `limits ${parts.join(', ')}${version ? ` (cgroup ${version})` : ''}`;
}

export class Sandbox {
  private constructor(
    private readonly options: SandboxOptions,
    /** How every run here is confined. */
    readonly kind: SandboxKind,
    /** Why runs are not confined (kind none). */
    readonly why: string | null,
    private readonly bwrap: string | null,
    private readonly socat: string | null,
    private readonly cgroups: CgroupLayout,
  ) {}

  /** Decides once what this runner's runs get; `--sandbox bubblewrap` on a host where it does not work throws. */
  static async start(options: SandboxOptions): Promise<Sandbox> {
    const path = options.path ?? process.env.PATH;
    const cgroups = options.cgroups ?? (await hostCgroupLayout());
    if (options.mode === 'off') return new Sandbox(options, 'none', 'turned off by --sandbox off', null, null, cgroups);
    const bwrap = await findExecutable('bwrap', path);
    const probe = bwrap ? await probeBubblewrap(bwrap) : { ok: false as const, reason: 'bwrap is not installed' };
    if (!probe.ok) {
      if (options.mode === 'bubblewrap') throw new SandboxError(`--sandbox bubblewrap: ${probe.reason}`);
      options.log.warn(`running Claude Code UNCONFINED: ${probe.reason} (install bubblewrap, or --sandbox off)`);
      return new Sandbox(options, 'none', probe.reason, null, null, cgroups);
    }
    const socat = await findExecutable('socat', path);
    if (!socat) options.log.warn('socat is not installed: model-only and allow-list jobs will fail on this runner');
    return new Sandbox(options, 'bubblewrap', null, bwrap, socat, cgroups);
  }

  /** Sets up one execution's sandbox; a job its policy cannot be met for throws SandboxError. */
  async prepare(request: ConfineRequest): Promise<ConfinedRun> {
    const warnings: string[] = [];
    const limits = request.limits ?? {};
    const cgroup = await createExecutionCgroup(
      this.cgroups,
      `claudeops-${request.executionId}-${randomUUID().slice(0, 8)}`,
      limits,
    );
    if (!cgroup && describeLimits(request.limits) !== 'no limits') {
      warnings.push(
        'resource limits are not enforced on this host: no writable cgroup v2 (memory, pids, cpu delegated) or ' +
          'cgroup v1 controllers for the runner',
      );
    }
    const limitsText = describeLimits(request.limits, cgroup?.version);
    if (this.kind === 'none' || !this.bwrap) {
      if (request.network !== 'open') {
        warnings.push(`network policy ${describeNetwork(request.network)} is not enforced: the runner has no sandbox`);
      }
      const summary = `sandbox: none (${this.why}), network open, ${limitsText}`;
      return confinedRun({ summary, warnings, cgroup, wrap: (spawn) => spawn, cleanup: [] });
    }
    try {
      return await this.confine(request, cgroup, warnings, limitsText);
    } catch (error) {
      await cgroup?.remove();
      throw error;
    }
  }

  private async confine(
    request: ConfineRequest,
    cgroup: ExecutionCgroup | null,
    warnings: string[],
    limitsText: string,
  ): Promise<ConfinedRun> {
    const network = request.network;
    if (network !== 'open' && !this.socat) {
      throw new SandboxError(
        `network ${describeNetwork(network)} needs socat on the runner host, which is not installed; the run did not start`,
      );
    }
    if (network !== 'open' && !request.modelBaseUrl) {
      throw new SandboxError(`network ${describeNetwork(network)} needs the runner's model proxy`);
    }
    const dir = join(this.options.stateDir, 'sandbox', request.executionId);
    await rm(dir, { recursive: true, force: true });
    const homeSource = join(dir, 'home');
    const bridgeDir = join(dir, 'net');
    await mkdir(homeSource, { recursive: true, mode: 0o700 });
    await mkdir(bridgeDir, { recursive: true, mode: 0o700 });
    const cleanup: Array<() => Promise<unknown>> = [() => rm(dir, { recursive: true, force: true })];
    let bridge: NetworkBridge | null = null;
    try {
      if (network !== 'open') {
        bridge = await startBridge({
          dir: bridgeDir,
          modelBaseUrl: request.modelBaseUrl!,
          network,
          socatPath: this.socat!,
          ...(request.onRefused && { onRefused: request.onRefused }),
        });
        const opened = bridge;
        cleanup.unshift(() => opened.close());
      }
    } catch (error) {
      await Promise.all(cleanup.map((step) => step()));
      throw error;
    }
    const homePath = resolve(request.env.HOME || homedir());
    const git = await worktreeGitDirs(request.cwd, this.options.reposDir);
    const spec: BwrapSpec = {
      workspace: request.cwd,
      home: { path: homePath, source: homeSource },
      hide: await this.hidden(homePath),
      readOnly: [...git.readOnly, ...(bridge ? [bridgeDir] : [])],
      writable: [...git.writable, ...(request.configDir ? [request.configDir] : [])],
      unshareNet: network !== 'open',
    };
    const env: Record<string, string | undefined> = { HOME: homePath, TMPDIR: '/tmp', ...bridge?.env };
    const bwrap = this.bwrap!;
    const prelude = bridge?.prelude ?? [];
    const wrap = (spawn: SpawnCommand): SpawnCommand => {
      const inside: Record<string, string | undefined> = { ...spawn.env, ...env };
      for (const name of HOME_POINTERS) {
        const value = inside[name];
        if (value && !isWithin(resolve(value), request.cwd)) delete inside[name];
      }
      if (request.configDir) inside.CLAUDE_CONFIG_DIR = request.configDir;
      // Node and Claude Code may be installed in the hidden HOME (nvm, npm -g --prefix ~) or below /tmp, which every
      // run gets empty (a checkout in /tmp): read-only again, alone.
      const covered: BwrapSpec['hide'] = [...spec.hide, { kind: 'dir', path: '/tmp' }];
      const runtime = runtimeDirs([process.execPath, spawn.command, ...spawn.args], covered);
      const args = bwrapArgs({ ...spec, readOnly: [...(spec.readOnly ?? []), ...runtime] });
      return { command: bwrap, args: [...args, ...prelude, spawn.command, ...spawn.args], env: inside };
    };
    const summary = `sandbox: bubblewrap, network ${describeNetwork(network)}, ${limitsText}`;
    return confinedRun({ summary, warnings, cgroup, wrap, cleanup });
  }

  /** What every run here must not see: the runner's state, workspaces and caches, real HOMEs, --sandbox-hide. */
  private async hidden(homePath: string): Promise<BwrapSpec['hide']> {
    const candidates = [
      this.options.stateDir,
      this.options.workspacesDir,
      this.options.reposDir,
      homedir(),
      safeUserHome(),
      ...(this.options.hide ?? []),
    ].filter((path): path is string => Boolean(path) && isAbsolute(path!));
    const out: BwrapSpec['hide'] = [];
    for (const path of new Set(candidates.map((candidate) => posix.normalize(candidate)))) {
      if (path === '/' || path === homePath) continue;
      try {
        const info = await stat(path);
        out.push({ path, kind: info.isDirectory() ? 'dir' : 'file' });
      } catch {
        // Nothing there to hide.
      }
    }
    return out;
  }
}

function confinedRun(parts: {
  summary: string;
  warnings: string[];
  cgroup: ExecutionCgroup | null;
  wrap: (spawn: SpawnCommand) => SpawnCommand;
  cleanup: Array<() => Promise<unknown>>;
}): ConfinedRun {
  const { cgroup } = parts;
  let disposed: Promise<void> | undefined;
  return {
    summary: parts.summary,
    warnings: parts.warnings,
    // The cgroup is joined before bwrap execs, so Claude Code and everything it starts are in it from the start.
    wrap: (spawn) => {
      const inner = parts.wrap(spawn);
      if (!cgroup) return inner;
      const files = cgroup.procsFiles;
      const args = [
        '-c',
        CGROUP_JOIN,
        'claudeops-limits',
        String(files.length),
        ...files,
        inner.command,
        ...inner.args,
      ];
      return { command: '/bin/sh', args, env: inner.env };
    },
    watch: (onExceeded) => {
      if (!cgroup) return () => undefined;
      let fired = false;
      const timer = setInterval(() => {
        void cgroup.exceeded().then((reason) => {
          if (!reason || fired) return;
          fired = true;
          clearInterval(timer);
          onExceeded(reason);
        });
      }, LIMIT_POLL_MS);
      timer.unref();
      return () => clearInterval(timer);
    },
    exceeded: async () => (cgroup ? cgroup.exceeded() : null),
    dispose: () =>
      (disposed ??= (async () => {
        for (const step of parts.cleanup) await step().catch(() => undefined);
        await cgroup?.remove();
      })()),
  };
}
