// Agent templates: the `{{name}}` placeholders of a prompt, filling them from an execution's inputs, and merging a
// template with the POST that starts an execution from it. Pure; used by the executions and agents routes.
import type { PermissionPolicy } from '../protocol/common';

/** `{{name}}`, with optional spaces inside the braces; names as protocol TemplateInputs allows them. */
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]{0,63})\s*\}\}/g;

/** The names of a prompt's placeholders, in order of first use, each once. */
export function placeholders(prompt: string): string[] {
  const names = new Set<string>();
  for (const match of prompt.matchAll(PLACEHOLDER)) names.add(match[1]!);
  return [...names];
}

/** The prompt with every placeholder replaced by its input (a missing one is left as it is). Inputs are inserted
 * verbatim: a `{{x}}` inside an input value is not filled again. */
export function fill(prompt: string, inputs: Readonly<Record<string, string>>): string {
  return prompt.replace(PLACEHOLDER, (whole, name: string) => (Object.hasOwn(inputs, name) ? inputs[name]! : whole));
}

/** What a template gives an execution (the protocol Agent's fields that matter here). */
export interface TemplateFacts {
  name: string;
  prompt: string;
  model: string | null;
  permissions: PermissionPolicy | null;
  maxTurns: number | null;
  maxBudgetUsd: number | null;
  labels: readonly string[];
  repo: string | null;
  ref: string | null;
  approvalTimeoutSeconds: number | null;
}

/** What the POST gives beside `agent` (protocol CreateExecutionBody's fields that matter here). */
export interface ExecutionAsk {
  inputs?: Readonly<Record<string, string>> | undefined;
  model?: string | undefined;
  maxBudgetUsd?: number | undefined;
  maxTurns?: number | undefined;
  approvalTimeoutSeconds?: number | undefined;
  labels?: readonly string[] | undefined;
  permissions?: PermissionPolicy | undefined;
  repo?: string | undefined;
  ref?: string | undefined;
}

export interface ResolvedExecution {
  prompt: string;
  inputs: Record<string, string>;
  model: string | null;
  maxBudgetUsd: number | null;
  maxTurns: number | null;
  approvalTimeoutSeconds: number | null;
  labels: string[];
  permissions: PermissionPolicy | null;
  /** Where repo and ref came from, so a bad value can be blamed on the input that gave it. */
  repo: { value: string; from: 'body' | 'input' | 'template' } | null;
  ref: { value: string; from: 'body' | 'input' | 'template' } | null;
}

const union = (...lists: (readonly string[] | undefined)[]): string[] => [...new Set(lists.flatMap((l) => l ?? []))];

/** The template's policy with the POST's lists appended (each rule once); null when neither gives one. */
export function mergePolicy(
  template: PermissionPolicy | null,
  extra: PermissionPolicy | null | undefined,
): PermissionPolicy | null {
  if (template === null && (extra === null || extra === undefined)) return null;
  return {
    allow: union(template?.allow, extra?.allow),
    ask: union(template?.ask, extra?.ask),
    deny: union(template?.deny, extra?.deny),
  };
}

const pick = (body: string | undefined, input: string | undefined, template: string | null) => {
  if (body !== undefined) return { value: body, from: 'body' as const };
  if (input !== undefined) return { value: input, from: 'input' as const };
  return template === null ? null : { value: template, from: 'template' as const };
};

/**
 * An execution started from a template: every placeholder needs an input and every input a placeholder (else the
 * error names them); the POST's fields override the template's, labels and permission lists are joined, and an input
 * named `repo` or `ref` sets the worktree's when the POST gives none.
 */
export function resolveExecution(
  template: TemplateFacts,
  ask: ExecutionAsk,
): { ok: true; value: ResolvedExecution } | { ok: false; message: string } {
  const inputs = { ...ask.inputs };
  const wanted = placeholders(template.prompt);
  const missing = wanted.filter((name) => !Object.hasOwn(inputs, name));
  if (missing.length > 0) {
    const s = missing.length > 1 ? 's' : '';
    return { ok: false, message: `missing input${s} ${quoted(missing)} for agent ${template.name}` };
  }
  const unknown = Object.keys(inputs).filter((name) => !wanted.includes(name));
  if (unknown.length > 0) {
    const s = unknown.length > 1 ? 's' : '';
    const takes = wanted.length === 0 ? 'takes no inputs' : `takes ${quoted(wanted)}`;
    return { ok: false, message: `unknown input${s} ${quoted(unknown)}: agent ${template.name} ${takes}` };
  }
  const repo = pick(ask.repo, inputs.repo, template.repo);
  const ref = pick(ask.ref, inputs.ref, template.ref);
  if (ref !== null && repo === null) {
    return { ok: false, message: `\`ref\` needs a repository: agent ${template.name} has no repo, give \`repo\`` };
  }
  return {
    ok: true,
    value: {
      prompt: fill(template.prompt, inputs),
      inputs,
      model: ask.model ?? template.model,
      maxBudgetUsd: ask.maxBudgetUsd ?? template.maxBudgetUsd,
      maxTurns: ask.maxTurns ?? template.maxTurns,
      approvalTimeoutSeconds: ask.approvalTimeoutSeconds ?? template.approvalTimeoutSeconds,
      labels: union(template.labels, ask.labels),
      permissions: mergePolicy(template.permissions, ask.permissions),
      repo,
      ref,
    },
  };
}

const quoted = (names: readonly string[]) => names.map((n) => `\`${n}\``).join(', ');
