// Tests that the agent cannot steer the runner's own git: a workspace whose `.git` file the agent rewrote to point at
// a repository with a fsmonitor, hooks and an external diff, a cache config the runner did not write, and a cleanup
// that meets rewritten `.git` files and symlinks. Real git on temp repositories.
import { chmod, mkdir, mkdtemp, readdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EVENT_DATA, type EventDraft } from '@claudeops/control-plane/protocol';
import { createSourceRepo, gitIn, recorder, repoJob, type SourceRepo } from '../testing/git-test-repo';
import { Workspaces } from './workspace';
import { cleanupWorkspaces } from './worktree-cleanup';

let dir: string;
let source: SourceRepo;
let marker: string;
let hostile: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'claudeops-hostile-'));
  source = await createSourceRepo();
  marker = join(dir, 'MARKER');
  hostile = await hostileRepo(join(dir, 'hostile'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(source.dir, { recursive: true, force: true });
});

/** A script that leaves `marker` behind when anything runs it. */
async function markerScript(path: string): Promise<string> {
  await writeFile(path, `#!/bin/sh\necho "$0 $*" >> '${marker}'\nexit 0\n`);
  await chmod(path, 0o755);
  return path;
}

/** A repository whose config runs the marker script from every place git could: fsmonitor, hooks, diff, pager. */
async function hostileRepo(path: string): Promise<string> {
  await mkdir(path, { recursive: true });
  gitIn(path, 'init', '--quiet', '--bare');
  const script = await markerScript(join(path, 'run.sh'));
  await mkdir(join(path, 'hooks'), { recursive: true });
  for (const hook of ['pre-commit', 'commit-msg', 'post-commit', 'post-index-change', 'reference-transaction']) {
    await markerScript(join(path, 'hooks', hook));
  }
  gitIn(path, 'config', 'core.bare', 'false');
  gitIn(path, 'config', 'core.fsmonitor', script);
  gitIn(path, 'config', 'core.hooksPath', join(path, 'hooks'));
  gitIn(path, 'config', 'diff.external', script);
  gitIn(path, 'config', 'core.pager', script);
  gitIn(path, 'config', 'core.sshCommand', script);
  gitIn(path, 'config', 'credential.helper', `!${script}`);
  return path;
}

const workspaces = () =>
  new Workspaces({ workspacesDir: join(dir, 'workspaces'), reposDir: join(dir, 'repos'), uploadPatch: async () => {} });

const gitEvent = (events: EventDraft[]) => EVENT_DATA.git.parse(events.find((e) => e.type === 'git')!.data);
const logs = (events: EventDraft[]) => events.filter((e) => e.type === 'log').map((e) => JSON.stringify(e.data));

describe("the runner's git in a workspace the agent tampered with", () => {
  it('commits to the right branch from its own records and runs nothing the rewritten .git points at', async () => {
    const job = repoJob(1, { repo: source.dir });
    const { events, emit } = recorder();
    const ws = await workspaces().prepare(job, emit);
    // What an agent could do with Write or Bash: change a file, and point the workspace's .git at its own repository.
    await writeFile(join(ws.cwd, 'work.txt'), 'the agent’s work\n');
    await writeFile(join(ws.cwd, '.git'), `gitdir: ${hostile}\n`);

    await ws.finish({ status: 'succeeded', result: null, publish: true });

    expect(existsSync(marker), 'a hostile script ran').toBe(false);
    const git = gitEvent(events);
    expect(git.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(git.files).toEqual([{ path: 'work.txt', insertions: 1, deletions: 0 }]);
    const [cache] = await readdir(join(dir, 'repos'));
    const cacheDir = join(dir, 'repos', cache!);
    expect(gitIn(cacheDir, 'rev-parse', `claudeops/${job.executionId}`)).toBe(git.commit);
    expect(gitIn(cacheDir, 'show', '--format=', '--name-only', git.commit!)).toBe('work.txt');
    // The workspace's .git is the runner's again; the hostile repository got nothing.
    expect(gitIn(ws.cwd, 'rev-parse', 'HEAD')).toBe(git.commit);
    expect(gitIn(hostile, 'rev-list', '--all')).toBe('');
    expect(existsSync(marker)).toBe(false);
  });

  it('is the attack it claims to be: plain git in that workspace runs the hostile config', async () => {
    const ws = await workspaces().prepare(repoJob(2, { repo: source.dir }), recorder().emit);
    await writeFile(join(ws.cwd, 'work.txt'), 'x\n');
    await writeFile(join(ws.cwd, '.git'), `gitdir: ${hostile}\n`);
    gitIn(ws.cwd, 'status', '--short');
    expect(existsSync(marker)).toBe(true);
  });

  it('ignores a fsmonitor in the host user’s global config for workspace commands', async () => {
    const home = join(dir, 'home');
    await mkdir(home);
    await writeFile(join(home, '.gitconfig'), `[core]\n\tfsmonitor = ${await markerScript(join(dir, 'g.sh'))}\n`);
    const saved = { HOME: process.env.HOME, XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME };
    const job = repoJob(3, { repo: source.dir });
    const { events, emit } = recorder();
    const ws = await workspaces().prepare(job, emit);
    await writeFile(join(ws.cwd, 'work.txt'), 'x\n');
    process.env.HOME = home;
    process.env.XDG_CONFIG_HOME = join(home, '.config');
    try {
      await ws.finish({ status: 'succeeded', result: null, publish: true });
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
    expect(gitEvent(events).files).toHaveLength(1);
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses, and says so, a cache whose config the runner did not write (a worktree config included)', async () => {
    const job = repoJob(4, { repo: source.dir });
    const { events, emit } = recorder();
    const ws = await workspaces().prepare(job, emit);
    const [cache] = await readdir(join(dir, 'repos'));
    const cacheDir = join(dir, 'repos', cache!);
    // extensions.worktreeConfig would make git read config.worktree from the worktree's admin dir.
    gitIn(cacheDir, 'config', 'extensions.worktreeConfig', 'true');
    const admin = join(cacheDir, 'worktrees', job.executionId);
    await writeFile(join(admin, 'config.worktree'), `[core]\n\tfsmonitor = ${join(hostile, 'run.sh')}\n`);
    await writeFile(join(ws.cwd, 'work.txt'), 'x\n');

    await ws.finish({ status: 'succeeded', result: null, publish: true });

    expect(existsSync(marker)).toBe(false);
    expect(events.some((e) => e.type === 'git')).toBe(false);
    expect(logs(events).join('\n')).toContain('extensions.worktreeconfig');
    expect(logs(events).join('\n')).toContain('could not commit');
    // The next job on that cache is refused too, before any worktree is made.
    await expect(workspaces().prepare(repoJob(5, { repo: source.dir }), recorder().emit)).rejects.toThrow(
      /settings the runner did not write/,
    );
  });
});

describe('cleanup of tampered workspaces', () => {
  it('removes the workspace without following its rewritten .git or a symlink, and prunes only its cache', async () => {
    const ws = workspaces();
    const job = repoJob(6, { repo: source.dir });
    const prepared = await ws.prepare(job, recorder().emit);
    await prepared.finish({ status: 'succeeded', result: null, publish: true });
    const outside = join(dir, 'outside');
    await mkdir(outside);
    await writeFile(join(outside, 'keep.txt'), 'precious\n');
    await writeFile(join(prepared.cwd, '.git'), `gitdir: ${join(hostile, 'worktrees', 'x')}\n`);
    await symlink(outside, join(prepared.cwd, 'link'));
    // A workspace name that is itself a symlink to somewhere else.
    const fakeId = repoJob(7).executionId;
    await symlink(outside, join(dir, 'workspaces', fakeId));
    const longAgo = new Date(Date.now() - 30 * 24 * 3600_000);
    await utimes(prepared.cwd, longAgo, longAgo);

    const result = await cleanupWorkspaces({
      workspacesDir: join(dir, 'workspaces'),
      reposDir: join(dir, 'repos'),
      maxAgeMs: 24 * 3600_000,
      maxCount: 50,
      keep: new Set(),
    });

    expect(result.removed).toEqual([job.executionId]);
    expect(existsSync(prepared.cwd)).toBe(false);
    expect(existsSync(join(outside, 'keep.txt'))).toBe(true);
    expect(existsSync(join(dir, 'workspaces', fakeId))).toBe(true);
    expect(existsSync(hostile)).toBe(true);
    expect(existsSync(marker)).toBe(false);
    const [cache] = await readdir(join(dir, 'repos'));
    expect(gitIn(join(dir, 'repos', cache!), 'worktree', 'list', '--porcelain')).not.toContain(prepared.cwd);
  });
});
