import { describe, expect, it } from 'vitest';
import { fileBreakpoint, toolBreakpoint } from './breakpoints';

const cwd = '/work/ws';

describe('breakpoints', () => {
  it('an onTool rule matches like a deny rule: the command, and a program inside a compound line', () => {
    const rules = [{ onTool: 'Bash(git push:*)' }];
    expect(toolBreakpoint(rules, 'Bash', { command: 'git push origin main' }, cwd)).toContain(
      'onTool Bash(git push:*)',
    );
    expect(toolBreakpoint(rules, 'Bash', { command: 'cd app && git push' }, cwd)).not.toBeNull();
    expect(toolBreakpoint(rules, 'Bash', { command: 'git status' }, cwd)).toBeNull();
    expect(toolBreakpoint(rules, 'Write', { file_path: `${cwd}/a.txt`, content: '' }, cwd)).toBeNull();
  });

  it('an onFileChange glob matches a file tool’s target and the files a checkpoint saw changed', () => {
    const rules = [{ onFileChange: 'migrations/**' }, { costOverUsd: 1 }];
    expect(toolBreakpoint(rules, 'Edit', { file_path: `${cwd}/migrations/0001.sql` }, cwd)).toContain(
      'migrations/0001.sql',
    );
    expect(toolBreakpoint(rules, 'Write', { file_path: 'src/app.ts' }, cwd)).toBeNull();
    // Bash changes are seen by the checkpoint after the turn.
    expect(toolBreakpoint(rules, 'Bash', { command: 'echo x > migrations/2.sql' }, cwd)).toBeNull();
    expect(fileBreakpoint(rules, ['src/a.ts', 'migrations/2.sql'], cwd)).toBe(
      'breakpoint onFileChange migrations/**: migrations/2.sql changed',
    );
    expect(fileBreakpoint(rules, ['src/a.ts'], cwd)).toBeNull();
  });
});
