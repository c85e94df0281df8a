// Tests of the runner's commit message, diff stat parsing and capped, redacted patch, with real git where it matters.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commitMessage, commitSubject, parseNumstat, readPatch } from './git-commit';
import { createSourceRepo, gitIn, type SourceRepo } from '../testing/git-test-repo';
import type { GitRepo } from './git';

const repoOf = (source: SourceRepo): GitRepo => ({ gitDir: join(source.dir, '.git'), workTree: source.dir });

describe('commit messages', () => {
  it('take their subject from the first line of the prompt, at most 72 characters', () => {
    expect(commitSubject('\n\n# Fix the   flaky test\nDetails follow')).toBe('Fix the flaky test');
    const long = commitSubject('Refactor '.repeat(20));
    expect(long).toHaveLength(72);
    expect(long.endsWith('…')).toBe(true);
    expect(commitSubject('   ')).toBe('ClaudeOps execution');
  });

  it('say which execution and attempt, what Claude Code answered (capped), and what it cost', () => {
    const message = commitMessage({
      prompt: 'Add tests',
      executionId: 'ex_00000000000000000000000001',
      attempt: 3,
      status: 'succeeded',
      resultText: 'x'.repeat(10_000),
      costUsd: 1.5,
    });
    const [subject, blank] = message.split('\n');
    expect(subject).toBe('Add tests');
    expect(blank).toBe('');
    expect(message).toContain('ClaudeOps execution ex_00000000000000000000000001, attempt 3: Claude Code succeeded.');
    expect(message).toContain('ClaudeOps-Cost-USD: 1.5000');
    expect(message.length).toBeLessThan(4500);
    expect(commitMessage({ prompt: 'p', executionId: 'e', attempt: 1, status: 'failed' })).toContain(
      'ClaudeOps-Cost-USD: unknown',
    );
  });
});

describe('parseNumstat', () => {
  it('reads plain files, renames (under their new path) and binary files', () => {
    const output = '3\t1\tsrc/a.ts\0' + '0\t0\t\0old name.txt\0new name.txt\0' + '-\t-\timage.png\0';
    expect(parseNumstat(output)).toEqual([
      { path: 'src/a.ts', insertions: 3, deletions: 1 },
      { path: 'new name.txt', insertions: 0, deletions: 0 },
      { path: 'image.png', insertions: 0, deletions: 0 },
    ]);
    expect(parseNumstat('')).toEqual([]);
  });
});

describe('readPatch', () => {
  let source: SourceRepo;
  let base: string;
  beforeEach(async () => {
    source = await createSourceRepo();
    base = gitIn(source.dir, 'rev-parse', 'HEAD');
  });
  afterEach(() => rm(source.dir, { recursive: true, force: true }));

  it('returns the whole patch, redacted, when it fits', async () => {
    const head = await source.commit('config.txt', 'token=abcdefgh12345678\n');
    const patch = await readPatch(repoOf(source), base, head, (t) => t.replaceAll('abcdefgh12345678', '[REDACTED]'));
    expect(patch.truncated).toBe(false);
    expect(patch.text).toContain('+token=[REDACTED]');
    expect(patch.text).not.toContain('abcdefgh12345678');
    expect(patch.bytes).toBeGreaterThan(0);
  });

  it('cuts a patch over the cap at a line end and says so', async () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `line ${i} ${'y'.repeat(40)}`).join('\n');
    const head = await source.commit('big.txt', lines + '\n');
    const cap = 4096;
    const patch = await readPatch(repoOf(source), base, head, (t) => t, cap);
    expect(patch.truncated).toBe(true);
    expect(Buffer.byteLength(patch.text)).toBeLessThanOrEqual(cap);
    expect(patch.text.endsWith('\n')).toBe(true);
    expect(patch.text).toContain('+++ b/big.txt');
    expect(patch.bytes).toBeGreaterThan(80_000);
  });
});
