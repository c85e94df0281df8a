// The "New execution" form's logic: which fields a template asks for, and the POST body from a free prompt or a
// template with its inputs, and its supervision (checks, a reviewer, breakpoints). Used by new-execution-form.svelte.
import type { Agent, CreateExecutionBody } from '@claudeops/control-plane/protocol';
import { readSupervision, type SupervisionText } from './supervision';
import { parseLabels } from './templates';

/** Inputs that hold prose (an issue, a task) get a textarea; the rest a single line. */
const LONG_INPUT = /(issue|task|prompt|description|details|body|text|notes|instructions|question|context|diff)/i;

export function isLongInput(name: string): boolean {
  return LONG_INPUT.test(name);
}

/** `repo` and `ref` fields shown beside a template's inputs: an input of that name already sets the worktree. */
export function extraWorktreeFields(agent: Pick<Agent, 'inputs'> | null): ('repo' | 'ref')[] {
  return (['repo', 'ref'] as const).filter((field) => !agent?.inputs.includes(field));
}

export interface NewExecutionForm {
  /** A template's name, or '' for a free prompt. */
  agent: string;
  prompt: string;
  inputs: Record<string, string>;
  repo: string;
  ref: string;
  model: string;
  maxBudgetUsd: string;
  labels: string;
  /** Checks (replace the template's when given), a reviewer (replaces the template's when on), breakpoints (added). */
  supervision?: SupervisionText;
}

export type BuildResult = { ok: true; body: CreateExecutionBody } | { ok: false; error: string; field?: string };

/** The POST body, or the first thing to fix. The API checks the rest (its 400 names a missing input). */
export function buildExecutionBody(
  form: NewExecutionForm,
  template: Pick<Agent, 'name' | 'inputs'> | null,
): BuildResult {
  const body: Record<string, unknown> = {};
  if (template) {
    body.agent = template.name;
    const inputs: Record<string, string> = {};
    for (const name of template.inputs) {
      const value = form.inputs[name]?.trim() ?? '';
      if (value !== '') inputs[name] = value;
    }
    const missing = template.inputs.find((name) => !(name in inputs));
    if (missing) return { ok: false, error: `Fill in ${missing}.`, field: `input-${missing}` };
    if (Object.keys(inputs).length > 0) body.inputs = inputs;
  } else {
    if (form.prompt.trim() === '') return { ok: false, error: 'Write a prompt first.', field: 'prompt' };
    body.prompt = form.prompt;
  }
  const worktree = extraWorktreeFields(template);
  if (worktree.includes('repo') && form.repo.trim()) body.repo = form.repo.trim();
  if (worktree.includes('ref') && form.ref.trim()) {
    if (!template && !body.repo) return { ok: false, error: 'A ref needs a repository.', field: 'repo' };
    body.ref = form.ref.trim();
  }
  if (form.model.trim()) body.model = form.model.trim();
  if (form.maxBudgetUsd.trim()) {
    const budget = Number(form.maxBudgetUsd.trim());
    if (!Number.isFinite(budget) || budget <= 0) {
      return { ok: false, error: 'The budget must be a positive number of US dollars.', field: 'budget' };
    }
    body.maxBudgetUsd = budget;
  }
  const labels = parseLabels(form.labels);
  if (labels.length > 0) body.labels = labels;
  if (form.supervision) {
    const read = readSupervision(form.supervision);
    if (!read.ok) {
      const [field, error] = Object.entries(read.errors)[0]!;
      return { ok: false, error, field: `supervision-${field}` };
    }
    if (read.fields.checks.length > 0) body.checks = read.fields.checks;
    if (read.fields.review) body.review = read.fields.review;
    if (read.fields.breakpoints.length > 0) body.breakpoints = read.fields.breakpoints;
  }
  return { ok: true, body: body as CreateExecutionBody };
}
