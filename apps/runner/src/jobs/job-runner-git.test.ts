// Tests of the job runner with a repository: Claude Code (a fake agent writing a file) runs in the worktree, the
// `git` event comes before the final status, and a bad repository or ref fails the job cleanly.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventDraft, Job } from '@claudeops/control-plane/protocol';
import type { AgentOutcome } from '../agent/agent';
import type { PatchUpload } from '../stream/api-client';
import { FakeStream } from '../testing/fake-stream';
import { createSourceRepo, gitIn, repoJob, type SourceRepo } from '../testing/git-test-repo';
import { JobRunner, type StartAgent } from './job-runner';
import { waitFor } from '../testing/test-helpers';
import { Workspaces } from '../workspace/workspace';

let dir: string;
let source: SourceRepo;
let streams: Map<string, FakeStream>;
let uploads: PatchUpload[];
let agentStarts: number;

/** Writes NOTES.md in its workspace, reports a result, and succeeds. */
const writingAgent: StartAgent = (job, emit) => {
  agentStarts += 1;
  const done = (async (): Promise<AgentOutcome> => {
    await writeFile(join(job.cwd, 'NOTES.md'), `notes for ${job.executionId}\n`);
    emit({
      type: 'result',
      ts: new Date().toISOString(),
      data: {
        subtype: 'success',
        isError: false,
        text: 'Wrote NOTES.md',
        totalCostUsd: 0.25,
        numTurns: 1,
        durationMs: 5,
        sessionId: 's',
      },
    } as EventDraft);
    return { status: 'succeeded' };
  })();
  return { done, pid: undefined, cancel: () => undefined };
};

function makeRunner(): JobRunner {
  return new JobRunner({
    maxConcurrent: 2,
    workspacesDir: join(dir, 'workspaces'),
    workspaces: new Workspaces({
      workspacesDir: join(dir, 'workspaces'),
      reposDir: join(dir, 'repos'),
      uploadPatch: async (_id, patch) => void uploads.push(patch),
    }),
    startAgent: writingAgent,
    send: () => undefined,
    openStream: (id, handlers) => {
      const stream = new FakeStream(handlers);
      streams.set(id, stream);
      return stream;
    },
  });
}

async function runToEnd(runner: JobRunner, job: Job): Promise<FakeStream> {
  runner.offer(job);
  const stream = streams.get(job.executionId)!;
  await waitFor(() => stream.statuses().length === 2, 'the final status', 10_000);
  stream.ackAll();
  await runner.idle();
  return stream;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'claudeops-jobgit-'));
  source = await createSourceRepo();
  streams = new Map();
  uploads = [];
  agentStarts = 0;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(source.dir, { recursive: true, force: true });
});

describe('JobRunner with a repository', () => {
  it('runs Claude Code in the worktree and reports the commit before the final status', async () => {
    const job = repoJob(1, { repo: source.dir, ref: 'main', prompt: 'Write the notes' });
    const stream = await runToEnd(makeRunner(), job);
    expect(stream.events.map((e) => e.type)).toEqual(['status', 'log', 'result', 'git', 'status']);
    expect(stream.statuses().at(-1)).toEqual({ status: 'succeeded' });
    const git = stream.events.find((e) => e.type === 'git')!.data as { commit: string; branch: string };
    expect(git.branch).toBe(`claudeops/${job.executionId}`);
    const worktree = join(dir, 'workspaces', job.executionId);
    expect(gitIn(worktree, 'rev-parse', 'HEAD')).toBe(git.commit);
    expect(gitIn(worktree, 'log', '-1', '--format=%s%n%b')).toContain('Write the notes');
    expect(gitIn(worktree, 'log', '-1', '--format=%b')).toContain('Wrote NOTES.md');
    expect(await readFile(join(worktree, 'NOTES.md'), 'utf8')).toContain(job.executionId);
    expect(uploads[0]?.text).toContain('+notes for');
  });

  it('fails a job whose ref does not exist, saying so, without starting Claude Code', async () => {
    const stream = await runToEnd(makeRunner(), repoJob(2, { repo: source.dir, ref: 'nope' }));
    expect(agentStarts).toBe(0);
    expect(stream.statuses().at(-1)).toEqual({
      status: 'failed',
      reason: expect.stringMatching(/^ref "nope" is not a branch, tag or commit of /),
    });
    expect(stream.events.find((e) => e.type === 'log')?.data).toMatchObject({ level: 'error' });
  });

  it('fails a job whose repository cannot be reached, and keeps running others', async () => {
    const runner = makeRunner();
    const bad = await runToEnd(runner, repoJob(3, { repo: join(dir, 'missing') }));
    expect(bad.statuses().at(-1)).toMatchObject({
      status: 'failed',
      reason: expect.stringContaining('does not exist'),
    });
    const good = await runToEnd(runner, repoJob(4, { repo: source.dir }));
    expect(good.statuses().at(-1)).toEqual({ status: 'succeeded' });
  });
});
