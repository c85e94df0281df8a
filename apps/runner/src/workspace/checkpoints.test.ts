// Tests of worktree checkpoints with real git: a bare cache and a worktree made as the runner makes them, edits done
// the way Claude Code's tools do them (a Write, or a Bash command's writes, deletions and renames), and rewinds.
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSourceRepo, gitIn, type SourceRepo } from '../testing/git-test-repo';
import { checkpointRef, Checkpoints, CHECKPOINT_PATCH_CAP_BYTES } from './checkpoints';
import type { GitRepo } from './git';
import { addWorktree, fetchCache, resolveBase } from './repo-cache';

const EXECUTION = 'ex_0000000000000000000000000c';
const OTHER = 'ex_0000000000000000000000000d';

let dir: string;
let source: SourceRepo;
let cache: string;
let worktree: GitRepo;
let cwd: string;
let base: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'claudeops-checkpoints-'));
  source = await createSourceRepo();
  await source.commit('.gitignore', '*.log\nbuild/\n');
  await mkdir(join(source.dir, 'src'));
  await source.commit('src/a.txt', 'one\ntwo\nthree\n');
  cache = await fetchCache(join(dir, 'repos'), source.dir);
  base = (await resolveBase(cache, source.dir, 'main')).baseCommit;
  cwd = join(dir, 'workspaces', EXECUTION);
  await mkdir(join(dir, 'workspaces'));
  worktree = await addWorktree(cache, cwd, `claudeops/${EXECUTION}`, base);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(source.dir, { recursive: true, force: true });
});

const checkpoints = (executionId = EXECUTION) => new Checkpoints({ repo: worktree, executionId, base });
/** What a person running git in the workspace sees: branch, HEAD and the real index against the files. */
const gitView = () => ({
  head: gitIn(cwd, 'rev-parse', 'HEAD'),
  branch: gitIn(cwd, 'symbolic-ref', 'HEAD'),
  status: gitIn(cwd, 'status', '--porcelain', '--untracked-files=all'),
});
const treeFiles = (commit: string) => gitIn(cache, 'ls-tree', '-r', '--name-only', commit).split('\n').sort();
const exists = (path: string) =>
  stat(join(cwd, path)).then(
    () => true,
    () => false,
  );

describe('recording checkpoints', () => {
  it('snapshots a Write-like edit on a hidden ref whose parent is the base, with its stats and patch', async () => {
    await writeFile(join(cwd, 'src/a.txt'), 'one\n2\nthree\nfour\n');
    await writeFile(join(cwd, 'notes.md'), '# notes\n');
    const before = gitView();
    const realIndex = await readFile(join(worktree.gitDir, 'index'));

    const checkpoint = await checkpoints().record(1);

    expect((await readFile(join(worktree.gitDir, 'index'))).equals(realIndex)).toBe(true);

    expect(checkpoint).not.toBeNull();
    expect(checkpoint!.ref).toBe(`refs/claudeops/checkpoints/${EXECUTION}/1`);
    expect(checkpoint!.ref).toBe(checkpointRef(EXECUTION, 1));
    expect(gitIn(cache, 'rev-parse', checkpoint!.ref)).toBe(checkpoint!.commit);
    expect(gitIn(cache, 'rev-parse', `${checkpoint!.commit}^`)).toBe(base);
    expect(gitIn(cache, 'log', '-1', '--format=%an <%ae>|%cn <%ce>|%s', checkpoint!.commit)).toBe(
      `ClaudeOps <claudeops@localhost>|ClaudeOps <claudeops@localhost>|checkpoint 1 of ${EXECUTION}`,
    );
    expect(checkpoint!.files).toEqual([
      { path: 'notes.md', insertions: 1, deletions: 0 },
      { path: 'src/a.txt', insertions: 2, deletions: 1 },
    ]);
    expect([checkpoint!.insertions, checkpoint!.deletions]).toEqual([3, 1]);
    expect(checkpoint!.patch).toContain('+++ b/src/a.txt');
    expect(checkpoint!.patch).toContain('-two\n+2\n');
    expect(checkpoint!.patchTruncated).toBe(false);
    expect(treeFiles(checkpoint!.commit)).toEqual(['.gitignore', 'README.md', 'notes.md', 'src/a.txt']);
    // Nothing a person sees in the workspace moved: no commit, no staging.
    expect(gitView()).toEqual(before);
    expect(gitIn(cache, 'rev-parse', `refs/heads/claudeops/${EXECUTION}`)).toBe(base);
  });

  it('snapshots a Bash-like turn (write, delete, rename) on top of the previous checkpoint, ignored files left out', async () => {
    const cp = checkpoints();
    await writeFile(join(cwd, 'src/a.txt'), 'one\ntwo\nthree\nfour\n');
    const first = await cp.record(1);
    await writeFile(join(cwd, 'script.sh'), '#!/bin/sh\necho hi\n');
    await rm(join(cwd, 'README.md'));
    await rename(join(cwd, 'src/a.txt'), join(cwd, 'src/b.txt'));
    await writeFile(join(cwd, 'debug.log'), 'ignored\n');
    await mkdir(join(cwd, 'build'));
    await writeFile(join(cwd, 'build/out.js'), 'ignored too\n');
    const before = gitView();

    const second = await cp.record(2);

    expect(gitIn(cache, 'rev-parse', `${second!.commit}^`)).toBe(first!.commit);
    expect(second!.files).toEqual([
      { path: 'README.md', insertions: 0, deletions: 1 },
      { path: 'script.sh', insertions: 2, deletions: 0 },
      { path: 'src/b.txt', insertions: 0, deletions: 0 },
    ]);
    expect([second!.insertions, second!.deletions]).toEqual([2, 1]);
    expect(second!.patch).toContain('rename to src/b.txt');
    expect(treeFiles(second!.commit)).toEqual(['.gitignore', 'script.sh', 'src/b.txt']);
    expect(gitView()).toEqual(before);
    expect((await cp.list()).map(({ n, commit }) => ({ n, commit }))).toEqual([
      { n: 1, commit: first!.commit },
      { n: 2, commit: second!.commit },
    ]);
  });

  it('returns null and makes no ref when the turn changed nothing (a touched file included)', async () => {
    const cp = checkpoints();
    expect(await cp.record(1)).toBeNull();
    await writeFile(join(cwd, 'src/a.txt'), 'changed\n');
    expect(await cp.record(2)).not.toBeNull();
    await writeFile(join(cwd, 'src/a.txt'), 'changed\n');
    await writeFile(join(cwd, 'more.log'), 'ignored\n');
    expect(await cp.record(3)).toBeNull();
    expect((await cp.list()).map(({ n }) => n)).toEqual([2]);
  });

  it('records binary files, and cuts a big patch at 32 KiB', async () => {
    await writeFile(join(cwd, 'image.bin'), Buffer.from([0, 1, 2, 255, 0, 10, 0]));
    const lines = Array.from({ length: 3000 }, (_, i) => `line ${i} ${'x'.repeat(30)}`).join('\n');
    await writeFile(join(cwd, 'big.txt'), `${lines}\n`);

    const checkpoint = await checkpoints().record(1);

    expect(checkpoint!.files).toContainEqual({ path: 'image.bin', insertions: 0, deletions: 0 });
    expect(checkpoint!.files).toContainEqual({ path: 'big.txt', insertions: 3000, deletions: 0 });
    expect(checkpoint!.patchTruncated).toBe(true);
    expect(Buffer.byteLength(checkpoint!.patch)).toBeLessThanOrEqual(CHECKPOINT_PATCH_CAP_BYTES);
    expect(checkpoint!.patch.endsWith('\n')).toBe(true);
    expect(gitIn(cache, 'cat-file', '-s', `${checkpoint!.commit}:image.bin`)).toBe('7');
  });

  it('passes the patch through the redactor it was given', async () => {
    await writeFile(join(cwd, 'config.txt'), 'token=abcdefgh12345678\n');
    const cp = new Checkpoints({
      repo: worktree,
      executionId: EXECUTION,
      base,
      redact: (text) => text.replaceAll('abcdefgh12345678', '[REDACTED]'),
    });
    const checkpoint = await cp.record(1);
    expect(checkpoint!.patch).toContain('+token=[REDACTED]');
    expect(checkpoint!.patch).not.toContain('abcdefgh12345678');
  });

  it('continues after the latest checkpoint in a new instance, and refuses a number that is not after it', async () => {
    await writeFile(join(cwd, 'one.txt'), '1\n');
    const first = await checkpoints().record(1);
    await writeFile(join(cwd, 'two.txt'), '2\n');
    const again = checkpoints();
    await expect(again.record(1)).rejects.toThrow(`checkpoint 1 of ${EXECUTION} cannot follow checkpoint 1`);
    const third = await again.record(3);
    expect(gitIn(cache, 'rev-parse', `${third!.commit}^`)).toBe(first!.commit);
    expect(third!.files).toEqual([{ path: 'two.txt', insertions: 1, deletions: 0 }]);
  });

  it('rebuilds a checkpoint index that was torn or left locked', async () => {
    const cp = checkpoints();
    await writeFile(join(cwd, 'one.txt'), '1\n');
    await cp.record(1);
    await writeFile(join(worktree.gitDir, 'claudeops-checkpoint-index'), 'not an index');
    await writeFile(join(worktree.gitDir, 'claudeops-checkpoint-index.lock'), '');
    await writeFile(join(cwd, 'two.txt'), '2\n');
    const second = await cp.record(2);
    expect(second!.files).toEqual([{ path: 'two.txt', insertions: 1, deletions: 0 }]);
  });
});

describe('restoring a checkpoint', () => {
  it('brings back changed and deleted files, removes created ones, and leaves ignored files, HEAD and the index', async () => {
    const cp = checkpoints();
    await writeFile(join(cwd, 'src/a.txt'), 'one\ntwo\nthree\nfour\n');
    await writeFile(join(cwd, 'notes.md'), '# notes\n');
    const first = await cp.record(1);
    const atFirst = gitView();
    await writeFile(join(cwd, 'script.sh'), 'echo hi\n');
    await mkdir(join(cwd, 'lib/deep'), { recursive: true });
    await writeFile(join(cwd, 'lib/deep/new.ts'), 'export {};\n');
    await rm(join(cwd, 'README.md'));
    await rename(join(cwd, 'notes.md'), join(cwd, 'notes-renamed.md'));
    await writeFile(join(cwd, 'src/a.txt'), 'rewritten\n');
    await cp.record(2);
    // Made after the checkpoint, never in one: a rewind leaves these alone.
    await writeFile(join(cwd, 'debug.log'), 'keep me\n');
    await mkdir(join(cwd, 'build'));
    await writeFile(join(cwd, 'build/out.js'), 'keep me too\n');
    // An edit after the last checkpoint (not recorded) is rewound as well.
    await writeFile(join(cwd, 'unrecorded.txt'), 'gone after the rewind\n');

    const { changed } = await cp.restore(first!.ref);

    expect(changed.sort()).toEqual(
      [
        'README.md',
        'lib/deep/new.ts',
        'notes-renamed.md',
        'notes.md',
        'script.sh',
        'src/a.txt',
        'unrecorded.txt',
      ].sort(),
    );
    expect(await readFile(join(cwd, 'src/a.txt'), 'utf8')).toBe('one\ntwo\nthree\nfour\n');
    expect(await readFile(join(cwd, 'README.md'), 'utf8')).toBe('# test repo\n');
    expect(await readFile(join(cwd, 'notes.md'), 'utf8')).toBe('# notes\n');
    for (const gone of ['script.sh', 'lib/deep/new.ts', 'lib', 'notes-renamed.md', 'unrecorded.txt']) {
      expect(await exists(gone), gone).toBe(false);
    }
    expect(await readFile(join(cwd, 'debug.log'), 'utf8')).toBe('keep me\n');
    expect(await readFile(join(cwd, 'build/out.js'), 'utf8')).toBe('keep me too\n');
    expect(gitView()).toEqual(atFirst);
    // The rewind is a change the next record sees: back to checkpoint 1's tree, on top of checkpoint 2.
    const third = await cp.record(3);
    expect(gitIn(cache, 'rev-parse', `${third!.commit}^{tree}`)).toBe(
      gitIn(cache, 'rev-parse', `${first!.commit}^{tree}`),
    );
    expect((await cp.restore(third!.ref)).changed).toEqual([]);
  });

  it('puts back a checkpointed file that a later .gitignore hides, over what stands in its place', async () => {
    const cp = checkpoints();
    await writeFile(join(cwd, 'cache.tmp'), 'checkpointed\n');
    const first = await cp.record(1);
    await writeFile(join(cwd, '.gitignore'), '*.log\nbuild/\n*.tmp\n');
    await rm(join(cwd, 'cache.tmp'));
    await cp.record(2);
    await writeFile(join(cwd, 'cache.tmp'), 'made later, ignored\n');

    const { changed } = await cp.restore(first!.ref);

    expect(changed.sort()).toEqual(['.gitignore', 'cache.tmp']);
    expect(await readFile(join(cwd, 'cache.tmp'), 'utf8')).toBe('checkpointed\n');
    expect(await readFile(join(cwd, '.gitignore'), 'utf8')).toBe('*.log\nbuild/\n');
  });

  it('refuses refs that are not one of this execution’s checkpoints', async () => {
    const cp = checkpoints();
    await writeFile(join(cwd, 'one.txt'), '1\n');
    const mine = await cp.record(1);
    await writeFile(join(cwd, 'two.txt'), '2\n');
    const theirs = await checkpoints(OTHER).record(1);
    for (const bad of [
      'refs/heads/main',
      theirs!.ref,
      `refs/claudeops/checkpoints/${EXECUTION}/../${OTHER}/1`,
      `refs/claudeops/checkpoints/${EXECUTION}/01`,
      `refs/claudeops/checkpoints/${EXECUTION}/1^`,
      mine!.commit,
    ]) {
      await expect(cp.restore(bad), bad).rejects.toThrow(`"${bad}" is not a checkpoint of execution ${EXECUTION}`);
    }
    await expect(cp.restore(checkpointRef(EXECUTION, 7))).rejects.toThrow(
      `checkpoint 7 of execution ${EXECUTION} does not exist`,
    );
    expect(() => checkpointRef('ex/../x', 1)).toThrow('cannot name checkpoints');
    expect(await exists('two.txt')).toBe(true);
  });
});

describe('removing checkpoints', () => {
  it('deletes this execution’s refs and index file, and no other execution’s', async () => {
    const cp = checkpoints();
    for (const n of [1, 2, 3]) {
      await writeFile(join(cwd, `${n}.txt`), `${n}\n`);
      await cp.record(n);
    }
    await writeFile(join(cwd, 'other.txt'), 'x\n');
    const theirs = await checkpoints(OTHER).record(1);

    await cp.remove();

    expect(await cp.list()).toEqual([]);
    expect(gitIn(cache, 'for-each-ref', '--format=%(refname)', 'refs/claudeops/')).toBe(theirs!.ref);
    expect(await stat(join(worktree.gitDir, 'claudeops-checkpoint-index')).catch(() => null)).toBeNull();
    // Starting over: the next checkpoint's parent is the base again.
    const fresh = await cp.record(1);
    expect(gitIn(cache, 'rev-parse', `${fresh!.commit}^`)).toBe(base);
  });
});
