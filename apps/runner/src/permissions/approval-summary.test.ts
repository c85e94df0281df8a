// Unit tests of approval summaries (what a person reads) and the patterns "remember" grants.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_SUMMARY_CHARS, patternFor, summarize, UNREMEMBERABLE_BASH } from './approval-summary';
import { evaluate } from './permissions';

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
  const at = '/work/repo';
  it('grants the request’s specific pattern, never a bare Bash, Edit or Write', () => {
    expect(patternFor('Bash', { command: ' npm test -- --run ' }, at)).toBe('Bash(npm test:*)');
    expect(patternFor('Bash', { command: 'npm run test -- src' }, at)).toBe('Bash(npm run test:*)');
    expect(patternFor('Bash', { command: 'git log --oneline -3' }, at)).toBe('Bash(git log:*)');
    expect(patternFor('Bash', { command: 'rm -rf build' }, at)).toBe('Bash(rm -rf build)');
    expect(patternFor('Bash', { command: 'npm install lodash' }, at)).toBe('Bash(npm install lodash)');
    expect(patternFor('Bash', { command: 'git branch -D x' }, at)).toBe('Bash(git branch -D x)');
    expect(patternFor('Bash', { command: 'pytest -k slow' }, at)).toBe('Bash(pytest:*)');
    expect(patternFor('Bash', { command: 'npm run lint -- --fix' }, at)).toBe('Bash(npm run lint:*)');
    expect(patternFor('Bash', { command: 'git log > notes.txt' }, at)).toBe('Bash(git log > notes.txt)');
    expect(patternFor('Bash', { command: 'npm ci && npm test' }, at)).toBe('Bash(npm ci && npm test)');
    expect(patternFor('Bash', { command: 'sudo git log' }, at)).toBe('Bash(sudo git log)');
    expect(patternFor('Bash', { command: 'git --no-pager log' }, at)).toBe('Bash(git --no-pager log)');
    expect(patternFor('Bash', { command: 'x'.repeat(2000) }, at)).toBe(UNREMEMBERABLE_BASH);
    expect(patternFor('Bash', {}, at)).toBe(UNREMEMBERABLE_BASH);
    expect(patternFor('Edit', { file_path: 'src/app.ts' }, at)).toBe('Edit(src/app.ts)');
    expect(patternFor('Write', { file_path: '/work/repo/a.ts' }, at)).toBe('Edit(./a.ts)');
    expect(patternFor('MultiEdit', { file_path: '/etc/hosts' }, at)).toBe('Edit(//etc/hosts)');
    expect(patternFor('NotebookEdit', {}, at)).toMatch(/^Edit\(\/</);
    expect(patternFor('Write', { file_path: 'src/*.ts' }, at)).toMatch(/^Edit\(\/</);
    expect(patternFor('Read', { file_path: 'docs/a.md' }, at)).toBe('Read(docs/a.md)');
    expect(patternFor('Grep', { pattern: 'x', path: 'src' }, at)).toBe('Read(./src)');
    expect(patternFor('WebFetch', { url: 'https://Docs.Example.com/a' }, at)).toBe('WebFetch(domain:docs.example.com)');
    expect(patternFor('mcp__github__create_issue', {}, at)).toBe('mcp__github__create_issue');
  });

  it('grants patterns that allow the call they came from, and no more', () => {
    const context = { cwd: at, home: '/home/me' };
    const grant = (tool: string, input: Record<string, unknown>) => [patternFor(tool, input, at)];
    const none = { allow: [], ask: [], deny: [] };
    const edit = { file_path: 'src/app.ts' };
    expect(evaluate(none, grant('Edit', edit), 'Edit', edit, context).verdict).toBe('allow');
    expect(evaluate(none, grant('Edit', edit), 'Write', { file_path: 'src/other.ts' }, context).verdict).toBe('ask');
    const log = { command: 'git log -1' };
    expect(evaluate(none, grant('Bash', log), 'Bash', log, context).verdict).toBe('allow');
    expect(evaluate(none, grant('Bash', log), 'Bash', { command: 'git log --output=x' }, context).verdict).toBe('ask');
    expect(evaluate(none, grant('Bash', log), 'Bash', { command: 'git push' }, context).verdict).toBe('ask');
  });
});
