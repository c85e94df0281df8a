// Real git repositories in temp dirs for the runner's workspace tests: a source repository to clone and helpers to
// commit to it and read what the runner did. Not part of the runner itself.
import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventDraft, Job } from '@claudeops/control-plane/protocol';
import { testJob } from './test-helpers';

const IDENTITY = ['-c', 'user.name=Test', '-c', 'user.email=test@localhost', '-c', 'commit.gpgsign=false'];

/** Runs git in `dir` and returns its trimmed stdout. */
export function gitIn(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-C', dir, ...IDENTITY, ...args], { encoding: 'utf8', stdio: 'pipe' }).trim();
}

export interface SourceRepo {
  dir: string;
  /** Writes a file and commits it on the current branch; returns the commit. */
  commit(file: string, content: string, message?: string): Promise<string>;
}

/** A repository with one commit (README.md) on `branch`, under a fresh temp dir. */
export async function createSourceRepo(branch = 'main'): Promise<SourceRepo> {
  const dir = await mkdtemp(join(tmpdir(), 'claudeops-src-'));
  gitIn(dir, 'init', '--quiet', '-b', branch);
  const repo: SourceRepo = {
    dir,
    async commit(file, content, message = `add ${file}`) {
      await writeFile(join(dir, file), content);
      gitIn(dir, 'add', file);
      gitIn(dir, 'commit', '--quiet', '-m', message);
      return gitIn(dir, 'rev-parse', 'HEAD');
    },
  };
  await repo.commit('README.md', '# test repo\n', 'initial');
  return repo;
}

export const repoJob = (n: number, extra: Partial<Job> = {}): Job => testJob(n, { prompt: `Task ${n}`, ...extra });

/** Collects emitted drafts. */
export function recorder(): { events: EventDraft[]; emit: (draft: EventDraft) => void } {
  const events: EventDraft[] = [];
  return { events, emit: (draft) => void events.push(draft) };
}
