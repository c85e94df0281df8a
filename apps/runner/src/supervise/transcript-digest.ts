// The transcript digest the reviewer reads: what Claude said and did (assistant text, tool calls with their command
// or path, short tool results, a person's messages, the end), in order, newest kept when cut. Used by reviewer.ts.

/** A value as short readable text: strings as they are, the rest as JSON, on one line and cut to `max` characters. */
function short(value: unknown, max: number): string {
  let text: string;
  try {
    text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  text = text.replace(/\s+/g, ' ').trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The input field that says most about a tool call (Bash's command, a file tool's path), else the whole input. */
function toolInput(input: unknown): string {
  if (typeof input === 'object' && input !== null) {
    const fields = input as Record<string, unknown>;
    for (const key of ['command', 'file_path', 'path', 'pattern', 'url', 'query', 'description']) {
      if (typeof fields[key] === 'string') return short(fields[key], 300);
    }
  }
  return short(input, 300);
}

function digestLine(event: { type: string; data: unknown }): string | null {
  const data = (typeof event.data === 'object' && event.data !== null ? event.data : {}) as Record<string, unknown>;
  switch (event.type) {
    case 'assistant.text':
      return typeof data.text === 'string' && data.text.trim() ? `Assistant: ${data.text.trim()}` : null;
    case 'tool.call':
      return `Tool call ${short(data.name, 100)}: ${toolInput(data.input)}`;
    case 'tool.result':
      return `${data.isError === true ? 'Tool error' : 'Tool result'}: ${short(data.content ?? '', 400)}`;
    case 'user.message':
      return `Person: ${short(data.text ?? '', 2000)}`;
    case 'result':
      return `Finished (${short(data.subtype, 50)}${data.isError === true ? ', an error' : ''})`;
    default:
      return null;
  }
}

/**
 * A readable digest of a run's events for the reviewer: assistant text, tool calls (name and the gist of the
 * input), tool results (short), a person's messages and the end, in order. Over `maxChars` the newest lines are
 * kept and a first line says how many earlier ones were left out.
 */
export function transcriptDigest(events: readonly { type: string; data: unknown }[], maxChars = 20_000): string {
  const lines = events.map(digestLine).filter((line): line is string => line !== null);
  const kept: string[] = [];
  let size = 0;
  const room = maxChars - 60; // for the note on what was left out
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] ?? '';
    if (size + line.length + 1 > room) {
      // The newest line alone is too long: keep its end.
      if (kept.length === 0) kept.unshift(`…${line.slice(line.length - Math.max(0, room - 1))}`);
      break;
    }
    kept.unshift(line);
    size += line.length + 1;
  }
  const left = lines.length - kept.length;
  return [left > 0 ? `(${left} earlier ${left === 1 ? 'entry' : 'entries'} left out)` : null, ...kept]
    .filter((line) => line !== null)
    .join('\n');
}
