// The programs a shell command line runs, as permission rules judge them (pure; used by bash-rules.ts): the simple
// commands of bash-command.ts with reserved words (`{`, `then`, `do`, `!`…) and leading assignments set aside, and
// wrappers opened: `sudo`, `env`, `command`, `exec`, `nice`, `timeout`, `nohup`, `time`, `stdbuf`, `setsid`, `xargs`,
// `find -exec`, `bash -c`/`sh -c`/`zsh -c`, `eval`. Files a command writes (`>`, `>>`, `&>`, `tee`) and reads (`<`)
// are listed beside it.
import { basename } from 'node:path';
import { assignmentName, parseBash, type SimpleCommand, type Word } from './bash-command';

export interface FileAccess {
  /** The path as written (tilde kept); null when it is computed at run time. */
  path: string | null;
  /** `>`, `tee`…: how it is opened. */
  how: string;
}

export interface Invocation {
  /** The program and its arguments, unquoted; empty for a line of assignments or redirections only. */
  words: Word[];
  /** `words` joined by spaces: what a Bash rule's specifier is compared with. */
  text: string;
  /** With its wrappers (`sudo -u x rm y`), when it has any: a rule naming the wrapper is compared with this. */
  outerText: string | null;
  /** Why no command rule may allow this invocation (it runs as another user, takes arguments from stdin…). */
  unallowable: string | null;
  /** Variables it sets for itself or for the rest of the line. */
  assignments: string[];
  writes: FileAccess[];
  reads: FileAccess[];
  /** A `cd` ran earlier on the line, so relative paths are not relative to the workspace any more. */
  movedDir: boolean;
}

export interface AnalysedBash {
  invocations: Invocation[];
  problems: string[];
}

/** Reserved words that open or close a compound command: the command follows them. */
const RESERVED = new Set(['!', '{', '}', 'then', 'do', 'else', 'elif', 'if', 'while', 'until', 'fi', 'done', 'esac']);
const SHELLS = new Set(['bash', 'sh', 'zsh', 'dash', 'ksh', 'ash', 'mksh']);
/** Wrappers whose options with a value are listed; the program follows their options. */
const WRAPPER_VALUE_OPTIONS: Record<string, RegExp> = {
  command: /^$/,
  builtin: /^$/,
  nohup: /^$/,
  time: /^$/,
  exec: /^-a$/,
  nice: /^(-n|--adjustment)$/,
  stdbuf: /^(-i|-o|-e|--input|--output|--error)$/,
  setsid: /^$/,
  ionice: /^(-c|-n|-p|-P|-u|--class|--classdata|--pid|--pgid|--uid)$/,
  timeout: /^(-s|-k|--signal|--kill-after)$/,
};
const PRIVILEGE: Record<string, RegExp> = {
  sudo: /^(-u|-g|-h|-p|-C|-D|-r|-t|-U|-T|--user|--group|--host|--prompt|--chdir|--role|--type|--other-user)$/,
  doas: /^(-u|-C)$/,
};
const XARGS_VALUE =
  /^(-a|-d|-E|-e|-I|-L|-l|-n|-P|-s|--arg-file|--delimiter|--eof|--replace|--max-lines|--max-args|--max-procs|--max-chars|--process-slot-var)$/;
const FIND_EXEC = new Set(['-exec', '-execdir', '-ok', '-okdir']);
const HARMLESS_TARGETS = /^\/dev\/(null|stdout|stderr|tty|fd\/\d+)$/;

/** What outer layers hand the program they run: their redirections, assignments, wrapper and its verdict. */
interface Carried {
  writes: FileAccess[];
  reads: FileAccess[];
  assignments: string[];
  unallowable: string | null;
  outer: Word[] | null;
}

const join = (words: Word[]) => words.map((w) => w.value).join(' ');

/** The options of a wrapper (`-n 5`, `--signal=KILL`), up to its program. */
function skipOptions(words: Word[], start: number, takesValue: RegExp): number {
  let i = start;
  while (i < words.length) {
    const value = words[i]!.value;
    if (value === '--') return i + 1;
    if (!value.startsWith('-') || value === '-') return i;
    i += !value.includes('=') && takesValue.test(value) ? 2 : 1;
  }
  return i;
}

class Analyser {
  readonly invocations: Invocation[] = [];
  readonly problems: string[] = [];
  private movedDir = false;

  line(command: string, depth: number): void {
    if (depth > 8) {
      this.problems.push('commands nest too deeply to follow');
      return;
    }
    const parsed = parseBash(command);
    this.problems.push(...parsed.problems);
    for (const simple of parsed.commands) this.simple(simple, depth);
  }

  private simple(simple: SimpleCommand, depth: number): void {
    let words = simple.words;
    while (words.length > 0 && !words[0]!.dynamic && RESERVED.has(words[0]!.value)) words = words.slice(1);
    const first = words[0]?.value;
    // `for x in …` and `case … in` run nothing themselves; what they hold was parsed as commands of its own.
    if (first === 'for' || first === 'select' || first === 'case' || first === 'function') words = [];
    const writes: FileAccess[] = [];
    const reads: FileAccess[] = [];
    for (const redirect of simple.redirects) {
      if (!redirect.target) continue;
      const path = redirect.target.dynamic
        ? null
        : redirect.target.text.startsWith('~')
          ? redirect.target.text
          : redirect.target.value;
      if (path !== null && HARMLESS_TARGETS.test(path)) continue;
      (redirect.op === '<' ? reads : writes).push({ path, how: redirect.op });
    }
    this.program(words, { writes, reads, assignments: [], unallowable: null, outer: null }, depth);
  }

  /** One program with its wrappers opened; `carried` holds what the outer layers add (redirections, sudo…). */
  private program(all: Word[], carried: Carried, depth: number): void {
    let words = all;
    const assignments = [...carried.assignments];
    while (words.length > 0 && assignmentName(words[0]!)) {
      assignments.push(assignmentName(words[0]!)!);
      words = words.slice(1);
    }
    const base: Carried = { ...carried, assignments };
    const name = words[0] && !words[0].dynamic ? basename(words[0].value) : null;
    const rest = (start: number, why: string | null = base.unallowable) =>
      this.program(words.slice(start), { ...base, unallowable: why, outer: base.outer ?? all }, depth);

    if (name && name in WRAPPER_VALUE_OPTIONS) return rest(this.wrapperStart(name, words));
    if (name && name in PRIVILEGE) {
      return rest(skipOptions(words, 1, PRIVILEGE[name]!), `it runs as another user through ${name}`);
    }
    if (name === 'env') return this.env(words, base, depth);
    if (name === 'xargs') return rest(skipOptions(words, 1, XARGS_VALUE), 'xargs adds arguments the rule cannot see');
    if (name === 'eval') {
      if (words.slice(1).some((w) => w.dynamic)) this.problems.push('eval runs text computed at run time');
      return this.nestedLine(join(words.slice(1)), base, depth);
    }
    if (name && SHELLS.has(name)) {
      const script = this.shellScript(words);
      if (script !== null) {
        if (script.dynamic) this.problems.push(`${name} -c runs text computed at run time`);
        return this.nestedLine(script.value, base, depth);
      }
    }
    if (name === 'find') this.findExec(words, base, depth);
    if (name === 'tee') {
      for (const w of words.slice(1)) {
        if (!w.value.startsWith('-') && !HARMLESS_TARGETS.test(w.value)) {
          base.writes.push({ path: w.dynamic ? null : w.text.startsWith('~') ? w.text : w.value, how: 'tee' });
        }
      }
    }
    this.emit(words, base);
    if (name === 'cd' || name === 'pushd' || name === 'popd') this.movedDir = true;
  }

  private wrapperStart(name: string, words: Word[]): number {
    let start = skipOptions(words, 1, WRAPPER_VALUE_OPTIONS[name]!);
    // `nice -5 cmd` and `timeout 10s cmd`: a bare number or a duration before the program.
    if (name === 'timeout' && start < words.length) start++;
    return start;
  }

  private env(words: Word[], base: Carried, depth: number) {
    let i = 1;
    let why = base.unallowable;
    while (i < words.length && words[i]!.value.startsWith('-') && words[i]!.value !== '-') {
      const value = words[i]!.value;
      if (value === '--') {
        i++;
        break;
      }
      if (/^(-S|--split-string)/.test(value)) {
        const script = value.includes('=')
          ? value.slice(value.indexOf('=') + 1)
          : value.length > 2 && !value.startsWith('--')
            ? value.slice(2)
            : (words[i + 1]?.value ?? '');
        return this.nestedLine(script, base, depth);
      }
      if (/^(-C|--chdir)/.test(value)) why ??= 'env -C runs it in another directory';
      i += /^(-u|-C|--unset|--chdir)$/.test(value) ? 2 : 1;
    }
    this.program(words.slice(i), { ...base, unallowable: why, outer: base.outer ?? words }, depth);
  }

  /** The script of `bash -c 'script'` (options such as `-e`, `-lc` before it), or null for a script file or stdin. */
  private shellScript(words: Word[]): Word | null {
    let command = false;
    for (let i = 1; i < words.length; i++) {
      const value = words[i]!.value;
      if (command && !value.startsWith('-')) return words[i]!;
      if (value === '--' || !/^[-+]/.test(value)) return null;
      if (/^-[a-zA-Z]*c/.test(value)) command = true;
      if (value === '-o' || value === '+o' || value === '-O' || value === '+O') i++;
    }
    return null;
  }

  private findExec(words: Word[], base: Carried, depth: number) {
    for (let i = 1; i < words.length; i++) {
      if (!FIND_EXEC.has(words[i]!.value)) continue;
      let end = i + 1;
      while (end < words.length && words[end]!.value !== ';' && words[end]!.value !== '+') end++;
      this.program(
        words.slice(i + 1, end),
        {
          ...base,
          writes: [],
          reads: [],
          unallowable: 'find passes it file names the rule cannot see',
          outer: null,
        },
        depth,
      );
      i = end;
    }
  }

  private nestedLine(script: string, base: Carried, depth: number) {
    // The wrapper's own redirections and assignments still apply; they ride on an invocation with no program.
    if (base.writes.length > 0 || base.reads.length > 0 || base.assignments.length > 0) this.emit([], base);
    const before = this.invocations.length;
    this.line(script, depth + 1);
    if (base.unallowable) {
      for (const inv of this.invocations.slice(before)) inv.unallowable ??= base.unallowable;
    }
  }

  private emit(words: Word[], base: Carried): void {
    this.invocations.push({
      words,
      text: join(words),
      outerText: base.outer ? join(base.outer) : null,
      unallowable: base.unallowable,
      assignments: base.assignments,
      writes: base.writes,
      reads: base.reads,
      movedDir: this.movedDir,
    });
  }
}

export function analyseBash(command: string): AnalysedBash {
  const analyser = new Analyser();
  analyser.line(command, 0);
  return { invocations: analyser.invocations, problems: analyser.problems };
}
