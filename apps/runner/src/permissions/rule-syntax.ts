// Claude Code's permission rule syntax (pure; used by permissions.ts, path-rules.ts and bash-rules.ts): `Tool`,
// `Tool(specifier)`, which tools a rule's tool name covers, and a Bash specifier against one command's text.

export interface ParsedRule {
  raw: string;
  tool: string;
  /** Null for a bare tool name (and for `Tool(*)`, which means the same). */
  specifier: string | null;
}

export const EDIT_TOOLS = new Set(['Edit', 'MultiEdit', 'Write', 'NotebookEdit']);
export const READ_TOOLS = new Set(['Read', 'Glob', 'Grep']);

export function parseRule(raw: string): ParsedRule {
  const match = /^([^()]+?)(?:\((.*)\))?$/s.exec(raw.trim());
  const tool = match?.[1] ?? raw;
  const specifier = match?.[2];
  return { raw, tool, specifier: specifier === undefined || specifier === '' || specifier === '*' ? null : specifier };
}

/** Whether the rule's tool covers `toolName`: the tool itself, an MCP server's tools, or a file-tool family. */
export function coversTool(ruleTool: string, toolName: string): boolean {
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

/** Whether a Bash rule's specifier is a prefix (`cmd:*`) or wildcard rule rather than one exact command. */
export const isPatternSpecifier = (specifier: string): boolean => specifier.includes('*');

/**
 * One command's text against a Bash rule's specifier: `cmd:*` is a prefix on word boundaries (`npm test:*` matches
 * `npm test` and `npm test -- x`, never `npm testing`), `*` elsewhere is a wildcard, anything else exact.
 */
export function bashTextMatches(specifier: string, command: string): boolean {
  const cmd = command.trim();
  if (specifier === cmd) return true;
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
