// Confinement of an execution (the runner's sandbox): how it ran, its network, its resource limits and the runner
// secrets it may see. Used by the API bodies, the agent templates and the job frame.
import { z } from 'zod';

/** How a runner confines Claude Code: bubblewrap namespaces, or not at all (`--sandbox off`, or no bubblewrap). */
export const SANDBOX_KINDS = ['bubblewrap', 'none'] as const;
export const SandboxKind = z.enum(SANDBOX_KINDS);
export type SandboxKind = z.infer<typeof SandboxKind>;

/** A host name an allow-list lets through (`registry.npmjs.org`), or every subdomain of one (`*.github.com`). */
export const NetworkHost = z
  .string()
  .max(253)
  .regex(
    /^(\*\.)?(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/,
    'a host is a lower-case DNS name (registry.npmjs.org), optionally with a leading "*." for every subdomain',
  );

/**
 * What an execution's processes may reach: `open` (anything, the default), `model-only` (nothing but the runner's
 * model proxy) or an allow-list of hosts (through the runner's egress proxy; the model proxy is always reachable).
 */
export const NetworkPolicy = z.union([
  z.literal('open'),
  z.literal('model-only'),
  z.strictObject({ allow: z.array(NetworkHost).min(1).max(100) }),
]);
export type NetworkPolicy = z.infer<typeof NetworkPolicy>;

/** Resource limits of one execution (cgroup v2 where the host has it); exceeding one ends the run. */
export const ResourceLimits = z.strictObject({
  memoryMb: z.number().int().min(64).max(1_048_576).optional(),
  cpus: z.number().min(0.1).max(1024).optional(),
  pids: z.number().int().min(16).max(1_000_000).optional(),
});
export type ResourceLimits = z.infer<typeof ResourceLimits>;

/** The name of a secret configured on the runner (an environment variable name): only templates that name it get it. */
export const SecretName = z
  .string()
  .regex(/^[A-Z_][A-Z0-9_]{0,127}$/, 'a secret name is an environment variable name: A-Z, 0-9 and _');
export const SecretNames = z.array(SecretName).max(50);
