// Tests of pushing an execution's branch with real git: to a local bare repository reached through a URL rewrite in
// the host's global git config (how e2e reaches "https://github.com/…"), only for openPullRequest, and the failures a
// person must read, without credentials.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EVENT_DATA, type EventDraft } from '@claudeops/control-plane/protocol';
import { createSourceRepo, gitIn, recorder, repoJob, type SourceRepo } from '../testing/git-test-repo';
import { fetchCache } from './repo-cache';
import { pushBranch } from './git-push';
import { Workspaces } from './workspace';

let dir: string;
let source: SourceRepo;
let remote: string;
let savedGlobal: string | undefined;
const repo = 'https://github.com/acme/remote.git';

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'claudeops-push-'));
  source = await createSourceRepo();
  remote = join(dir, 'remote.git');
  gitIn(dir, 'clone', '--quiet', '--bare', source.dir, remote);
  const config = join(dir, 'gitconfig');
  await writeFile(config, `[url "file://${dir}/"]\n\tinsteadOf = https://github.com/acme/\n`);
  savedGlobal = process.env.GIT_CONFIG_GLOBAL;
  process.env.GIT_CONFIG_GLOBAL = config;
});
afterEach(async () => {
  if (savedGlobal === undefined) delete process.env.GIT_CONFIG_GLOBAL;
  else process.env.GIT_CONFIG_GLOBAL = savedGlobal;
  await rm(dir, { recursive: true, force: true });
  await rm(source.dir, { recursive: true, force: true });
});

const workspaces = () => new Workspaces({ workspacesDir: join(dir, 'ws'), reposDir: join(dir, 'repos') });
const pushEvents = (events: EventDraft[]) =>
  events.filter((e) => e.type === 'git.push').map((e) => EVENT_DATA['git.push'].parse(e.data));
const remoteBranch = (branch: string) => {
  try {
    return gitIn(remote, 'rev-parse', '--verify', '--quiet', `refs/heads/${branch}`);
  } catch {
    return null;
  }
};

describe('pushing the execution branch', () => {
  it('pushes the committed branch of an openPullRequest run and says so in a git.push event', async () => {
    const job = repoJob(1, { repo, openPullRequest: true });
    const { events, emit } = recorder();
    const ws = await workspaces().prepare(job, emit);
    await writeFile(join(ws.cwd, 'fix.txt'), 'fixed\n');
    await ws.finish({ status: 'succeeded', result: null, publish: true });

    const branch = `claudeops/${job.executionId}`;
    const [push] = pushEvents(events);
    expect(push).toMatchObject({ repo, branch, ok: true });
    expect(remoteBranch(branch)).toBe(push!.commit);
    expect(gitIn(remote, 'show', `${branch}:fix.txt`)).toBe('fixed');
    // After the `git` event, which the control plane reads first.
    expect(events.findIndex((e) => e.type === 'git')).toBeLessThan(events.findIndex((e) => e.type === 'git.push'));
  });

  it('pushes nothing without openPullRequest, or when the run failed', async () => {
    for (const [n, extra, status] of [
      [2, {}, 'succeeded'],
      [3, { openPullRequest: true }, 'failed'],
    ] as const) {
      const job = repoJob(n, { repo, ...extra });
      const { events, emit } = recorder();
      const ws = await workspaces().prepare(job, emit);
      await writeFile(join(ws.cwd, 'fix.txt'), 'fixed\n');
      await ws.finish({ status, result: null, publish: true });
      expect(pushEvents(events)).toEqual([]);
      expect(remoteBranch(`claudeops/${job.executionId}`)).toBeNull();
    }
  });

  it('reports a run that changed nothing, and a refused push with git words and no credentials', async () => {
    const job = repoJob(4, { repo, openPullRequest: true });
    const { events, emit } = recorder();
    const ws = await workspaces().prepare(job, emit);
    await ws.finish({ status: 'succeeded', result: null, publish: true });
    expect(pushEvents(events)).toEqual([
      expect.objectContaining({ ok: false, commit: null, error: expect.stringMatching(/changed no files/) }),
    ]);

    const secret = 'https://user:s3cret@127.0.0.1:9/acme/widgets.git';
    const cache = await fetchCache(join(dir, 'repos'), source.dir);
    const head = gitIn(cache, 'rev-parse', 'refs/remotes/origin/main');
    gitIn(cache, 'remote', 'set-url', 'origin', secret);
    const failed = await pushBranch(cache, secret, 'claudeops/x', head);
    expect(failed.ok).toBe(false);
    expect(failed.error).toMatch(/git push failed/);
    expect(JSON.stringify(failed)).not.toContain('s3cret');
  });
});
