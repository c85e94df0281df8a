// Bash rules against one command line (pure but for reading symlinks; used by permissions.ts). Decided here:
// - Deny and ask rules look at every program the line runs (bash-invocation.ts: compound commands, `{ …; }` groups,
//   `then`/`do` bodies, substitutions, here-documents, `sudo`/`env`/`xargs`/`bash -c`/`eval` and the other wrappers
//   opened), by its text, its text with its wrappers, and by its program's base name (`/bin/rm` is `rm`). A file the
//   line writes (`>`, `>>`, `&>`, `tee`, `git … --output=`) is judged by the Edit rules as an edit of that file, a
//   file it reads with `<` by the Read rules: `deny: ["Edit"]` refuses `git log > notes.txt`.
// - An allow needs every program allowed and every write allowed. A bare `Bash` or a rule naming the whole line
//   exactly vouches for all of it. Otherwise each program needs a rule: an exact one (its text, with or without
//   wrappers) vouches for it; a prefix or wildcard one does not when the program is computed at run time, runs as
//   another user (`sudo`), takes arguments it cannot see (`xargs`, `find -exec`), sets a variable that changes what
//   runs (`PATH=…`, `LD_PRELOAD=…`), carries an option command-options.ts refuses (`git log --output`, `git diff
//   --no-index`, `go test -exec`…), names a path outside the workspace (git), or has computed arguments where options
//   matter. Each write needs an Edit rule that allows that file (a bare `Edit` only covers files that really lie in the
//   workspace, never its `.git`); `/dev/null` and the standard streams are no files. An allow that fails for one of
//   these reasons falls through to ask, with the reason, and a person decides.
import { homedir } from 'node:os';
import { basename, isAbsolute } from 'node:path';
import { analyseBash, type FileAccess, type Invocation } from './bash-invocation';
import { optionsMatter, readGit, refusedGitOption, refusedOption } from './command-options';
import { fileRuleMatches, inWorkspace, type MatchContext } from './path-rules';
import { bashTextMatches, coversTool, isPatternSpecifier, type ParsedRule } from './rule-syntax';

export interface BashMatch {
  rule: string;
  reason?: string;
}

/** Variables a command may set for itself without changing which program runs or how it loads. */
const SAFE_VARIABLES =
  /^(CI|NODE_ENV|FORCE_COLOR|NO_COLOR|TERM|LANG|LANGUAGE|LC_[A-Z]+|TZ|DEBUG|COLUMNS|LINES|RUST_BACKTRACE|RUST_LOG|PYTHONUNBUFFERED|PYTHONDONTWRITEBYTECODE|TMPDIR)$/;
/** Builtins with no effect a rule could care about. */
const HARMLESS_PROGRAMS = new Set(['true', 'false', ':']);

const program = (inv: Invocation): string | null =>
  inv.words[0] && !inv.words[0].dynamic ? basename(inv.words[0].value) : null;

/** The texts a rule may name for one invocation: as written, by base name, git without harmless options, wrapped. */
function textsOf(inv: Invocation): string[] {
  const texts = [inv.text];
  const name = program(inv);
  const rest = inv.words.slice(1).map((w) => w.value);
  if (name && name !== inv.words[0]!.value) texts.push([name, ...rest].join(' '));
  if (name === 'git') texts.push(readGit(inv.words).text);
  if (inv.outerText) texts.push(inv.outerText);
  return texts;
}

/** `git … --output=<file>` / `-o <file>`: files git writes, beside the line's redirections. */
function gitOutputs(inv: Invocation): FileAccess[] {
  if (program(inv) !== 'git') return [];
  const out: FileAccess[] = [];
  const words = inv.words;
  for (let i = 1; i < words.length; i++) {
    const { value, dynamic } = words[i]!;
    if (value === '--') break;
    const long = /^--output(?:=(.*))?$/.exec(value);
    const attached = long ? long[1] : /^-o(.+)$/.exec(value)?.[1];
    const separate = (long && long[1] === undefined) || value === '-o' ? words[i + 1] : undefined;
    if (attached !== undefined) out.push({ path: dynamic ? null : attached, how: '--output' });
    else if (separate) out.push({ path: separate.dynamic ? null : separate.value, how: '--output' });
  }
  return out;
}

const writesOf = (inv: Invocation): FileAccess[] => [...inv.writes, ...gitOutputs(inv)];

function expandHome(path: string, context: MatchContext): string {
  return path === '~' || path.startsWith('~/') ? `${context.home ?? homedir()}${path.slice(1)}` : path;
}

/** The first rule matching any program of the line, or any file it writes or reads (for deny and ask). */
export function bashRuleHit(rules: readonly ParsedRule[], command: string, context: MatchContext): BashMatch | null {
  const { invocations } = analyseBash(command);
  for (const rule of rules) {
    if (coversTool(rule.tool, 'Bash')) {
      const spec = rule.specifier;
      if (spec === null || bashTextMatches(spec, command)) return { rule: rule.raw };
      const inv = invocations.find((candidate) => textsOf(candidate).some((text) => bashTextMatches(spec, text)));
      if (inv) return { rule: rule.raw, reason: `the line runs ${inv.text}` };
    }
    for (const inv of invocations) {
      const accesses = [
        ...(coversTool(rule.tool, 'Write') ? writesOf(inv).map((access) => ({ access, writes: true })) : []),
        ...(coversTool(rule.tool, 'Read') ? inv.reads.map((access) => ({ access, writes: false })) : []),
      ];
      for (const { access, writes } of accesses) {
        if (access.path === null) continue;
        if (fileRuleMatches(rule, expandHome(access.path, context), context, false, writes)) {
          return { rule: rule.raw, reason: `the line ${writes ? 'writes' : 'reads'} ${access.path} (${access.how})` };
        }
      }
    }
  }
  return null;
}

/** Why a prefix or wildcard rule cannot vouch for this invocation, or null when it can. */
function refusal(inv: Invocation, matchedOuter: boolean, context: MatchContext): string | null {
  if (inv.unallowable && !matchedOuter) return inv.unallowable;
  const name = program(inv)!;
  if (name === 'git') {
    const call = readGit(inv.words);
    if (call.refused) return call.refused;
    const option = refusedGitOption(call);
    if (option) return `git ${call.subcommand} with ${option}, which no prefix rule allows`;
    for (const arg of call.args) {
      if (arg.value === '--' || arg.value.startsWith('-')) continue;
      const path = expandHome(arg.value, context);
      if ((isAbsolute(path) || path.split('/').includes('..')) && !inWorkspace(path, context)) {
        return `git ${call.subcommand} names ${arg.value}, outside the workspace`;
      }
    }
  } else {
    const option = refusedOption(name, inv.words);
    if (option) return `${name} with ${option}, which no prefix rule allows`;
  }
  if (optionsMatter(name) && inv.words.some((w) => w.dynamic)) {
    return `${name} has arguments computed at run time, which no prefix rule can vouch for`;
  }
  return null;
}

/** Checks one invocation's program: the rule that allows it, or why none does (null: no rule matched at all). */
function programAllowed(
  rules: readonly ParsedRule[],
  inv: Invocation,
  context: MatchContext,
): BashMatch | string | null {
  const bashRules = rules.filter((rule) => rule.specifier !== null && coversTool(rule.tool, 'Bash'));
  const texts = textsOf(inv);
  const exact = bashRules.find((rule) => !isPatternSpecifier(rule.specifier!) && texts.includes(rule.specifier!));
  if (exact) return { rule: exact.raw };
  if (inv.words[0]!.dynamic) return null;
  let why: string | null = null;
  for (const rule of bashRules) {
    const spec = rule.specifier!;
    const outer = inv.outerText !== null && bashTextMatches(spec, inv.outerText);
    if (!outer && !texts.some((text) => bashTextMatches(spec, text))) continue;
    const refused = refusal(inv, outer, context);
    if (!refused) return { rule: rule.raw };
    why ??= refused;
  }
  return why;
}

/**
 * The rules that allow every part of the line, or why they do not (`reason` null: no rule matched, a plain ask).
 */
export function bashAllowedBy(
  rules: readonly ParsedRule[],
  command: string,
  context: MatchContext,
): { rules: string[] } | { reason: string | null } {
  const whole = rules.find(
    (rule) => coversTool(rule.tool, 'Bash') && (rule.specifier === null || rule.specifier === command.trim()),
  );
  if (whole) return { rules: [whole.raw] };
  const { invocations, problems } = analyseBash(command);
  if (problems.length > 0) return { reason: `the command line cannot be read reliably: ${problems[0]}` };
  const used: string[] = [];
  const use = (rule: string) => void (used.includes(rule) ? undefined : used.push(rule));
  for (const inv of invocations) {
    const variable = inv.assignments.find((name) => !SAFE_VARIABLES.test(name));
    if (variable) return { reason: `the line sets ${variable}, which changes what runs` };
    if (inv.words.length > 0 && !HARMLESS_PROGRAMS.has(inv.text)) {
      const allowed = programAllowed(rules, inv, context);
      if (allowed === null || typeof allowed === 'string') return { reason: allowed };
      use(allowed.rule);
    }
    for (const write of writesOf(inv)) {
      if (write.path === null) return { reason: `the line writes a file whose name is computed at run time` };
      if (inv.movedDir && !isAbsolute(write.path) && !write.path.startsWith('~')) {
        return { reason: `the line writes ${write.path} after changing directory` };
      }
      const path = expandHome(write.path, context);
      const editRule = rules.find(
        (rule) => coversTool(rule.tool, 'Write') && fileRuleMatches(rule, path, context, true, true),
      );
      if (!editRule) return { reason: `the line writes ${write.path} (${write.how}), which no Edit rule allows` };
      use(editRule.raw);
    }
  }
  return used.length > 0 ? { rules: used } : { reason: null };
}
