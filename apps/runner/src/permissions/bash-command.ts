// A shell command line parsed into the simple commands it runs (pure; used by bash-invocation.ts): words unquoted,
// redirections apart, `a && b`, `a || b`, `a; b`, `a | b`, `a & b`, newlines and parentheses as separators, and the
// commands inside `$(…)`, backticks, `<(…)`, `>(…)` and unquoted here-documents reported as commands of their own.
// A word whose value is only known when the shell runs (an expansion, a glob, a brace list) is marked dynamic.

export interface Word {
  /** The word as written. */
  text: string;
  /** Quotes and escapes removed; expansions kept as written. */
  value: string;
  /** Its value depends on the shell at run time: `$x`, `$(…)`, backticks, a glob, a brace list, `$'…'`. */
  dynamic: boolean;
}

export interface Redirect {
  /** `>`, `>>`, `>|`, `&>`, `&>>`, `<`, `<>`, `<<`, `<<<`, `>&`, `<&`. */
  op: string;
  /** The file it opens; null for a here-document, a here-string or a descriptor copy (`2>&1`). */
  target: Word | null;
}

export interface SimpleCommand {
  words: Word[];
  redirects: Redirect[];
  /** Inside a substitution or here-document (its output feeds another command). */
  nested: boolean;
}

export interface ParsedBash {
  commands: SimpleCommand[];
  /** What the parser could not follow (an unterminated quote): such a line is never allowed by a command rule. */
  problems: string[];
}

const SEPARATORS = new Set([';', '\n', '&', '|', '(', ')']);
const BLANK = /[ \t\r]/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Index of the `)` closing the `(` at `open` (quotes and nesting respected), or -1. */
function closingParen(text: string, open: number): number {
  let depth = 0;
  let quote: string | null = null;
  for (let i = open; i < text.length; i++) {
    const char = text[i];
    if (char === '\\' && quote !== "'") {
      i++;
      continue;
    }
    if (quote) {
      if (char === quote) quote = null;
      continue;
    }
    if (char === "'" || char === '"') quote = char;
    else if (char === '(') depth++;
    else if (char === ')' && --depth === 0) return i;
  }
  return -1;
}

/** Index of the backtick closing the one at `open`, or -1. */
function closingBacktick(text: string, open: number): number {
  for (let i = open + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '`') return i;
  }
  return -1;
}

class Parser {
  readonly commands: SimpleCommand[] = [];
  readonly problems: string[] = [];
  private words: Word[] = [];
  private redirects: Redirect[] = [];
  private heredocs: Array<{ delimiter: string; stripTabs: boolean; expand: boolean }> = [];
  private i = 0;

  constructor(
    private readonly text: string,
    private readonly nested: boolean,
  ) {}

  parse(): ParsedBash {
    const { text } = this;
    while (this.i < text.length) {
      const char = text[this.i]!;
      if (BLANK.test(char)) {
        this.i++;
      } else if (char === '\\' && text[this.i + 1] === '\n') {
        this.i += 2;
      } else if (char === '#') {
        // At the start of a word (words are read whole), `#` opens a comment to the end of the line.
        while (this.i < text.length && text[this.i] !== '\n') this.i++;
      } else if (char === '\n') {
        this.end();
        this.i++;
        this.readHeredocs();
      } else if (this.redirectAhead()) {
        this.readRedirect();
      } else if (SEPARATORS.has(char)) {
        this.end();
        this.i++;
      } else {
        this.words.push(this.readWord());
      }
    }
    this.end();
    if (this.heredocs.length > 0) this.problems.push('a here-document has no end');
    return { commands: this.commands, problems: this.problems };
  }

  private end(): void {
    if (this.words.length > 0 || this.redirects.length > 0) {
      this.commands.push({ words: this.words, redirects: this.redirects, nested: this.nested });
    }
    this.words = [];
    this.redirects = [];
  }

  /** Commands run by a substitution's text, at any depth. */
  private sub(inner: string): void {
    const parsed = new Parser(inner, true).parse();
    this.commands.push(...parsed.commands);
    this.problems.push(...parsed.problems);
  }

  private redirectAhead(): boolean {
    const rest = this.text.slice(this.i);
    if (/^(<|>)\(/.test(rest)) return false;
    return /^(\d+|&)?(>|<)/.test(rest) && (!/^\d/.test(rest) || /^\d+[<>]/.test(rest));
  }

  private readRedirect(): void {
    const rest = this.text.slice(this.i);
    const match = /^(\d+)?(&>>|&>|>>|>\||>&|<<<|<<-|<<|<>|<&|>|<)/.exec(rest)!;
    this.i += match[0].length;
    const op = match[2]!;
    while (this.i < this.text.length && BLANK.test(this.text[this.i]!)) this.i++;
    const target = this.readWord();
    if (op === '<<' || op === '<<-') {
      const quoted = /['"\\]/.test(target.text);
      this.heredocs.push({ delimiter: target.value, stripTabs: op === '<<-', expand: !quoted });
      this.redirects.push({ op, target: null });
    } else if (op === '<<<') {
      this.redirects.push({ op, target: null });
    } else if ((op === '>&' || op === '<&') && /^(\d+-?|-)$/.test(target.value)) {
      this.redirects.push({ op, target: null });
    } else {
      // `>&file` is bash's old spelling of `&>file`.
      this.redirects.push({ op: op === '>&' ? '&>' : op, target });
    }
  }

  /** The bodies of the here-documents opened on the line just ended; an unquoted one's substitutions run. */
  private readHeredocs(): void {
    const pending = this.heredocs;
    this.heredocs = [];
    for (const doc of pending) {
      const body: string[] = [];
      let closed = false;
      while (this.i < this.text.length) {
        const newline = this.text.indexOf('\n', this.i);
        const lineEnd = newline === -1 ? this.text.length : newline;
        const line = this.text.slice(this.i, lineEnd);
        this.i = lineEnd + 1;
        if ((doc.stripTabs ? line.replace(/^\t+/, '') : line) === doc.delimiter) {
          closed = true;
          break;
        }
        body.push(line);
      }
      if (!closed) this.problems.push(`the here-document ${doc.delimiter} has no end`);
      if (doc.expand) this.expansions(body.join('\n'));
    }
  }

  /** The substitutions in text that the shell expands (a double-quoted string, an unquoted here-document). */
  private expansions(text: string): void {
    for (let j = 0; j < text.length; j++) {
      if (text[j] === '\\') j++;
      else if (text[j] === '$' && text[j + 1] === '(' && text[j + 2] !== '(') {
        const close = closingParen(text, j + 1);
        this.sub(text.slice(j + 2, close === -1 ? text.length : close));
        j = close === -1 ? text.length : close;
      } else if (text[j] === '`') {
        const close = closingBacktick(text, j);
        this.sub(text.slice(j + 1, close === -1 ? text.length : close));
        j = close === -1 ? text.length : close;
      }
    }
  }

  private readWord(): Word {
    const { text } = this;
    const start = this.i;
    let value = '';
    let dynamic = false;
    let braces = false;
    while (this.i < text.length) {
      const char = text[this.i]!;
      const next = text[this.i + 1];
      if (BLANK.test(char) || char === '\n') break;
      if ((char === '<' || char === '>') && next === '(') {
        const close = closingParen(text, this.i + 1);
        this.sub(text.slice(this.i + 2, close === -1 ? text.length : close));
        value += text.slice(this.i, close === -1 ? text.length : close + 1);
        dynamic = true;
        this.i = close === -1 ? text.length : close + 1;
        if (close === -1) this.problems.push('a process substitution is not closed');
        continue;
      }
      if (SEPARATORS.has(char) || char === '<' || char === '>') break;
      if (char === '\\') {
        if (next !== '\n') value += next ?? '';
        this.i += 2;
      } else if (char === "'") {
        const close = text.indexOf("'", this.i + 1);
        if (close === -1) {
          this.problems.push('a quote is not closed');
          value += text.slice(this.i + 1);
          this.i = text.length;
        } else {
          value += text.slice(this.i + 1, close);
          this.i = close + 1;
        }
      } else if (char === '"') {
        const quoted = this.readDoubleQuoted();
        value += quoted.value;
        dynamic ||= quoted.dynamic;
      } else if (char === '$' || char === '`') {
        value += this.readExpansion();
        dynamic = true;
      } else {
        if (char === '*' || char === '?' || char === '[') dynamic = true;
        if (char === '{') braces = true;
        if (braces && (char === ',' || (char === '.' && next === '.'))) dynamic = true;
        value += char;
        this.i++;
      }
    }
    return { text: text.slice(start, this.i), value, dynamic };
  }

  private readDoubleQuoted(): { value: string; dynamic: boolean } {
    const { text } = this;
    let value = '';
    let dynamic = false;
    this.i++;
    while (this.i < text.length && text[this.i] !== '"') {
      const char = text[this.i]!;
      if (char === '\\' && /["\\$`\n]/.test(text[this.i + 1] ?? '')) {
        value += text[this.i + 1] === '\n' ? '' : text[this.i + 1];
        this.i += 2;
      } else if ((char === '$' && /[A-Za-z_0-9({@*#?$!-]/.test(text[this.i + 1] ?? '')) || char === '`') {
        value += this.readExpansion();
        dynamic = true;
      } else {
        value += char;
        this.i++;
      }
    }
    if (this.i >= text.length) this.problems.push('a quote is not closed');
    this.i++;
    return { value, dynamic };
  }

  /** `$name`, `${…}`, `$(…)`, `$((…))`, `$'…'`, `$"…"` or a backtick substitution, as written. */
  private readExpansion(): string {
    const { text } = this;
    const start = this.i;
    const next = text[this.i + 1];
    if (text[this.i] === '`') {
      const close = closingBacktick(text, this.i);
      if (close === -1) this.problems.push('a backtick substitution is not closed');
      this.sub(text.slice(this.i + 1, close === -1 ? text.length : close));
      this.i = close === -1 ? text.length : close + 1;
    } else if (next === '(') {
      const close = closingParen(text, this.i + 1);
      if (close === -1) this.problems.push('a substitution is not closed');
      // `$((…))` is arithmetic, but its text may still hold a substitution.
      const inner = text.slice(this.i + 2, close === -1 ? text.length : close);
      if (text[this.i + 2] === '(') this.expansions(inner);
      else this.sub(inner);
      this.i = close === -1 ? text.length : close + 1;
    } else if (next === '{') {
      const close = text.indexOf('}', this.i);
      this.expansions(text.slice(this.i + 2, close === -1 ? text.length : close));
      this.i = close === -1 ? text.length : close + 1;
    } else if (next === "'") {
      const close = text.indexOf("'", this.i + 2);
      this.i = close === -1 ? text.length : close + 1;
    } else if (next === '"') {
      this.i++;
      return '$' + this.readDoubleQuoted().value;
    } else {
      this.i++;
      const name = /^([A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-])/.exec(text.slice(this.i));
      this.i += name?.[0].length ?? 0;
    }
    return text.slice(start, this.i);
  }
}

export function parseBash(command: string): ParsedBash {
  return new Parser(command, false).parse();
}

/** `NAME=value` (or `NAME+=value`, `NAME[i]=value`) as the shell takes it before a command. */
export function assignmentName(word: Word): string | null {
  const eq = word.text.indexOf('=');
  if (eq <= 0) return null;
  const name = word.text
    .slice(0, eq)
    .replace(/\+$/, '')
    .replace(/\[[^\]]*\]$/, '');
  return NAME.test(name) ? name : null;
}
