// HTTP API v1: agent templates (/api/v1/agents).
import { z } from 'zod';
import { limit } from './api';
import { AgentName, ApprovalTimeoutSeconds, GitRef, IsoTime, Labels, PermissionPolicy, RepoRef } from './common';
import { NetworkPolicy, ResourceLimits, SecretNames } from './sandbox';
import { Breakpoints, Checks, ReviewConfig } from './supervision';

const AgentFields = {
  description: z.string().max(2000),
  /** The prompt, with `{{name}}` placeholders filled from an execution's `inputs`. */
  prompt: z.string().trim().min(1, 'prompt must not be empty').max(100_000),
  model: z.string().min(1).max(200).nullable(),
  permissions: PermissionPolicy.nullable(),
  maxTurns: z.number().int().min(1).max(10_000).nullable(),
  maxBudgetUsd: z.number().positive().max(100_000).nullable(),
  /** Labels a runner must carry (added to the execution's). */
  labels: Labels,
  /** Repository used when the execution names none. */
  repo: RepoRef.nullable(),
  ref: GitRef.nullable(),
  appendSystemPrompt: z.string().max(100_000).nullable(),
  /** JSON Schema (an object schema) of the structured result; stored as `result.structured`. */
  outputSchema: z
    .record(z.string(), z.unknown())
    .refine((s) => s.type === 'object', { message: 'outputSchema must be a JSON Schema with "type": "object"' })
    .nullable(),
  /** Claude Code's built-in tools offered (empty: none); null: its standard set. */
  tools: z.array(z.string().min(1).max(200)).max(200).nullable(),
  approvalTimeoutSeconds: ApprovalTimeoutSeconds.nullable(),
  /** The runner collects a snapshot of its host for Claude first (system-health-reporter). */
  hostSnapshot: z.boolean(),
  /** What its executions' processes may reach (null: `open`). */
  network: NetworkPolicy.nullable(),
  /** Memory, CPUs and processes its executions may use (null: no limits). */
  limits: ResourceLimits.nullable(),
  /** Its executions are offered only to runners that confine them (bubblewrap). */
  requireSandbox: z.boolean(),
  /** Runner secrets (environment names) its executions get, redacted in every event; null: none. */
  secrets: SecretNames.nullable(),
  /** Commands its executions run once Claude Code finishes (`npm test`); a failing one ends in needs_review. */
  checks: Checks,
  /** A reviewer its executions ask for a verdict (null: none). */
  review: ReviewConfig.nullable(),
  /** Rules that pause its executions for a person. */
  breakpoints: Breakpoints,
};

export const CreateAgentBody = z.strictObject({
  name: AgentName.refine((n) => n !== 'default', { message: '`default` names executions without a template' }),
  description: AgentFields.description.default(''),
  prompt: AgentFields.prompt,
  model: AgentFields.model.optional(),
  permissions: AgentFields.permissions.optional(),
  maxTurns: AgentFields.maxTurns.optional(),
  maxBudgetUsd: AgentFields.maxBudgetUsd.optional(),
  labels: AgentFields.labels.default([]),
  repo: AgentFields.repo.optional(),
  ref: AgentFields.ref.optional(),
  appendSystemPrompt: AgentFields.appendSystemPrompt.optional(),
  outputSchema: AgentFields.outputSchema.optional(),
  tools: AgentFields.tools.optional(),
  approvalTimeoutSeconds: AgentFields.approvalTimeoutSeconds.optional(),
  hostSnapshot: AgentFields.hostSnapshot.default(false),
  network: AgentFields.network.optional(),
  limits: AgentFields.limits.optional(),
  requireSandbox: AgentFields.requireSandbox.default(false),
  secrets: AgentFields.secrets.optional(),
  checks: AgentFields.checks.default([]),
  review: AgentFields.review.optional(),
  breakpoints: AgentFields.breakpoints.default([]),
});
export type CreateAgentBody = z.infer<typeof CreateAgentBody>;

/** PATCH /api/v1/agents/:name: the fields given replace the template's (null clears an optional one). */
export const UpdateAgentBody = z
  .strictObject({
    description: AgentFields.description.optional(),
    prompt: AgentFields.prompt.optional(),
    model: AgentFields.model.optional(),
    permissions: AgentFields.permissions.optional(),
    maxTurns: AgentFields.maxTurns.optional(),
    maxBudgetUsd: AgentFields.maxBudgetUsd.optional(),
    labels: AgentFields.labels.optional(),
    repo: AgentFields.repo.optional(),
    ref: AgentFields.ref.optional(),
    appendSystemPrompt: AgentFields.appendSystemPrompt.optional(),
    outputSchema: AgentFields.outputSchema.optional(),
    tools: AgentFields.tools.optional(),
    approvalTimeoutSeconds: AgentFields.approvalTimeoutSeconds.optional(),
    hostSnapshot: AgentFields.hostSnapshot.optional(),
    network: AgentFields.network.optional(),
    limits: AgentFields.limits.optional(),
    requireSandbox: AgentFields.requireSandbox.optional(),
    secrets: AgentFields.secrets.optional(),
    checks: AgentFields.checks.optional(),
    review: AgentFields.review.optional(),
    breakpoints: AgentFields.breakpoints.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'give at least one field to change' });
export type UpdateAgentBody = z.infer<typeof UpdateAgentBody>;

export const Agent = z.object({
  name: AgentName,
  ...AgentFields,
  /** The `{{name}}` placeholders of the prompt, in order of first use: what an execution must give. */
  inputs: z.array(z.string()),
  /** Seeded by the migrations (still editable). */
  builtin: z.boolean(),
  createdAt: IsoTime,
  updatedAt: IsoTime,
});
export type Agent = z.infer<typeof Agent>;

export const ListAgentsQuery = z.strictObject({
  limit: limit(200, 100),
  cursor: z.string().min(1).max(500).optional(),
});
