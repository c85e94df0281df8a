// Budget display and editing logic for the costs page: where the bar's fill and the soft/hard marks sit, what the
// bar says, and turning the editor's text fields into a PUT body. Used by budget-bar and budget-editor.
import type { Budget, BudgetPeriod } from '@claudeops/control-plane/protocol';

export type BudgetTone = 'ok' | 'warn' | 'over';

export interface BudgetBarModel {
  /** The dollar amount the full width of the bar stands for. */
  scaleUsd: number;
  /** Fill, soft mark and hard mark as percentages of the width (0–100); a mark is null without its limit. */
  spentPct: number;
  softPct: number | null;
  hardPct: number | null;
  tone: BudgetTone;
  /** Spend as a share of the hard limit (may pass 100), or null without one. */
  usedOfHardPct: number | null;
}

const TONE: Record<Budget['state'], BudgetTone> = { ok: 'ok', soft_exceeded: 'warn', hard_exceeded: 'over' };

function pct(value: number, scale: number): number {
  return Math.min(100, Math.max(0, (value / scale) * 100));
}

/**
 * The bar spans the hard limit (else the soft limit, else the spend), widened to the spend when it ran past the
 * limit, so the overshoot stays visible and the hard mark moves left of the end.
 */
export function budgetBar(
  budget: Pick<Budget, 'spentUsd' | 'softLimitUsd' | 'hardLimitUsd' | 'state'>,
): BudgetBarModel {
  const { spentUsd, softLimitUsd: soft, hardLimitUsd: hard } = budget;
  const limit = hard ?? soft ?? spentUsd;
  const scaleUsd = Math.max(limit, spentUsd, soft ?? 0) || 1;
  return {
    scaleUsd,
    spentPct: pct(spentUsd, scaleUsd),
    softPct: soft === null ? null : pct(soft, scaleUsd),
    hardPct: hard === null ? null : pct(hard, scaleUsd),
    tone: TONE[budget.state],
    usedOfHardPct: hard === null ? null : hard === 0 ? (spentUsd > 0 ? 100 : 0) : (spentUsd / hard) * 100,
  };
}

export const PERIOD_LABELS: Record<BudgetPeriod, string> = { day: 'Daily', month: 'Monthly', total: 'All time' };

export const STATE_LABELS: Record<Budget['state'], string> = {
  ok: 'Within limits',
  soft_exceeded: 'Soft limit passed',
  hard_exceeded: 'Hard limit reached',
};

export type ScopeKind = 'global' | 'agent' | 'label';

/** "global", "agent:bug-fixer", "label:gpu" → its kind and name, for headings. */
export function splitScope(scope: string): { kind: ScopeKind; name: string } {
  if (scope.startsWith('agent:')) return { kind: 'agent', name: scope.slice(6) };
  if (scope.startsWith('label:')) return { kind: 'label', name: scope.slice(6) };
  return { kind: 'global', name: '' };
}

export function scopeTitle(scope: string): string {
  const { kind, name } = splitScope(scope);
  if (kind === 'agent') return `Agent ${name}`;
  if (kind === 'label') return `Label ${name}`;
  return 'Everything (global)';
}

export function buildScope(kind: ScopeKind, name: string): string {
  return kind === 'global' ? 'global' : `${kind}:${name.trim()}`;
}

export interface BudgetForm {
  period: BudgetPeriod;
  soft: string;
  hard: string;
}

export type BudgetBody = { period: BudgetPeriod; softLimitUsd?: number; hardLimitUsd?: number };

/** Parses the editor's fields: empty means no limit; anything else must be a non-negative number, soft ≤ hard. */
export function parseBudgetForm(form: BudgetForm): { ok: true; body: BudgetBody } | { ok: false; error: string } {
  const body: BudgetBody = { period: form.period };
  for (const [field, key, label] of [
    ['soft', 'softLimitUsd', 'Soft limit'],
    ['hard', 'hardLimitUsd', 'Hard limit'],
  ] as const) {
    const text = form[field].trim().replace(/^\$/, '');
    if (text === '') continue;
    const value = Number(text);
    if (!Number.isFinite(value) || value < 0) return { ok: false, error: `${label} must be a dollar amount ≥ 0.` };
    body[key] = value;
  }
  if (body.softLimitUsd !== undefined && body.hardLimitUsd !== undefined && body.softLimitUsd > body.hardLimitUsd) {
    return { ok: false, error: 'The soft limit must not be above the hard limit.' };
  }
  return { ok: true, body };
}

/** The editor's starting fields for an existing budget (or a new one). */
export function budgetForm(budget?: Pick<Budget, 'period' | 'softLimitUsd' | 'hardLimitUsd'>): BudgetForm {
  return {
    period: budget?.period ?? 'day',
    soft: budget?.softLimitUsd === null || budget?.softLimitUsd === undefined ? '' : String(budget.softLimitUsd),
    hard: budget?.hardLimitUsd === null || budget?.hardLimitUsd === undefined ? '' : String(budget.hardLimitUsd),
  };
}

/** Budgets in a stable order: global first, then agents, then labels, each by name. */
export function sortBudgets<T extends { scope: string }>(budgets: readonly T[]): T[] {
  const rank = { global: 0, agent: 1, label: 2 };
  return [...budgets].sort((a, b) => {
    const sa = splitScope(a.scope);
    const sb = splitScope(b.scope);
    return rank[sa.kind] - rank[sb.kind] || sa.name.localeCompare(sb.name);
  });
}
