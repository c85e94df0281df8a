// How events read on screen: a one-line summary of a tool call's input, pretty JSON, token usage. Pure, used by
// the event list component.
import type { EventData } from '@claudeops/control-plane/protocol';
import { formatTokens } from './format';

const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** The part of a tool call's input a person looks for first: the command, the file, the pattern, the URL. */
export function toolInputSummary(name: string, input: unknown): string {
  if (typeof input !== 'object' || input === null) return '';
  const fields = input as Record<string, unknown>;
  switch (name) {
    case 'Bash':
      return str(fields.command) ?? '';
    case 'Read':
    case 'Write':
    case 'Edit':
    case 'MultiEdit':
    case 'NotebookEdit':
      return str(fields.file_path) ?? str(fields.notebook_path) ?? '';
    case 'Glob':
    case 'Grep':
      return [str(fields.pattern), str(fields.path)].filter(Boolean).join(' in ');
    case 'WebFetch':
      return str(fields.url) ?? '';
    case 'WebSearch':
      return str(fields.query) ?? '';
    case 'Task':
      return str(fields.description) ?? '';
    case 'TodoWrite':
      return Array.isArray(fields.todos) ? `${fields.todos.length} todo${fields.todos.length === 1 ? '' : 's'}` : '';
    default:
      return str(fields.command) ?? str(fields.file_path) ?? str(fields.path) ?? str(fields.url) ?? '';
  }
}

export function prettyJson(value: unknown): string {
  if (value === undefined) return '';
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

export function usageSummary(usage: Omit<EventData<'usage'>, 'messageId' | 'model'>): string {
  const parts = [`${formatTokens(usage.inputTokens)} in`, `${formatTokens(usage.outputTokens)} out`];
  if (usage.cacheReadInputTokens > 0) parts.push(`${formatTokens(usage.cacheReadInputTokens)} cache read`);
  if (usage.cacheCreationInputTokens > 0) parts.push(`${formatTokens(usage.cacheCreationInputTokens)} cache write`);
  return parts.join(' · ');
}

/** Long tool output is folded by default; short output reads better open. */
export function isLong(text: string, maxLines = 12, maxChars = 800): boolean {
  return text.length > maxChars || text.split('\n', maxLines + 1).length > maxLines;
}
