// `npm run bench:checkpoints`: what a checkpoint costs after a turn. A 10,000-file repository in a worktree made as the
// runner makes them; each round edits 1-3 files, then times Checkpoints.record() and, beside it on the same tree,
// `git status --porcelain` (the cheapest whole-tree look git offers); p50/p95 of each and the ratio of the p50s. The
// first record (a fresh checkpoint index) is shown apart.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Checkpoints } from '../apps/runner/src/workspace/checkpoints';
import { git } from '../apps/runner/src/workspace/git';
import { addWorktree, fetchCache, resolveBase } from '../apps/runner/src/workspace/repo-cache';
import { percentile } from './proc-stats';

const FILES = Number(process.env.BENCH_FILES ?? 10_000);
const DIRS = 20;
const ROUNDS = Number(process.env.BENCH_RUNS ?? 30);
const EXECUTION = 'ex_00000000000000000000bench';

/** A small deterministic generator: the same edits every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const fileName = (i: number) => join(`dir${String(i % DIRS).padStart(2, '0')}`, `file${i}.ts`);

async function createSource(dir: string): Promise<void> {
  for (let d = 0; d < DIRS; d += 1) await mkdir(join(dir, `dir${String(d).padStart(2, '0')}`), { recursive: true });
  const body = (i: number) =>
    Array.from({ length: 20 }, (_, line) => `export const value${i}_${line} = ${i * 100 + line};`).join('\n') + '\n';
  for (let start = 0; start < FILES; start += 500) {
    const batch = Array.from({ length: Math.min(500, FILES - start) }, (_, k) => start + k);
    await Promise.all(batch.map((i) => writeFile(join(dir, fileName(i)), body(i))));
  }
  await writeFile(join(dir, '.gitignore'), 'node_modules/\n*.log\n');
  const identity = ['-c', 'user.name=Bench', '-c', 'user.email=bench@localhost', '-c', 'commit.gpgsign=false'];
  execFileSync('git', ['-C', dir, 'init', '--quiet', '-b', 'main']);
  execFileSync('git', ['-C', dir, 'add', '--all']);
  execFileSync('git', ['-C', dir, ...identity, 'commit', '--quiet', '-m', 'bench repository']);
}

async function main() {
  const root = await mkdtemp(join(tmpdir(), 'claudeops-bench-checkpoints-'));
  try {
    const source = join(root, 'source');
    await createSource(source);
    const cache = await fetchCache(join(root, 'repos'), source);
    const base = (await resolveBase(cache, source, 'main')).baseCommit;
    const cwd = join(root, 'workspaces', EXECUTION);
    await mkdir(join(root, 'workspaces'));
    const worktree = await addWorktree(cache, cwd, `claudeops/${EXECUTION}`, base);
    const checkpoints = new Checkpoints({ repo: worktree, executionId: EXECUTION, base });
    const next = random(42);
    const status = async () => {
      const start = performance.now();
      await git(['status', '--porcelain'], { repo: worktree });
      return performance.now() - start;
    };
    const record = async (n: number) => {
      const start = performance.now();
      const checkpoint = await checkpoints.record(n);
      if (!checkpoint) throw new Error(`round ${n} changed files, yet record() saw no change`);
      return performance.now() - start;
    };
    const edit = async (round: number) => {
      const count = 1 + Math.floor(next() * 3);
      for (let k = 0; k < count; k += 1) {
        const path = join(cwd, fileName(Math.floor(next() * FILES)));
        const text = await readFile(path, 'utf8');
        await writeFile(path, `${text}export const edit${round}_${k} = ${round};\n`);
      }
    };

    // A turn takes seconds: let the checkout's second pass, or git (whose index times count whole seconds) sees every
    // file as possibly changed in the second the index was written and rehashes all of them, a cost no run pays.
    const indexWritten = (await stat(join(worktree.gitDir, 'index'))).mtimeMs;
    await sleep(Math.max(0, Math.floor(indexWritten / 1000) * 1000 + 1100 - Date.now()));
    await edit(0);
    const cold = await record(1);
    const recorded: number[] = [];
    const statuses: number[] = [];
    for (let round = 1; round <= ROUNDS; round += 1) {
      await edit(round);
      // Alternate which one runs first, so neither always finds the other's warm page cache.
      if (round % 2 === 0) {
        recorded.push(await record(round + 1));
        statuses.push(await status());
      } else {
        statuses.push(await status());
        recorded.push(await record(round + 1));
      }
    }
    await checkpoints.remove();

    const fmt = (values: number[]) =>
      `p50 ${percentile(values, 0.5).toFixed(1).padStart(7)} ms  p95 ${percentile(values, 0.95).toFixed(1).padStart(7)} ms`;
    console.log(`bench:checkpoints — ${FILES} files in ${DIRS} dirs, ${ROUNDS} rounds of 1-3 edited files`);
    console.log(`  first record (fresh checkpoint index)   ${cold.toFixed(1).padStart(7)} ms`);
    console.log(`  record() after a turn                 ${fmt(recorded)}`);
    console.log(`  git status --porcelain                ${fmt(statuses)}`);
    console.log(
      `  ratio (p50)                           record ${(percentile(recorded, 0.5) / percentile(statuses, 0.5)).toFixed(1)}x git status`,
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();
