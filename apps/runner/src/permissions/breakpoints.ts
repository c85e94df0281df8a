// The runner's breakpoints: an execution's `onTool` rules (Claude Code's rule syntax, matched as a deny rule is, so
// `Bash(git push:*)` also catches `cd app && git push`) and its `onFileChange` globs (against the file a file tool
// writes, and the files a checkpoint found changed by any tool, Bash included). The hub checks the cost and turn
// rules. Used by the approval gate (before a tool call runs) and the job's checkpoints (after a turn).
import { describeBreakpoint, type Breakpoint } from '@claudeops/control-plane/protocol';
import { evaluate, filePathOf, pathMatches } from './permissions';

const WRITERS = new Set(['Edit', 'Write', 'MultiEdit', 'NotebookEdit']);

/** The first onTool or onFileChange rule this tool call meets, as a sentence; null when none does. */
export function toolBreakpoint(
  rules: readonly Breakpoint[],
  toolName: string,
  input: Record<string, unknown>,
  cwd: string,
): string | null {
  for (const rule of rules) {
    if ('onTool' in rule) {
      const { verdict } = evaluate({ allow: [], ask: [], deny: [rule.onTool] }, [], toolName, input, { cwd });
      if (verdict === 'deny') return `breakpoint ${describeBreakpoint(rule)}: ${callText(toolName, input)}`;
    } else if ('onFileChange' in rule && WRITERS.has(toolName)) {
      const path = filePathOf(toolName, input, cwd);
      if (path !== undefined && pathMatches(rule.onFileChange, path, { cwd })) {
        return `breakpoint ${describeBreakpoint(rule)}: ${toolName} ${path}`;
      }
    }
  }
  return null;
}

/** The first onFileChange rule a changed file (relative to the worktree) meets; null when none does. */
export function fileBreakpoint(rules: readonly Breakpoint[], paths: readonly string[], cwd: string): string | null {
  for (const rule of rules) {
    if (!('onFileChange' in rule)) continue;
    const hit = paths.find((path) => pathMatches(rule.onFileChange, `${cwd}/${path}`, { cwd }));
    if (hit !== undefined) return `breakpoint ${describeBreakpoint(rule)}: ${hit} changed`;
  }
  return null;
}

function callText(toolName: string, input: Record<string, unknown>): string {
  const command = typeof input.command === 'string' ? input.command : null;
  const text = command ?? JSON.stringify(input);
  return `${toolName} ${text.length > 300 ? `${text.slice(0, 299)}…` : text}`;
}
