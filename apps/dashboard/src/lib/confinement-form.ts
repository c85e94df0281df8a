// The template form's confinement fields: network (open, model only, or an allow-list of hosts), resource limits,
// requireSandbox and the runner secrets, as form text and back, checked with the protocol's own schemas. Used by
// templates.ts (readForm, formFromAgent, updateBody) and the confinement editor.
import {
  NetworkHost,
  ResourceLimits,
  SecretName,
  type Agent,
  type NetworkPolicy,
} from '@claudeops/control-plane/protocol';

export interface ConfinementText {
  networkMode: 'open' | 'model-only' | 'allow';
  /** One host per line (or comma-separated), for `allow`. */
  hosts: string;
  memoryMb: string;
  cpus: string;
  pids: string;
  requireSandbox: boolean;
  /** Secret names, one per line or comma-separated. */
  secrets: string;
}

export type ConfinementFields = Pick<Agent, 'network' | 'limits' | 'requireSandbox' | 'secrets'>;
export type ConfinementErrors = Partial<Record<'hosts' | 'memoryMb' | 'cpus' | 'pids' | 'secrets', string>>;

/** Words separated by new lines, commas or spaces; each once. */
function splitList(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter((word) => word !== ''))];
}

export function confinementToText(agent: ConfinementFields | null): ConfinementText {
  const network = agent?.network ?? 'open';
  return {
    networkMode: network === 'open' || network === 'model-only' ? network : 'allow',
    hosts: typeof network === 'object' ? network.allow.join('\n') : '',
    memoryMb: agent?.limits?.memoryMb?.toString() ?? '',
    cpus: agent?.limits?.cpus?.toString() ?? '',
    pids: agent?.limits?.pids?.toString() ?? '',
    requireSandbox: agent?.requireSandbox ?? false,
    secrets: agent?.secrets?.join('\n') ?? '',
  };
}

const LIMITS = {
  memoryMb: 'Whole megabytes, 64 to 1048576.',
  cpus: 'CPUs, 0.1 to 1024 (fractions allowed).',
  pids: 'A whole number of processes, 16 to 1000000.',
} as const;

/** The fields as the API takes them (open network, no limits and no secrets as null), or what is wrong. */
export function readConfinement(
  text: ConfinementText,
): { ok: true; fields: ConfinementFields } | { ok: false; errors: ConfinementErrors } {
  const errors: ConfinementErrors = {};
  let network: NetworkPolicy | null = text.networkMode === 'model-only' ? 'model-only' : null;
  if (text.networkMode === 'allow') {
    // Host names are case-insensitive; the protocol takes them in lower case.
    const hosts = splitList(text.hosts.toLowerCase());
    const bad = hosts.filter((host) => !NetworkHost.safeParse(host).success);
    if (hosts.length === 0) errors.hosts = 'List at least one host, or choose another network mode.';
    else if (bad.length > 0)
      errors.hosts = `Not a host name: ${bad.join(', ')} (e.g. registry.npmjs.org, *.github.com).`;
    else if (hosts.length > 100) errors.hosts = 'At most 100 hosts.';
    else network = { allow: hosts };
  }
  const limits: Record<string, number> = {};
  for (const key of ['memoryMb', 'cpus', 'pids'] as const) {
    const raw = text[key].trim();
    if (raw === '') continue;
    const value = Number(raw);
    if (Number.isFinite(value) && ResourceLimits.safeParse({ [key]: value }).success) limits[key] = value;
    else errors[key] = LIMITS[key];
  }
  const secrets = splitList(text.secrets);
  const badSecrets = secrets.filter((name) => !SecretName.safeParse(name).success);
  if (badSecrets.length > 0) {
    errors.secrets = `Not a secret name: ${badSecrets.join(', ')} (environment names: A-Z, 0-9 and _).`;
  } else if (secrets.length > 50) errors.secrets = 'At most 50 secrets.';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    fields: {
      network,
      limits: Object.keys(limits).length > 0 ? (limits as ResourceLimits) : null,
      requireSandbox: text.requireSandbox,
      secrets: secrets.length > 0 ? secrets : null,
    },
  };
}

/**
 * A confinement field's value with its defaults spelled one way, so a template saved with `"open"`, `{}` or `[]`
 * and read back from the form as null does not count as a change.
 */
export function normalConfinement(key: string, value: unknown): unknown {
  if (key === 'network' && value === 'open') return null;
  if (key === 'limits' && value && typeof value === 'object' && Object.keys(value).length === 0) return null;
  if (key === 'secrets' && Array.isArray(value) && value.length === 0) return null;
  return value;
}
