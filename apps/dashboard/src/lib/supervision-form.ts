// The supervision fields of the new-execution and template forms as text and back: checks one per line, the
// reviewer (mode, threshold, max retries, model, local endpoint) and a list of breakpoints (on tool, on file change,
// cost over, turns over), checked before the API sees them. Used by supervision-editor.svelte, templates.ts and
// new-execution.ts.
import type { Breakpoint, ReviewConfig, ReviewMode } from '@claudeops/control-plane/protocol';

/** One per line; blank lines and surrounding spaces dropped. */
const lines = (text: string): string[] =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');

export const BREAKPOINT_KINDS = ['onTool', 'onFileChange', 'costOverUsd', 'turnsOver'] as const;
export type BreakpointKind = (typeof BREAKPOINT_KINDS)[number];

export const BREAKPOINT_KIND_LABEL: Record<BreakpointKind, string> = {
  onTool: 'On tool',
  onFileChange: 'On file change',
  costOverUsd: 'Cost over (USD)',
  turnsOver: 'Turns over',
};

export const BREAKPOINT_PLACEHOLDER: Record<BreakpointKind, string> = {
  onTool: 'Bash(git push:*)',
  onFileChange: 'migrations/**',
  costOverUsd: '1.00',
  turnsOver: '30',
};

export const REVIEW_MODE_LABEL: Record<ReviewMode, string> = {
  gate: 'Gate: a low score waits for a person',
  retry: 'Retry: the findings go back to the agent, then gate',
  report: 'Report: recorded only',
};

export interface BreakpointRow {
  kind: BreakpointKind;
  value: string;
}

export interface SupervisionText {
  checks: string;
  reviewEnabled: boolean;
  mode: ReviewMode;
  threshold: string;
  maxRetries: string;
  model: string;
  local: boolean;
  breakpoints: BreakpointRow[];
}

export interface SupervisionFields {
  checks: string[];
  review: ReviewConfig | null;
  breakpoints: Breakpoint[];
}

export type SupervisionErrors = Partial<
  Record<'checks' | 'reviewThreshold' | 'reviewMaxRetries' | 'reviewModel' | 'breakpoints', string>
>;

export type ReadSupervision = { ok: true; fields: SupervisionFields } | { ok: false; errors: SupervisionErrors };

export function breakpointRow(breakpoint: Breakpoint): BreakpointRow {
  if ('onTool' in breakpoint) return { kind: 'onTool', value: breakpoint.onTool };
  if ('onFileChange' in breakpoint) return { kind: 'onFileChange', value: breakpoint.onFileChange };
  if ('costOverUsd' in breakpoint) return { kind: 'costOverUsd', value: String(breakpoint.costOverUsd) };
  return { kind: 'turnsOver', value: String(breakpoint.turnsOver) };
}

export function supervisionToText(
  source: { checks: readonly string[]; review: ReviewConfig | null; breakpoints: readonly Breakpoint[] } | null,
): SupervisionText {
  const review = source?.review ?? null;
  return {
    checks: source?.checks.join('\n') ?? '',
    reviewEnabled: review !== null,
    mode: review?.mode ?? 'gate',
    threshold: String(review?.threshold ?? 0.7),
    maxRetries: String(review?.maxRetries ?? 2),
    model: review?.model ?? '',
    local: review?.endpoint === 'local',
    breakpoints: source?.breakpoints.map(breakpointRow) ?? [],
  };
}

/** One breakpoint row as the API takes it, or what is wrong with it. */
export function readBreakpoint(row: BreakpointRow): Breakpoint | string {
  const value = row.value.trim();
  const label = BREAKPOINT_KIND_LABEL[row.kind].toLowerCase();
  if (value === '') return `Fill in the ${label} breakpoint, or remove it.`;
  switch (row.kind) {
    case 'onTool':
    case 'onFileChange':
      return value.length > 1000 ? `The ${label} breakpoint is too long.` : ({ [row.kind]: value } as Breakpoint);
    case 'costOverUsd': {
      const usd = Number(value);
      return Number.isFinite(usd) && usd > 0 && usd <= 100_000
        ? { costOverUsd: usd }
        : `Cost over: a positive amount of US dollars, not “${value}”.`;
    }
    case 'turnsOver': {
      const turns = Number(value);
      return Number.isInteger(turns) && turns >= 1 && turns <= 10_000
        ? { turnsOver: turns }
        : `Turns over: a whole number, 1 to 10000, not “${value}”.`;
    }
  }
}

/** The form's supervision values as API fields, or what is wrong with them. */
export function readSupervision(text: SupervisionText): ReadSupervision {
  const errors: SupervisionErrors = {};
  const checks = lines(text.checks);
  if (checks.length > 20) errors.checks = 'At most 20 checks.';
  else if (checks.some((check) => check.length > 2000)) errors.checks = 'A check is longer than 2000 characters.';

  let review: ReviewConfig | null = null;
  if (text.reviewEnabled) {
    const threshold = Number(text.threshold.trim());
    if (text.threshold.trim() === '' || !Number.isFinite(threshold) || threshold < 0 || threshold > 1) {
      errors.reviewThreshold = 'A number from 0 to 1, e.g. 0.7.';
    }
    const maxRetries = Number(text.maxRetries.trim());
    if (text.maxRetries.trim() === '' || !Number.isInteger(maxRetries) || maxRetries < 0 || maxRetries > 10) {
      errors.reviewMaxRetries = 'A whole number, 0 to 10.';
    }
    const model = text.model.trim();
    if (model.length > 200) errors.reviewModel = 'At most 200 characters.';
    if (text.local && model !== '' && !model.startsWith('local:')) {
      errors.reviewModel = 'A local model is named local:<name>, e.g. local:qwen2.5-coder.';
    }
    review = {
      mode: text.mode,
      threshold,
      maxRetries,
      ...(model ? { model } : {}),
      ...(text.local ? { endpoint: 'local' as const } : {}),
    };
  }

  const breakpoints: Breakpoint[] = [];
  if (text.breakpoints.length > 20) errors.breakpoints = 'At most 20 breakpoints.';
  for (const row of text.breakpoints) {
    const read = readBreakpoint(row);
    if (typeof read === 'string') {
      errors.breakpoints ??= read;
    } else breakpoints.push(read);
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, fields: { checks, review, breakpoints } };
}

/** For a new execution: only what was filled in (the template's checks and reviewer apply otherwise). */
export function executionSupervision(fields: SupervisionFields): Partial<SupervisionFields> {
  return {
    ...(fields.checks.length > 0 ? { checks: fields.checks } : {}),
    ...(fields.review ? { review: fields.review } : {}),
    ...(fields.breakpoints.length > 0 ? { breakpoints: fields.breakpoints } : {}),
  };
}
