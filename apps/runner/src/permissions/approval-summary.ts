// What a person reads before allowing a tool call, and what "remember" grants (used by the approval gate): the
// command of a Bash call, the diff of an edit against the file on disk, the start of a new file, the URL of a fetch.
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { createRequire } from 'node:module';
import type { createPatch as CreatePatch } from 'diff';
import { analyseBash } from './bash-invocation';
import { filePathOf } from './permissions';
import { EDIT_TOOLS, READ_TOOLS } from './rule-syntax';

/** The protocol's cap on `approval.requested`'s summary. */
export const MAX_SUMMARY_CHARS = 16_000;
/** Files bigger than this are not read to diff an edit against (the edit's own strings are diffed instead). */
const MAX_READ_BYTES = 1024 * 1024;
const PREVIEW_LINES = 40;
const TRUNCATED = '\n… (truncated)';
/** The protocol's cap on a pattern. */
const MAX_PATTERN_CHARS = 1000;
/** A Bash rule no command can match (exactly this text would have to be the command). */
export const UNREMEMBERABLE_BASH = 'Bash(<this command cannot be remembered>)';
/** A path no file has: the specifier of a file grant that cannot be expressed as a rule. */
const UNREMEMBERABLE_PATH = '/<this path cannot be remembered>';

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

export function clipSummary(text: string): string {
  return text.length <= MAX_SUMMARY_CHARS ? text : text.slice(0, MAX_SUMMARY_CHARS - TRUNCATED.length) + TRUNCATED;
}

/** The file's text, or undefined when it does not exist, is not a regular file or is too big to diff. */
async function currentText(path: string): Promise<string | undefined> {
  try {
    const info = await stat(path);
    if (!info.isFile() || info.size > MAX_READ_BYTES) return undefined;
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** A unified diff without jsdiff's `Index:` banner. */
function unifiedDiff(name: string, before: string, after: string): string {
  // diff is loaded by the first edit to summarise, not by an idle runner (its memory footprint).
  const { createPatch } = createRequire(import.meta.url)('diff') as { createPatch: typeof CreatePatch };
  const patch = createPatch(name, before, after, undefined, undefined, { context: 3 });
  return patch.split('\n').slice(2).join('\n').trimEnd();
}

interface EditOp {
  old_string: string;
  new_string: string;
  replace_all?: boolean;
}

function editsOf(tool: string, input: Record<string, unknown>): EditOp[] {
  const raw = tool === 'MultiEdit' && Array.isArray(input.edits) ? input.edits : [input];
  return raw.flatMap((edit: Record<string, unknown>) => {
    const oldString = str(edit.old_string);
    const newString = str(edit.new_string);
    if (oldString === undefined || newString === undefined) return [];
    return [{ old_string: oldString, new_string: newString, replace_all: edit.replace_all === true }];
  });
}

/** The edits applied to the file's text, or undefined when one of them does not apply (Claude Code will refuse). */
function applyEdits(text: string, edits: EditOp[]): string | undefined {
  let out = text;
  for (const edit of edits) {
    if (edit.old_string === '' || !out.includes(edit.old_string)) return undefined;
    out = edit.replace_all
      ? out.split(edit.old_string).join(edit.new_string)
      : out.replace(edit.old_string, () => edit.new_string);
  }
  return out;
}

async function editSummary(tool: string, input: Record<string, unknown>, cwd: string): Promise<string> {
  const path = str(input.file_path) ?? '';
  const name = displayPath(path, cwd);
  const edits = editsOf(tool, input);
  const before = path ? await currentText(resolve(cwd, path)) : undefined;
  const after = before === undefined ? undefined : applyEdits(before, edits);
  if (before !== undefined && after !== undefined) return `${tool} ${name}\n\n${unifiedDiff(name, before, after)}`;
  const diffs = edits.map((edit) => unifiedDiff(name, edit.old_string, edit.new_string));
  return `${tool} ${name}\n\n${diffs.join('\n\n')}`;
}

async function writeSummary(input: Record<string, unknown>, cwd: string): Promise<string> {
  const path = str(input.file_path) ?? '';
  const name = displayPath(path, cwd);
  const content = str(input.content) ?? '';
  const lines = content === '' ? 0 : content.split('\n').length - (content.endsWith('\n') ? 1 : 0);
  const size = `${Buffer.byteLength(content)} bytes, ${lines} line${lines === 1 ? '' : 's'}`;
  const before = path ? await currentText(resolve(cwd, path)) : undefined;
  if (before !== undefined) return `Write ${name} (overwrite, ${size})\n\n${unifiedDiff(name, before, content)}`;
  const preview = content.split('\n').slice(0, PREVIEW_LINES);
  const more = lines > PREVIEW_LINES ? `\n… (${lines - PREVIEW_LINES} more lines)` : '';
  return `Write ${name} (new file, ${size})\n\n${preview.join('\n')}${more}`;
}

function displayPath(path: string, cwd: string): string {
  const inside = relative(cwd, resolve(cwd, path));
  return inside && !inside.startsWith('..') && !inside.startsWith('/') ? inside : path;
}

/** A readable account of one tool call, at most MAX_SUMMARY_CHARS long. */
export async function summarize(tool: string, input: Record<string, unknown>, cwd: string): Promise<string> {
  switch (tool) {
    case 'Bash': {
      const description = str(input.description);
      return clipSummary(`$ ${str(input.command) ?? ''}${description ? `\n\n${description}` : ''}`);
    }
    case 'Edit':
    case 'MultiEdit':
      return clipSummary(await editSummary(tool, input, cwd));
    case 'Write':
      return clipSummary(await writeSummary(input, cwd));
    case 'WebFetch': {
      const prompt = str(input.prompt);
      return clipSummary(`WebFetch ${str(input.url) ?? ''}${prompt ? `\n\n${prompt}` : ''}`);
    }
    default:
      return clipSummary(`${tool}\n\n${JSON.stringify(input, null, 2)}`);
  }
}

function hostOf(url: unknown): string | undefined {
  try {
    return typeof url === 'string' ? new URL(url).hostname.toLowerCase() || undefined : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Subcommands that read, check or test, for which a person's "remember" covers the subcommand with any arguments
 * (`git log -3` grants `Bash(git log:*)`); `*` stands for any script name after `run` (`npm run lint` grants
 * `Bash(npm run lint:*)`). A call of anything else (`npm install x`, `git branch -D y`) is granted exactly as shown.
 */
const PREFIXABLE: Record<string, ReadonlySet<string>> = {
  git: new Set(['status', 'diff', 'log', 'show', 'blame', 'ls-files', 'rev-parse', 'grep', 'shortlog', 'describe']),
  npm: new Set(['test', 't', 'run']),
  pnpm: new Set(['test', 't', 'run']),
  yarn: new Set(['test', 'run']),
  npx: new Set(['vitest', 'jest', 'tsc', 'eslint']),
  cargo: new Set(['test', 'check', 'build', 'clippy']),
  go: new Set(['test', 'vet', 'build']),
  pytest: new Set(['*']),
};

/**
 * `Bash(git log:*)` for one plain call of a subcommand PREFIXABLE names, the exact command otherwise (a compound
 * line, redirections, wrappers, assignments, anything computed). The option-aware matching of bash-rules.ts keeps
 * such a prefix from covering `git log --output=…`.
 */
function bashPattern(command: string): string {
  if (!command || command.length > MAX_PATTERN_CHARS - 6) return UNREMEMBERABLE_BASH;
  const { invocations, problems } = analyseBash(command);
  const [only] = invocations;
  const plain =
    problems.length === 0 &&
    invocations.length === 1 &&
    only !== undefined &&
    only.outerText === null &&
    only.unallowable === null &&
    only.assignments.length === 0 &&
    only.writes.length === 0 &&
    only.reads.length === 0 &&
    !/[<>]/.test(command) &&
    only.words.every((word) => !word.dynamic);
  if (!plain) return `Bash(${command})`;
  const [program, sub, script] = only.words.map((word) => word.value);
  const subs = program ? PREFIXABLE[program] : undefined;
  if (!program || !subs) return `Bash(${command})`;
  if (subs.has('*')) return `Bash(${program}:*)`;
  if (!sub || !subs.has(sub)) return `Bash(${command})`;
  if (sub !== 'run') return `Bash(${program} ${sub}:*)`;
  return script && /^[\w:.-]+$/.test(script) ? `Bash(${program} run ${script}:*)` : `Bash(${command})`;
}

/** `Edit(src/app.ts)`, `Edit(./top.ts)` in the workspace, `Edit(//etc/hosts)` outside; null if no rule can say it. */
function pathPattern(tool: string, path: string, cwd: string): string | null {
  const absolute = resolve(cwd, path);
  if (/[*?[\]()]/.test(absolute)) return null;
  const inside = relative(cwd, absolute);
  if (inside === '') return `${tool}(./**)`;
  if (!inside.startsWith('..') && !isAbsolute(inside))
    return `${tool}(${inside.includes('/') ? inside : `./${inside}`})`;
  return `${tool}(/${absolute})`;
}

/**
 * The rule a "remember" grants: never a bare Bash, Edit or Write. A Bash call's subcommand or exact command, the
 * edited file (every editing tool, as Claude Code's "don't ask again" for edits), the read file or searched
 * directory, the fetched host; the tool itself for the rest (an MCP tool, TodoWrite…).
 */
export function patternFor(tool: string, input: Record<string, unknown>, cwd: string): string {
  if (tool === 'Bash') return bashPattern(str(input.command)?.trim() ?? '');
  if (EDIT_TOOLS.has(tool) || READ_TOOLS.has(tool)) {
    const family = EDIT_TOOLS.has(tool) ? 'Edit' : 'Read';
    const path = filePathOf(tool, input, cwd);
    return (path && pathPattern(family, path, cwd)) ?? `${family}(${UNREMEMBERABLE_PATH})`;
  }
  if (tool === 'WebFetch') {
    const host = hostOf(input.url);
    return host ? `WebFetch(domain:${host})` : 'WebFetch(<this address cannot be remembered>)';
  }
  return tool;
}
