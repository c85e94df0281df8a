// The template form's logic: a template's fields as form text and back, checked in the browser before the API
// sees them; the POST body for a new template and the PATCH body of only the changed fields (null clears); a
// permission policy's textareas, one rule per line. Used by the template pages and the policy editor; the
// confinement fields (network, limits, requireSandbox, secrets) come from confinement-form.ts, the supervision fields
// (checks, review, breakpoints) from supervision.ts.
import type { Agent, CreateAgentBody, PermissionPolicy, UpdateAgentBody } from '@claudeops/control-plane/protocol';
import {
  confinementToText,
  normalConfinement,
  readConfinement,
  type ConfinementErrors,
  type ConfinementText,
} from './confinement-form';
import { readSupervision, supervisionToText, type SupervisionErrors, type SupervisionText } from './supervision';

/** `{{name}}` as the control plane reads placeholders (domain/templates.ts). */
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]{0,63})\s*\}\}/g;
const AGENT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const LABEL = /^[A-Za-z0-9][A-Za-z0-9_.:/-]*$/;
const RULE = /^[A-Za-z0-9_*-]+(\(.+\))?$/s;

/** A prompt's placeholders, in order of first use, each once. */
export function detectInputs(prompt: string): string[] {
  return [...new Set([...prompt.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
}

/** One rule per line; blank lines and surrounding spaces dropped. */
export function parseRules(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

export function rulesToText(rules: readonly string[]): string {
  return rules.join('\n');
}

/** Lines that are not a rule in Claude Code's syntax (`Read`, `Bash(npm test:*)`, `mcp__server__tool`). */
export function invalidRules(rules: readonly string[]): string[] {
  return rules.filter((rule) => !RULE.test(rule) || rule.length > 1000);
}

export interface PolicyText {
  /** Off: no policy at all, every tool runs without asking. On with empty lists: every call is asked. */
  enabled: boolean;
  allow: string;
  ask: string;
  deny: string;
}

export function policyToText(policy: PermissionPolicy | null): PolicyText {
  if (!policy) return { enabled: false, allow: '', ask: '', deny: '' };
  return {
    enabled: true,
    allow: rulesToText(policy.allow),
    ask: rulesToText(policy.ask),
    deny: rulesToText(policy.deny),
  };
}

export function textToPolicy(text: PolicyText): PermissionPolicy | null {
  if (!text.enabled) return null;
  return { allow: parseRules(text.allow), ask: parseRules(text.ask), deny: parseRules(text.deny) };
}

/** Comma- or space-separated labels. */
export function parseLabels(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter((label) => label !== ''))];
}

export interface TemplateForm {
  name: string;
  description: string;
  prompt: string;
  model: string;
  policy: PolicyText;
  maxTurns: string;
  maxBudgetUsd: string;
  labels: string;
  repo: string;
  ref: string;
  appendSystemPrompt: string;
  outputSchema: string;
  /** `standard`: Claude Code's standard set (null); `list`: exactly the tools listed (none when empty). */
  toolsMode: 'standard' | 'list';
  tools: string;
  approvalTimeoutSeconds: string;
  hostSnapshot: boolean;
  confinement: ConfinementText;
  supervision: SupervisionText;
}

/** The fields a template has, as the API takes them (name apart). */
export type TemplateFields = Required<UpdateAgentBody>;

export function emptyForm(): TemplateForm {
  return formFromAgent(null);
}

export function formFromAgent(agent: Agent | null): TemplateForm {
  return {
    name: agent?.name ?? '',
    description: agent?.description ?? '',
    prompt: agent?.prompt ?? '',
    model: agent?.model ?? '',
    policy: policyToText(agent?.permissions ?? null),
    maxTurns: agent?.maxTurns?.toString() ?? '',
    maxBudgetUsd: agent?.maxBudgetUsd?.toString() ?? '',
    labels: agent?.labels.join(', ') ?? '',
    repo: agent?.repo ?? '',
    ref: agent?.ref ?? '',
    appendSystemPrompt: agent?.appendSystemPrompt ?? '',
    outputSchema: agent?.outputSchema ? JSON.stringify(agent.outputSchema, null, 2) : '',
    toolsMode: agent?.tools ? 'list' : 'standard',
    tools: agent?.tools?.join('\n') ?? '',
    approvalTimeoutSeconds: agent?.approvalTimeoutSeconds?.toString() ?? '',
    hostSnapshot: agent?.hostSnapshot ?? false,
    confinement: confinementToText(agent),
    supervision: supervisionToText(agent),
  };
}

export type FormErrors = Partial<Record<keyof TemplateForm | 'allow' | 'ask' | 'deny', string>> &
  ConfinementErrors &
  SupervisionErrors;

export type ReadResult = { ok: true; fields: TemplateFields } | { ok: false; errors: FormErrors };

function optionalNumber(
  text: string,
  check: (n: number) => boolean,
  message: string,
): { value: number | null } | { error: string } {
  const trimmed = text.trim();
  if (trimmed === '') return { value: null };
  const value = Number(trimmed);
  return Number.isFinite(value) && check(value) ? { value } : { error: message };
}

/** The outputSchema textarea: empty for none, else a JSON object with "type": "object". */
export function parseOutputSchema(text: string): { value: Record<string, unknown> | null } | { error: string } {
  if (text.trim() === '') return { value: null };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return { error: `Not valid JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { error: 'The output schema must be a JSON object.' };
  }
  if ((parsed as Record<string, unknown>).type !== 'object') {
    return { error: 'The output schema must be a JSON Schema with "type": "object".' };
  }
  return { value: parsed as Record<string, unknown> };
}

/** The form's values as API fields, or what is wrong with them (keyed by field, for aria-describedby). */
export function readForm(form: TemplateForm): ReadResult {
  const errors: FormErrors = {};
  const num = (key: keyof TemplateForm, ...args: [(n: number) => boolean, string]): number | null => {
    const result = optionalNumber(String(form[key]), ...args);
    if ('error' in result) errors[key] = result.error;
    return 'value' in result ? result.value : null;
  };
  if (form.prompt.trim() === '') errors.prompt = 'Write the prompt.';
  const maxTurns = num('maxTurns', (n) => Number.isInteger(n) && n >= 1 && n <= 10_000, 'A whole number, 1 to 10000.');
  const maxBudgetUsd = num('maxBudgetUsd', (n) => n > 0 && n <= 100_000, 'A positive amount of US dollars.');
  const approvalTimeoutSeconds = num(
    'approvalTimeoutSeconds',
    (n) => Number.isInteger(n) && n >= 5 && n <= 7 * 24 * 3600,
    'Whole seconds, 5 to 604800 (a week).',
  );
  const labels = parseLabels(form.labels);
  const badLabels = labels.filter((label) => !LABEL.test(label) || label.length > 64);
  if (badLabels.length > 0) errors.labels = `Not a label: ${badLabels.join(', ')} (letters, digits and _ . : / -).`;
  const permissions = textToPolicy(form.policy);
  for (const list of ['allow', 'ask', 'deny'] as const) {
    const bad = permissions ? invalidRules(permissions[list]) : [];
    if (bad.length > 0) errors[list] = `Not a rule: ${bad.join(', ')}`;
  }
  const schema = parseOutputSchema(form.outputSchema);
  if ('error' in schema) errors.outputSchema = schema.error;
  const tools = form.toolsMode === 'list' ? parseRules(form.tools.replaceAll(',', '\n')) : null;
  const confinement = readConfinement(form.confinement);
  if (!confinement.ok) Object.assign(errors, confinement.errors);
  const supervision = readSupervision(form.supervision);
  if (!supervision.ok) Object.assign(errors, supervision.errors);
  if (Object.keys(errors).length > 0 || !confinement.ok || !supervision.ok) return { ok: false, errors };
  const text = (value: string) => (value.trim() === '' ? null : value.trim());
  return {
    ok: true,
    fields: {
      description: form.description.trim(),
      prompt: form.prompt,
      model: text(form.model),
      permissions,
      maxTurns,
      maxBudgetUsd,
      labels,
      repo: text(form.repo),
      ref: text(form.ref),
      appendSystemPrompt: form.appendSystemPrompt.trim() === '' ? null : form.appendSystemPrompt,
      outputSchema: 'value' in schema ? schema.value : null,
      tools,
      approvalTimeoutSeconds,
      hostSnapshot: form.hostSnapshot,
      ...confinement.fields,
      ...supervision.fields,
    },
  };
}

export function nameError(name: string): string | null {
  if (name === '') return 'Give the template a name.';
  if (name === 'default') return '`default` names executions without a template.';
  return AGENT_NAME.test(name) ? null : '1-64 letters, digits and _ . - (first a letter or digit).';
}

/** POST /agents: the fields, leaving out the empty optional ones (no checks and no breakpoints are the default). */
export function createBody(name: string, fields: TemplateFields): CreateAgentBody {
  const body: Record<string, unknown> = { name };
  const empty = (key: string, value: unknown) =>
    value === null || ((key === 'checks' || key === 'breakpoints') && Array.isArray(value) && value.length === 0);
  for (const [key, value] of Object.entries(fields)) if (!empty(key, value)) body[key] = value;
  return body as CreateAgentBody;
}

/** PATCH /agents/:name: only the fields that differ from the template as loaded (null clears); null: nothing to send. */
export function updateBody(original: Agent, fields: TemplateFields): UpdateAgentBody | null {
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (!sameValue(normalConfinement(key, original[key as keyof TemplateFields]), normalConfinement(key, value))) {
      body[key] = value;
    }
  }
  return Object.keys(body).length > 0 ? (body as UpdateAgentBody) : null;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** Objects with sorted keys, so `{type, properties}` equals `{properties, type}`. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return Object.fromEntries(entries.map(([k, v]) => [k, canonical(v)]));
  }
  return value ?? null;
}
