// Pure mapping from `claudeops` flags to API request bodies and queries (CreateExecutionBody, ListExecutionsQuery,
// PutBudgetBody…), checked with the protocol's own schemas so a mistake is a usage error before any request.
import {
  ApprovalDecisionBody,
  CreateExecutionBody,
  CreateRegistrationTokenBody,
  PutBudgetBody,
} from '@claudeops/control-plane/protocol';
import type { z } from 'zod';
import { EXIT } from './exit-codes';
import { CliError } from './output';
import type { ProjectDefaults } from './project';

export const usage = (message: string) => new CliError(message, EXIT.usage);

/** `k=v` flags into a record; the first `=` splits, so a value may hold more. */
export function parseInputs(pairs: readonly string[]): Record<string, string> {
  const inputs: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw usage(`--input ${pair}: give it as name=value`);
    inputs[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return inputs;
}

/** A dollar amount: `5`, `0.25`, `$2`. */
export function parseUsd(flag: string, raw: string): number {
  const value = Number(raw.trim().replace(/^\$/, ''));
  if (!Number.isFinite(value) || value < 0 || raw.trim() === '') throw usage(`${flag} ${raw}: give an amount in USD`);
  return value;
}

export function parsePositiveInt(flag: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw usage(`${flag} ${raw}: give a whole number of at least 1`);
  return value;
}

/** The first problem zod found, as `field: message`. */
function firstIssue(error: z.ZodError, names: Record<string, string> = {}): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const key = issue.path.map(String).join('.');
  const name = names[issue.path[0] as string] ?? key;
  return name ? `${name}: ${issue.message}` : issue.message;
}

const RUN_FLAGS: Record<string, string> = {
  prompt: 'the prompt',
  agent: '--agent',
  inputs: '--input',
  model: '--model',
  maxBudgetUsd: '--budget',
  labels: '--label',
  repo: '--repo',
  ref: '--ref',
};

export interface RunFlags {
  agent?: string;
  input: string[];
  repo?: string;
  ref?: string;
  model?: string;
  budget?: string;
  label: string[];
}

/**
 * The POST /api/v1/executions body for `run`. Flags win over `.claudeops.json`; labels are the file's plus the
 * flags'. With an agent template (--agent, or the file's `template`), a prompt argument fills its `task` input.
 */
export function createExecutionBody(
  prompt: string | undefined,
  flags: RunFlags,
  defaults: ProjectDefaults = {},
): CreateExecutionBody {
  const agent = flags.agent ?? defaults.template;
  const inputs = parseInputs(flags.input);
  if (agent === undefined && flags.input.length > 0) throw usage('--input needs --agent (a template to fill)');
  if (agent !== undefined && prompt !== undefined) {
    if ('task' in inputs) throw usage('give the task either as the prompt or as --input task=…, not both');
    inputs.task = prompt;
  }
  if (agent === undefined && prompt === undefined) throw usage('give a prompt, or --agent NAME with --input k=v');
  const labels = [...new Set([...(defaults.labels ?? []), ...flags.label])];
  const repo = flags.repo ?? defaults.repo;
  // The file's ref belongs to the file's repo: another --repo does not inherit it.
  const ref = flags.ref ?? (flags.repo === undefined ? defaults.ref : undefined);
  const model = flags.model ?? defaults.model;
  const maxBudgetUsd = flags.budget !== undefined ? parseUsd('--budget', flags.budget) : defaults.maxBudgetUsd;
  const candidate = {
    ...(agent === undefined ? { prompt } : { agent, ...(Object.keys(inputs).length > 0 ? { inputs } : {}) }),
    ...(repo !== undefined ? { repo } : {}),
    ...(ref !== undefined ? { ref } : {}),
    ...(model !== undefined ? { model } : {}),
    ...(maxBudgetUsd !== undefined ? { maxBudgetUsd } : {}),
    ...(labels.length > 0 ? { labels } : {}),
  };
  const parsed = CreateExecutionBody.safeParse(candidate);
  if (!parsed.success) throw usage(firstIssue(parsed.error, RUN_FLAGS));
  return parsed.data;
}

export interface ListFlags {
  status?: string;
  agent?: string;
  runner?: string;
  label?: string;
  q?: string;
  /** What started it (api, schedule, webhook, followup, mcp, retry) and the schedule, webhook or execution that did. */
  trigger?: string;
  triggerId?: string;
  limit?: string;
  cursor?: string;
}

/** GET /api/v1/executions's query; the API checks the values and says what is wrong. */
export function listExecutionsQuery(flags: ListFlags): Record<string, string | number> {
  const query: Record<string, string | number> = {};
  for (const key of ['status', 'agent', 'runner', 'label', 'q', 'trigger', 'triggerId', 'cursor'] as const) {
    const value = flags[key];
    if (value !== undefined) query[key] = value;
  }
  if (flags.limit !== undefined) query.limit = parsePositiveInt('--limit', flags.limit);
  return query;
}

export function decisionBody(flags: { deny?: boolean; message?: string; remember?: string }): ApprovalDecisionBody {
  const parsed = ApprovalDecisionBody.safeParse({
    decision: flags.deny ? 'deny' : 'allow',
    ...(flags.message !== undefined ? { message: flags.message } : {}),
    ...(flags.remember !== undefined ? { remember: flags.remember } : {}),
  });
  if (!parsed.success) throw usage(firstIssue(parsed.error, { remember: '--remember', message: '--message' }));
  return parsed.data;
}

export function budgetBody(flags: { hard?: string; soft?: string; period?: string }): PutBudgetBody {
  const parsed = PutBudgetBody.safeParse({
    period: flags.period,
    ...(flags.hard !== undefined ? { hardLimitUsd: parseUsd('--hard', flags.hard) } : {}),
    ...(flags.soft !== undefined ? { softLimitUsd: parseUsd('--soft', flags.soft) } : {}),
  });
  if (!parsed.success) {
    throw usage(firstIssue(parsed.error, { period: '--period', softLimitUsd: '--soft', hardLimitUsd: '--hard' }));
  }
  return parsed.data;
}

export function registrationTokenBody(flags: {
  label: string[];
  maxConcurrent?: string;
  ttl?: string;
}): z.infer<typeof CreateRegistrationTokenBody> {
  const parsed = CreateRegistrationTokenBody.safeParse({
    ...(flags.label.length > 0 ? { labels: flags.label } : {}),
    ...(flags.maxConcurrent !== undefined
      ? { maxConcurrent: parsePositiveInt('--max-concurrent', flags.maxConcurrent) }
      : {}),
    ...(flags.ttl !== undefined ? { ttlSeconds: parsePositiveInt('--ttl', flags.ttl) } : {}),
  });
  if (!parsed.success) {
    throw usage(
      firstIssue(parsed.error, { labels: '--label', maxConcurrent: '--max-concurrent', ttlSeconds: '--ttl' }),
    );
  }
  return parsed.data;
}

/** The command a new runner's host runs: the registration token travels in its environment, never on argv. */
export function runnerStartCommand(url: string, token: string, name?: string): string {
  const quote = (value: string) => (/^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`);
  const nameFlag = name === undefined ? '' : ` --name ${quote(name)}`;
  return `CLAUDEOPS_REGISTRATION_TOKEN=${quote(token)} npx claudeops-runner start --url ${quote(url)}${nameFlag}`;
}
