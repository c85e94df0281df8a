// Splits a shell command line into the simple commands it runs (pure; used by permissions.ts): `a && b`, `a || b`,
// `a; b`, `a | b`, `a & b`, newlines and subshell parentheses separate them, quotes and escapes are respected, and
// the commands inside `$(…)`, `<(…)`, `>(…)` and backticks are reported too, so a deny rule sees what they run.

export interface BashParts {
  /** The top-level simple commands, trimmed, empty ones dropped. */
  parts: string[];
  /** Commands run inside substitutions, at any depth. */
  nested: string[];
}

/** Index just past the `)` closing the substitution whose `(` is at `open`, or the end of the text. */
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
    else if (char === ')' && --depth === 0) return i + 1;
  }
  return text.length;
}

export function splitBashCommand(command: string): BashParts {
  const parts: string[] = [];
  const nested: string[] = [];
  let current = '';
  let quote: "'" | '"' | null = null;
  const endPart = () => {
    if (current.trim()) parts.push(current.trim());
    current = '';
  };
  const substitution = (inner: string) => {
    const split = splitBashCommand(inner);
    nested.push(...split.parts, ...split.nested);
  };
  for (let i = 0; i < command.length; i++) {
    const char = command[i]!;
    const next = command[i + 1];
    if (char === '\\' && quote !== "'") {
      current += char + (next ?? '');
      i++;
      continue;
    }
    if (quote === "'") {
      if (char === "'") quote = null;
      current += char;
      continue;
    }
    if ((char === '$' || char === '<' || char === '>') && next === '(') {
      const end = closingParen(command, i + 1);
      substitution(command.slice(i + 2, end - 1));
      current += command.slice(i, end);
      i = end - 1;
      continue;
    }
    if (char === '`') {
      const close = command.indexOf('`', i + 1);
      const end = close === -1 ? command.length : close;
      substitution(command.slice(i + 1, end));
      current += command.slice(i, end + 1);
      i = end;
      continue;
    }
    if (quote === '"') {
      if (char === '"') quote = null;
      current += char;
      continue;
    }
    if (char === "'" || char === '"') {
      quote = char;
      current += char;
      continue;
    }
    if (char === ';' || char === '\n' || char === '(' || char === ')') {
      endPart();
      continue;
    }
    if (char === '|') {
      endPart();
      if (next === '|' || next === '&') i++;
      continue;
    }
    if (char === '&') {
      // `2>&1` and `&>file` are redirections, not separators.
      if (command[i - 1] === '>' || next === '>') {
        current += char;
        continue;
      }
      endPart();
      if (next === '&') i++;
      continue;
    }
    current += char;
  }
  endPart();
  return { parts, nested };
}
