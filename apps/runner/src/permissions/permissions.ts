// Claude Code's permission rule syntax, evaluated for one tool call (used by the approval gate): which rule of a
// policy (or which standing grant) allows, asks about or denies it. Deny wins over ask, ask over allow; a call no
// rule matches is asked about. Bash lines are judged by bash-rules.ts, file paths by path-rules.ts (symlinks
// resolved; a bare `Edit` allows writes only inside the workspace).
import { isAbsolute } from 'node:path';
import type { PermissionPolicy } from '@claudeops/control-plane/protocol';
import { bashAllowedBy, bashRuleHit } from './bash-rules';
import { fileRuleMatches, type MatchContext } from './path-rules';
import { bashTextMatches, coversTool, EDIT_TOOLS, parseRule, READ_TOOLS, type ParsedRule } from './rule-syntax';

export { parseRule, type ParsedRule } from './rule-syntax';
export { pathMatches, type MatchContext } from './path-rules';

export type Verdict = 'allow' | 'ask' | 'deny';
export interface PermissionCheck {
  verdict: Verdict;
  /** The rule (or standing grant) that decided; null when nothing matched (asked by default). */
  rule: string | null;
  /** Why: which part of a Bash line a rule matched, or why an allow rule that matched does not vouch for the call. */
  reason?: string;
}

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The file a file tool acts on: its file_path (notebook_path), or for Glob and Grep the directory searched. */
export function filePathOf(toolName: string, input: Record<string, unknown>, cwd: string): string | undefined {
  const raw =
    toolName === 'NotebookEdit'
      ? (str(input.notebook_path) ?? str(input.file_path))
      : toolName === 'Glob' || toolName === 'Grep'
        ? (str(input.path) ?? cwd)
        : str(input.file_path);
  // Not normalised: `src/x/../a` goes where the file system takes it when src/x is a symlink (path-rules.ts).
  return raw === undefined ? undefined : isAbsolute(raw) ? raw : `${cwd}/${raw}`;
}

function domainMatches(specifier: string, url: unknown): boolean {
  if (!specifier.startsWith('domain:') || typeof url !== 'string') return false;
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  const domain = specifier.slice('domain:'.length).toLowerCase();
  if (domain.startsWith('*.')) return host.endsWith(domain.slice(1));
  return host === domain;
}

/** The string a rule's specifier is compared with, for tools with no special syntax; undefined: none known. */
function naturalString(toolName: string, input: Record<string, unknown>): string | undefined {
  switch (toolName) {
    case 'WebSearch':
      return str(input.query);
    case 'Agent':
    case 'Task':
      return str(input.subagent_type);
    case 'Skill':
      return str(input.skill) ?? str(input.command);
    default:
      return undefined;
  }
}

/**
 * Whether one rule matches one call. For Bash this compares the whole line's text only (prefix, wildcard, exact);
 * evaluate() looks at each program of a line and the files it writes.
 */
export function ruleMatches(
  rule: ParsedRule,
  toolName: string,
  input: Record<string, unknown>,
  context: MatchContext,
  forAllow = false,
): boolean {
  if (!coversTool(rule.tool, toolName)) return false;
  if (toolName === 'Bash') {
    const command = str(input.command) ?? '';
    if (!forAllow) return rule.specifier === null || bashTextMatches(rule.specifier, command);
    return 'rules' in bashAllowedBy([rule], command, context);
  }
  if (EDIT_TOOLS.has(toolName) || READ_TOOLS.has(toolName)) {
    const path = filePathOf(toolName, input, context.cwd);
    return path !== undefined && fileRuleMatches(rule, path, context, forAllow, EDIT_TOOLS.has(toolName));
  }
  const spec = rule.specifier;
  if (spec === null) return true;
  if (toolName === 'WebFetch') return domainMatches(spec, input.url);
  const natural = naturalString(toolName, input);
  return natural !== undefined && natural === spec;
}

/** The first of `rules` that matches the call, for a deny or an ask (a Bash line: any program, any file it touches). */
function firstMatch(
  rules: readonly ParsedRule[],
  toolName: string,
  input: Record<string, unknown>,
  context: MatchContext,
): { rule: string; reason?: string } | null {
  if (toolName === 'Bash') return bashRuleHit(rules, str(input.command) ?? '', context);
  const rule = rules.find((candidate) => ruleMatches(candidate, toolName, input, context));
  return rule ? { rule: rule.raw } : null;
}

/** The allow rule(s) that let this call run (for Bash: every part of the line), or why not. */
function allowedBy(
  rules: readonly ParsedRule[],
  toolName: string,
  input: Record<string, unknown>,
  context: MatchContext,
): { rule: string } | { reason: string | null } {
  if (toolName === 'Bash') {
    const result = bashAllowedBy(rules, str(input.command) ?? '', context);
    return 'rules' in result ? { rule: result.rules.join(', ') } : result;
  }
  const rule = rules.find((candidate) => ruleMatches(candidate, toolName, input, context, true));
  return rule ? { rule: rule.raw } : { reason: null };
}

const withReason = (check: PermissionCheck, reason: string | null | undefined): PermissionCheck =>
  reason ? { ...check, reason } : check;

/**
 * The verdict of `policy` (plus `grants`, standing allow rules) on one tool call. For Bash, deny and ask look at
 * every program a line runs and every file it writes, and an allow needs all of them allowed (bash-rules.ts).
 */
export function evaluate(
  policy: PermissionPolicy,
  grants: readonly string[],
  toolName: string,
  input: Record<string, unknown>,
  context: MatchContext,
): PermissionCheck {
  const denied = firstMatch(policy.deny.map(parseRule), toolName, input, context);
  if (denied) return withReason({ verdict: 'deny', rule: denied.rule }, denied.reason);
  // A person said "remember": their grant outranks the policy's ask rules (never its deny rules).
  const granted = allowedBy(grants.map(parseRule), toolName, input, context);
  if ('rule' in granted) return { verdict: 'allow', rule: granted.rule };
  const asked = firstMatch(policy.ask.map(parseRule), toolName, input, context);
  if (asked) return withReason({ verdict: 'ask', rule: asked.rule }, asked.reason);
  const allowed = allowedBy([...policy.allow, ...grants].map(parseRule), toolName, input, context);
  if ('rule' in allowed) return { verdict: 'allow', rule: allowed.rule };
  return withReason({ verdict: 'ask', rule: null }, allowed.reason ?? granted.reason);
}
