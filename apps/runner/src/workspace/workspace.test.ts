// Tests of the runner's git workspaces with real git on temp repositories: worktrees on their own branch, the
// runner's commit, the `git` event, the patch upload, and clear failures for bad repositories and refs.
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EVENT_DATA, type EventData, type EventDraft } from '@claudeops/control-plane/protocol';
import { ApiError, type PatchUpload } from '../stream/api-client';
import { createSourceRepo, gitIn, recorder, repoJob, type SourceRepo } from '../testing/git-test-repo';
import { WorkspaceError, Workspaces, type WorkspacesOptions } from './workspace';

let dir: string;
let source: SourceRepo;
let uploads: Array<{ executionId: string; patch: PatchUpload }>;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'claudeops-ws-'));
  source = await createSourceRepo();
  uploads = [];
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(source.dir, { recursive: true, force: true });
});

const workspaces = (extra: Partial<WorkspacesOptions> = {}) =>
  new Workspaces({
    workspacesDir: join(dir, 'workspaces'),
    reposDir: join(dir, 'state', 'repos'),
    uploadPatch: async (executionId, patch) => void uploads.push({ executionId, patch }),
    ...extra,
  });

const result = (text: string, totalCostUsd: number): EventData<'result'> => ({
  subtype: 'success',
  isError: false,
  text,
  totalCostUsd,
  numTurns: 1,
  durationMs: 10,
  sessionId: 's',
});

const gitEvent = (events: EventDraft[]) => {
  const found = events.find((e) => e.type === 'git');
  expect(found, 'a git event').toBeDefined();
  return EVENT_DATA.git.parse(found!.data);
};

describe('workspaces with a repository', () => {
  it('checks out the job ref on branch claudeops/<execution id>, leaving the source repository alone', async () => {
    const main = gitIn(source.dir, 'rev-parse', 'HEAD');
    gitIn(source.dir, 'checkout', '--quiet', '-b', 'feature');
    const feature = await source.commit('feature.txt', 'feature\n');
    gitIn(source.dir, 'checkout', '--quiet', 'main');
    const job = repoJob(1, { repo: source.dir, ref: 'feature' });

    const { events, emit } = recorder();
    const ws = await workspaces().prepare(job, emit);
    expect(ws.cwd).toBe(join(dir, 'workspaces', job.executionId));
    expect(gitIn(ws.cwd, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe(`claudeops/${job.executionId}`);
    expect(gitIn(ws.cwd, 'rev-parse', 'HEAD')).toBe(feature);
    expect(events).toEqual([
      expect.objectContaining({ type: 'log', data: expect.objectContaining({ level: 'info' }) }),
    ]);
    expect(gitIn(source.dir, 'rev-parse', 'main')).toBe(main);
    expect(gitIn(source.dir, 'branch', '--list', 'claudeops/*')).toBe('');
  });

  it('commits what Claude Code wrote as ClaudeOps, says what the execution did, and uploads the patch', async () => {
    const base = gitIn(source.dir, 'rev-parse', 'HEAD');
    const job = repoJob(2, { repo: source.dir, prompt: 'Add a greeting file\nwith more detail below', attempt: 2 });
    const { events, emit } = recorder();
    const ws = await workspaces().prepare(job, emit);
    await writeFile(join(ws.cwd, 'greeting.txt'), 'hello\nworld\n');
    await ws.finish({ status: 'succeeded', result: result('Wrote greeting.txt.', 0.0123), publish: true });

    const git = gitEvent(events);
    expect(git).toMatchObject({
      repo: source.dir,
      baseRef: 'main',
      baseCommit: base,
      branch: `claudeops/${job.executionId}`,
      files: [{ path: 'greeting.txt', insertions: 2, deletions: 0 }],
      insertions: 2,
      deletions: 0,
      patchTruncated: false,
    });
    expect(git.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(gitIn(ws.cwd, 'log', '-1', '--format=%an <%ae>|%cn <%ce>')).toBe(
      'ClaudeOps <claudeops@localhost>|ClaudeOps <claudeops@localhost>',
    );
    expect(gitIn(ws.cwd, 'show', '--format=', '--name-only', 'HEAD')).toBe('greeting.txt');
    const message = gitIn(ws.cwd, 'log', '-1', '--format=%B');
    expect(message.split('\n')[0]).toBe('Add a greeting file');
    expect(message).toContain(job.executionId);
    expect(message).toContain('ClaudeOps-Attempt: 2');
    expect(message).toContain('ClaudeOps-Cost-USD: 0.0123');
    expect(message).toContain('Wrote greeting.txt.');
    expect(git.message).toBe(message);

    expect(uploads).toHaveLength(1);
    expect(uploads[0]!.executionId).toBe(job.executionId);
    expect(uploads[0]!.patch.text).toContain('+++ b/greeting.txt');
    expect(uploads[0]!.patch.text).toContain('+hello');
    expect(uploads[0]!.patch).toMatchObject({ truncated: false, bytes: git.patchBytes });
  });

  it('makes no commit and uploads nothing when nothing changed', async () => {
    const job = repoJob(3, { repo: source.dir });
    const { events, emit } = recorder();
    const ws = await workspaces().prepare(job, emit);
    const base = gitIn(ws.cwd, 'rev-parse', 'HEAD');
    await ws.finish({ status: 'succeeded', result: null, publish: true });
    expect(gitEvent(events)).toMatchObject({ commit: null, message: null, files: [], patchBytes: 0 });
    expect(gitIn(ws.cwd, 'rev-parse', 'HEAD')).toBe(base);
    expect(uploads).toEqual([]);
  });

  it('redacts the commit message and the patch with the runner redactor', async () => {
    const redact = (text: string) => text.replaceAll('hunter2hunter2', '[REDACTED]');
    const job = repoJob(4, { repo: source.dir, prompt: 'Store hunter2hunter2 somewhere' });
    const { events, emit } = recorder();
    const ws = await workspaces({ redact }).prepare(job, emit);
    await writeFile(join(ws.cwd, 'secret.txt'), 'password=hunter2hunter2\n');
    await ws.finish({ status: 'succeeded', result: result('kept hunter2hunter2', 0), publish: true });
    expect(gitIn(ws.cwd, 'log', '-1', '--format=%B')).not.toContain('hunter2hunter2');
    expect(JSON.stringify(events)).not.toContain('hunter2hunter2');
    expect(uploads[0]!.patch.text).toContain('+password=[REDACTED]');
  });

  it('reuses the cached clone and fetches it for each job', async () => {
    const ws = workspaces();
    const first = await ws.prepare(repoJob(5, { repo: source.dir }), recorder().emit);
    const newer = await source.commit('later.txt', 'later\n');
    const second = await ws.prepare(repoJob(6, { repo: source.dir }), recorder().emit);
    expect(gitIn(second.cwd, 'rev-parse', 'HEAD')).toBe(newer);
    expect(gitIn(first.cwd, 'rev-parse', 'HEAD')).not.toBe(newer);
    const caches = await readdir(join(dir, 'state', 'repos'));
    expect(caches).toHaveLength(1);
    expect(gitIn(join(dir, 'state', 'repos', caches[0]!), 'rev-parse', '--is-bare-repository')).toBe('true');
  });

  it('starts from the default branch when the job names no ref', async () => {
    const trunk = await createSourceRepo('trunk');
    try {
      const { events, emit } = recorder();
      const ws = await workspaces().prepare(repoJob(7, { repo: trunk.dir }), emit);
      await ws.finish({ status: 'failed', result: null, publish: true });
      expect(gitEvent(events)).toMatchObject({ baseRef: 'trunk', baseCommit: gitIn(trunk.dir, 'rev-parse', 'HEAD') });
    } finally {
      await rm(trunk.dir, { recursive: true, force: true });
    }
  });

  it.each([
    [
      'a path that does not exist',
      () => join(dir, 'nowhere'),
      null,
      /repository .*nowhere does not exist on this runner/,
    ],
    ['a directory that is not a repository', () => dir, null, /cannot fetch .*: .*git repository/],
    ['an unknown ref', () => source.dir, 'no-such-branch', /ref "no-such-branch" is not a branch, tag or commit of/],
  ])('fails cleanly for %s, with an error log event', async (_what, repo, ref, message) => {
    const { events, emit } = recorder();
    const ws = workspaces();
    const job = repoJob(8, { repo: repo(), ref });
    await expect(ws.prepare(job, emit)).rejects.toThrow(WorkspaceError);
    await expect(ws.prepare(job, recorder().emit)).rejects.toThrow(message);
    expect(events).toEqual([
      expect.objectContaining({
        type: 'log',
        data: expect.objectContaining({ level: 'error', message: expect.stringMatching(message) }),
      }),
    ]);
    // No half-made cache is left behind to look ready.
    const caches = await readdir(join(dir, 'state', 'repos')).catch(() => []);
    expect(caches.filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('never emits the credentials of a repository URL', async () => {
    const { events, emit } = recorder();
    const job = repoJob(9, { repo: 'https://someone:s3cretT0ken@127.0.0.1:9/org/repo.git' });
    const error = await workspaces()
      .prepare(job, emit)
      .then(
        () => null,
        (e: unknown) => e,
      );
    if (!(error instanceof WorkspaceError)) throw new Error('expected a WorkspaceError');
    expect(error.message).toContain('https://127.0.0.1:9/org/repo.git');
    const everything = JSON.stringify(events) + error.message + error.detail;
    expect(everything).not.toContain('s3cretT0ken');
    expect(everything).not.toContain('someone');
  });

  it('reports a failed upload in the log after its retries, and the job goes on', async () => {
    let calls = 0;
    const { events, emit } = recorder();
    const ws = await workspaces({
      uploadRetryDelaysMs: [0, 0],
      uploadPatch: async () => {
        calls += 1;
        throw new ApiError('NETWORK', 'cannot reach the control plane');
      },
    }).prepare(repoJob(10, { repo: source.dir }), emit);
    await writeFile(join(ws.cwd, 'a.txt'), 'a\n');
    await ws.finish({ status: 'succeeded', result: null, publish: true });
    expect(calls).toBe(3);
    expect(events.at(-1)).toMatchObject({ type: 'log', data: { level: 'warn' } });
    expect(gitEvent(events).commit).toMatch(/^[0-9a-f]{40}$/);
  });

  it('gives a plain directory to a job without a repository', async () => {
    const ws = await workspaces().prepare(repoJob(11), recorder().emit);
    expect((await stat(ws.cwd)).isDirectory()).toBe(true);
    await ws.finish({ status: 'succeeded', result: null, publish: true });
    expect(uploads).toEqual([]);
  });
});
