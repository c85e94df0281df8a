// Unit tests of approval summaries (what a person reads) and the patterns "remember" grants.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_SUMMARY_CHARS, patternFor, summarize, UNREMEMBERABLE_BASH } from './approval-summary';

let cwd: string;
beforeEach(async () => (cwd = await mkdtemp(join(tmpdir(), 'claudeops-summary-'))));
afterEach(() => rm(cwd, { recursive: true, force: true }));

describe('summarize', () => {
  it('shows a Bash command and its description', async () => {
    expect(await summarize('Bash', { command: 'npm test', description: 'Run the tests' }, cwd)).toBe(
      '$ npm test\n\nRun the tests',
    );
  });

  it('diffs an edit against the file on disk, with its real line numbers', async () => {
    const lines = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`);
    await writeFile(join(cwd, 'a.txt'), lines.join('\n') + '\n');
    const summary = await summarize(
      'Edit',
      { file_path: join(cwd, 'a.txt'), old_string: 'line 15', new_string: 'line fifteen' },
      cwd,
    );
    expect(summary).toContain('Edit a.txt');
    expect(summary).toContain('@@ -12,7 +12,7 @@');
    expect(summary).toContain('-line 15\n+line fifteen');
  });

  it('diffs the edit strings when the file is not there, and every edit of a MultiEdit', async () => {
    const summary = await summarize(
      'MultiEdit',
      {
        file_path: 'src/x.ts',
        edits: [
          { old_string: 'a', new_string: 'b' },
          { old_string: 'c', new_string: 'd' },
        ],
      },
      cwd,
    );
    expect(summary).toContain('MultiEdit src/x.ts');
    expect(summary).toContain('-a\n\\ No newline at end of file\n+b');
    expect(summary).toContain('-c');
    expect(summary).toContain('+d');
  });

  it('shows a new file with its size and first lines, an overwrite as a diff', async () => {
    const content = Array.from({ length: 50 }, (_, i) => `row ${i}`).join('\n') + '\n';
    const created = await summarize('Write', { file_path: 'new.txt', content }, cwd);
    expect(created).toContain(`Write new.txt (new file, ${content.length} bytes, 50 lines)`);
    expect(created).toContain('row 39');
    expect(created).not.toContain('row 40');
    expect(created).toContain('… (10 more lines)');
    await writeFile(join(cwd, 'old.txt'), 'one\ntwo\n');
    const overwrite = await summarize('Write', { file_path: 'old.txt', content: 'one\nthree\n' }, cwd);
    expect(overwrite).toContain('Write old.txt (overwrite, 10 bytes, 2 lines)');
    expect(overwrite).toContain('-two\n+three');
  });

  it('shows a fetch by URL and prompt, anything else as JSON, never more than the cap', async () => {
    expect(await summarize('WebFetch', { url: 'https://a.io/x', prompt: 'Summarise' }, cwd)).toBe(
      'WebFetch https://a.io/x\n\nSummarise',
    );
    expect(await summarize('mcp__db__query', { sql: 'select 1' }, cwd)).toBe(
      'mcp__db__query\n\n{\n  "sql": "select 1"\n}',
    );
    const long = await summarize('Bash', { command: 'x'.repeat(50_000) }, cwd);
    expect(long).toHaveLength(MAX_SUMMARY_CHARS);
    expect(long.endsWith('… (truncated)')).toBe(true);
  });
});

describe('patternFor', () => {
  it('grants the exact command, every edit, the host, or the tool', () => {
    expect(patternFor('Bash', { command: ' npm test -- --run ' })).toBe('Bash(npm test -- --run)');
    expect(patternFor('Bash', { command: 'x'.repeat(2000) })).toBe(UNREMEMBERABLE_BASH);
    expect(patternFor('Bash', {})).toBe(UNREMEMBERABLE_BASH);
    expect(patternFor('Edit', { file_path: 'a' })).toBe('Edit');
    expect(patternFor('MultiEdit', { file_path: 'a' })).toBe('MultiEdit');
    expect(patternFor('Write', { file_path: 'a' })).toBe('Write');
    expect(patternFor('NotebookEdit', {})).toBe('NotebookEdit');
    expect(patternFor('WebFetch', { url: 'https://Docs.Example.com/a' })).toBe('WebFetch(domain:docs.example.com)');
    expect(patternFor('mcp__github__create_issue', {})).toBe('mcp__github__create_issue');
  });
});
