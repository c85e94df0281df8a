// How an execution was confined, in words: the sandbox badge, its network and its resource limits; a template's
// confinement in one line. Used by the sandbox badge (execution page header and list rows), the execution summary,
// the runner card and the templates list.
import type { Agent, NetworkPolicy, ResourceLimits, SandboxKind } from '@claudeops/control-plane/protocol';

export interface SandboxBadge {
  /** The word on the badge: never colour alone. */
  word: 'sandboxed' | 'unconfined';
  tone: 'ok' | 'warn';
  /** A sentence for the badge's title and for screen readers. */
  explain: string;
}

/** The badge for a sandbox kind; null before a runner has taken the execution (nothing is known yet). */
export function sandboxBadge(sandbox: SandboxKind | null): SandboxBadge | null {
  if (sandbox === null) return null;
  return sandbox === 'bubblewrap'
    ? { word: 'sandboxed', tone: 'ok', explain: 'Ran in a bubblewrap sandbox: only its workspace was writable.' }
    : { word: 'unconfined', tone: 'warn', explain: 'Ran unconfined on the runner’s host: no sandbox.' };
}

/** A runner's sandbox as its card shows it. */
export function runnerSandboxText(sandbox: SandboxKind | null): string {
  if (sandbox === null) return 'not reported yet';
  return sandbox === 'bubblewrap' ? 'bubblewrap' : 'none (unconfined)';
}

/** Where a sandbox is not known yet: still waiting for a runner, or ended before one took it. */
export function sandboxPendingText(requireSandbox: boolean, ended: boolean): string {
  if (ended) return 'never ran on a runner';
  return requireSandbox ? 'required; waiting for a sandboxed runner' : 'known once a runner takes it';
}

export interface NetworkSummary {
  /** `open`, `model-only` or `allow-list`. */
  mode: 'open' | 'model-only' | 'allow-list';
  /** A short text for badges and rows. */
  short: string;
  /** The hosts an allow-list lets through (empty otherwise). */
  hosts: string[];
}

export function networkSummary(network: NetworkPolicy | null): NetworkSummary {
  if (network === null || network === 'open') return { mode: 'open', short: 'open network', hosts: [] };
  if (network === 'model-only') return { mode: 'model-only', short: 'model only', hosts: [] };
  const hosts = network.allow;
  return { mode: 'allow-list', short: `allow-list (${hosts.length} ${hosts.length === 1 ? 'host' : 'hosts'})`, hosts };
}

/** `512 MB memory · 2 CPUs · 256 processes`; null when no limit is set. */
export function limitsText(limits: ResourceLimits | null): string | null {
  if (!limits) return null;
  const parts: string[] = [];
  if (limits.memoryMb !== undefined) parts.push(`${formatMb(limits.memoryMb)} memory`);
  if (limits.cpus !== undefined) parts.push(`${limits.cpus} ${limits.cpus === 1 ? 'CPU' : 'CPUs'}`);
  if (limits.pids !== undefined) parts.push(`${limits.pids} ${limits.pids === 1 ? 'process' : 'processes'}`);
  return parts.length > 0 ? parts.join(' · ') : null;
}

function formatMb(mb: number): string {
  return mb >= 1024 && mb % 1024 === 0 ? `${mb / 1024} GB` : `${mb} MB`;
}

/** A template's confinement in one line (`sandbox required · model only · 2 CPUs · secrets: NPM_TOKEN`). */
export function templateConfinementText(
  agent: Pick<Agent, 'network' | 'limits' | 'requireSandbox' | 'secrets'>,
): string {
  const parts = [
    agent.requireSandbox ? 'sandbox required' : 'any runner',
    networkSummary(agent.network).short,
    limitsText(agent.limits),
    agent.secrets && agent.secrets.length > 0 ? `secrets: ${agent.secrets.join(', ')}` : null,
  ];
  return parts.filter((part) => part !== null).join(' · ');
}
