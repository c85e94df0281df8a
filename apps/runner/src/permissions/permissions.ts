// Claude Code's permission rule syntax, evaluated for one tool call (pure; used by the approval gate): which rule of
// a policy (or which standing grant) allows, asks about or denies it. Deny wins over ask, ask over allow; a call no
// rule matches is asked about.
import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import type { PermissionPolicy } from '@claudeops/control-plane/protocol';
import { splitBashCommand } from './bash-command';
import { globToRegExp } from './glob';

export type Verdict = 'allow' | 'ask' | 'deny';
export interface PermissionCheck {
  verdict: Verdict;
  /** The rule (or standing grant) that decided; null when nothing matched (asked by default). */
  rule: string | null;
}

export interface MatchContext {
  /** The execution's working directory: relative path patterns and relative file paths resolve against it. */
  cwd: string;
  /** For `~/` patterns; the runner's home by default. */
  home?: string;
}

export interface ParsedRule {
  raw: string;
  tool: string;
  /** Null for a bare tool name (and for `Tool(*)`, which means the same). */
  specifier: string | null;
}

const EDIT_TOOLS = new Set(['Edit', 'MultiEdit', 'Write', 'NotebookEdit']);
const READ_TOOLS = new Set(['Read', 'Glob', 'Grep']);

export function parseRule(raw: string): ParsedRule {
  const match = /^([^()]+?)(?:\((.*)\))?$/s.exec(raw.trim());
  const tool = match?.[1] ?? raw;
  const specifier = match?.[2];
  return { raw, tool, specifier: specifier === undefined || specifier === '' || specifier === '*' ? null : specifier };
}

/** Whether the rule's tool covers `toolName`: the tool itself, an MCP server's tools, or a file-tool family. */
function coversTool(ruleTool: string, toolName: string): boolean {
  if (ruleTool === toolName) return true;
  if (ruleTool.startsWith('mcp__')) {
    const server = ruleTool.endsWith('__*') ? ruleTool.slice(0, -3) : ruleTool;
    // `mcp__server` and `mcp__server__*` name every tool of the server; `mcp__server__tool` only itself.
    if (server.split('__').length === 2) return toolName.startsWith(`${server}__`);
    return false;
  }
  // Claude Code applies Edit rules to every tool that edits files, Read rules to every tool that reads them.
  if (ruleTool === 'Edit') return EDIT_TOOLS.has(toolName);
  if (ruleTool === 'Read') return READ_TOOLS.has(toolName);
  return false;
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
  return raw === undefined ? undefined : resolve(cwd, raw);
}

/** A gitignore-style path pattern resolved to an absolute glob: `/abs`, `//abs`, `~/x`, `./x`, `x`, `*.env`. */
function absolutePattern(pattern: string, context: MatchContext): string {
  const home = context.home ?? homedir();
  let body = pattern.endsWith('/') ? `${pattern}**` : pattern;
  if (body.startsWith('//')) return body.slice(1);
  if (isAbsolute(body)) return body;
  if (body === '~' || body.startsWith('~/')) return `${home}${body.slice(1)}`;
  if (body.startsWith('./')) body = body.slice(2);
  // Like gitignore: a pattern with no slash in it matches at any depth below the base.
  else if (!body.includes('/')) body = `**/${body}`;
  return `${context.cwd.replace(/\/+$/, '')}/${body}`;
}

export function pathMatches(pattern: string, path: string, context: MatchContext): boolean {
  const glob = absolutePattern(pattern, context);
  // A pattern naming a directory covers everything in it.
  return globToRegExp(glob).test(path) || globToRegExp(`${glob.replace(/\/+$/, '')}/**`).test(path);
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

/**
 * One simple Bash command against a Bash rule's specifier: `cmd:*` is a prefix on word boundaries (`npm test:*`
 * matches `npm test` and `npm test -- x`, never `npm testing`), `*` elsewhere is a wildcard, anything else exact.
 * For an allow, a command substituting another (`$(…)`, backticks) is matched only exactly: a prefix cannot vouch
 * for what the substitution runs (deny and ask rules still match it by prefix).
 */
export function bashCommandMatches(specifier: string, command: string, forAllow = false): boolean {
  const cmd = command.trim();
  if (specifier === cmd) return true;
  if (forAllow && /\$\(|`|<\(|>\(/.test(cmd)) return false;
  if (specifier.endsWith(':*')) {
    const prefix = specifier.slice(0, -2).trim();
    return cmd === prefix || (cmd.startsWith(prefix) && /\s/.test(cmd.charAt(prefix.length)));
  }
  if (specifier.includes('*')) {
    const body = specifier
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    return new RegExp(`^${body}$`, 's').test(cmd);
  }
  return false;
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

/** Whether one rule matches one call, for every tool but Bash's compound commands (see evaluate). */
export function ruleMatches(
  rule: ParsedRule,
  toolName: string,
  input: Record<string, unknown>,
  context: MatchContext,
  forAllow = false,
): boolean {
  if (!coversTool(rule.tool, toolName)) return false;
  const spec = rule.specifier;
  if (spec === null) return true;
  if (toolName === 'Bash') return bashCommandMatches(spec, str(input.command) ?? '', forAllow);
  if (EDIT_TOOLS.has(toolName) || READ_TOOLS.has(toolName)) {
    const path = filePathOf(toolName, input, context.cwd);
    return path !== undefined && pathMatches(spec, path, context);
  }
  if (toolName === 'WebFetch') return domainMatches(spec, input.url);
  const natural = naturalString(toolName, input);
  return natural !== undefined && natural === spec;
}

/** The first of `rules` matching the call (for Bash: the whole command, or any one of its parts). */
function firstMatch(
  rules: readonly ParsedRule[],
  toolName: string,
  input: Record<string, unknown>,
  context: MatchContext,
): ParsedRule | undefined {
  if (toolName !== 'Bash') return rules.find((rule) => ruleMatches(rule, toolName, input, context));
  const command = str(input.command) ?? '';
  const { parts, nested } = splitBashCommand(command);
  const candidates = [command, ...parts, ...nested];
  return rules.find((rule) => candidates.some((part) => ruleMatches(rule, toolName, { command: part }, context)));
}

/** Bash: allowed when an exact rule names the whole command, or every part of it is allowed by some rule. */
function bashAllowedBy(rules: readonly ParsedRule[], command: string, context: MatchContext): string[] | null {
  const { parts } = splitBashCommand(command);
  // A prefix or wildcard must not reach across `&&` into a command it never named: for a compound command only a bare
  // `Bash` or an exact rule vouches for the whole.
  const whole = rules.find(
    (rule) =>
      ruleMatches(rule, 'Bash', { command }, context, true) &&
      (parts.length < 2 || rule.specifier === null || rule.specifier === command.trim()),
  );
  if (whole) return [whole.raw];
  if (parts.length < 2) return null;
  const used: string[] = [];
  for (const part of parts) {
    const rule = rules.find((candidate) => ruleMatches(candidate, 'Bash', { command: part }, context, true));
    if (!rule) return null;
    if (!used.includes(rule.raw)) used.push(rule.raw);
  }
  return used;
}

/**
 * The verdict of `policy` (plus `grants`, standing allow rules) on one tool call. For Bash, deny and ask look at
 * every part of a compound command (`a && b`, `a; b`, `a | b`, `a || b`, and commands substituted inside), and an
 * allow needs every part allowed, as Claude Code does it.
 */
export function evaluate(
  policy: PermissionPolicy,
  grants: readonly string[],
  toolName: string,
  input: Record<string, unknown>,
  context: MatchContext,
): PermissionCheck {
  const denied = firstMatch(policy.deny.map(parseRule), toolName, input, context);
  if (denied) return { verdict: 'deny', rule: denied.raw };
  // A person said "remember": their grant outranks the policy's ask rules (never its deny rules).
  const granted = allowedBy(grants.map(parseRule), toolName, input, context);
  if (granted) return { verdict: 'allow', rule: granted };
  const asked = firstMatch(policy.ask.map(parseRule), toolName, input, context);
  if (asked) return { verdict: 'ask', rule: asked.raw };
  const allowed = allowedBy([...policy.allow, ...grants].map(parseRule), toolName, input, context);
  return allowed ? { verdict: 'allow', rule: allowed } : { verdict: 'ask', rule: null };
}

/** The allow rule(s) that let this call run (for Bash: every part of a compound command), or null. */
function allowedBy(
  rules: ReturnType<typeof parseRule>[],
  toolName: string,
  input: Record<string, unknown>,
  context: MatchContext,
): string | null {
  if (toolName === 'Bash') return bashAllowedBy(rules, str(input.command) ?? '', context)?.join(', ') ?? null;
  return rules.find((rule) => ruleMatches(rule, toolName, input, context, true))?.raw ?? null;
}
