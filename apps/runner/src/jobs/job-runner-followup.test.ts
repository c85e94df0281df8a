// Unit tests of follow-ups in the job runner, with a fake agent and a recording event stream: a person's messages
// reach the run's input once each (also those that come before Claude Code starts), a follow-up runs in its
// conversation's workspace with its session resumed from there, and a missing workspace or session fails clearly.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventDraft, RunnerToFleet } from '@claudeops/control-plane/protocol';
import type { AgentJob, AgentOutcome } from '../agent/agent';
import type { LiveMessage } from '../agent/agent-input';
import { FakeStream } from '../testing/fake-stream';
import { executionId, testJob, waitFor } from '../testing/test-helpers';
import { recordSessionCost, sessionCost, sessionDirFor } from '../workspace/session-dir';
import { JobRunner, type StartAgent } from './job-runner';

const SESSION = '6f1c0d0e-1111-4222-8333-944445555666';

let dir: string;
let workspacesDir: string;
let sent: RunnerToFleet[];
let streams: Map<string, FakeStream>;
let runs: Array<{ job: AgentJob; emit: (draft: EventDraft) => void; finish: (outcome: AgentOutcome) => void }>;

const fakeAgent: StartAgent = (job, emit) => {
  let finish!: (outcome: AgentOutcome) => void;
  const done = new Promise<AgentOutcome>((resolve) => (finish = resolve));
  runs.push({ job, emit, finish });
  return { done, pid: 4242, cancel: () => finish({ status: 'cancelled' }) };
};

function makeRunner(): JobRunner {
  return new JobRunner({
    maxConcurrent: 2,
    workspacesDir,
    startAgent: fakeAgent,
    agentEnv: {},
    send: (frame) => sent.push(frame),
    openStream: (id, handlers) => {
      const stream = new FakeStream(handlers);
      streams.set(id, stream);
      return stream;
    },
  });
}

const message = (n: number): LiveMessage => ({ messageId: `msg_${n}`, text: `message ${n}`, from: 'ada@example.com' });

/** Every turn the run's input gives Claude Code, after the prompt, as the agent would read them. */
async function turnsAfterPrompt(job: AgentJob, count: number): Promise<string[]> {
  const turns = job.input!.stream(job.prompt, () => undefined);
  await turns.next();
  const texts: string[] = [];
  for (let i = 0; i < count; i++)
    texts.push(String(((await turns.next()).value as { message: { content: string } }).message.content));
  return texts;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'claudeops-followup-'));
  workspacesDir = join(dir, 'workspaces');
  sent = [];
  streams = new Map();
  runs = [];
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('JobRunner live messages', () => {
  it('hands each message to the run once, in order, also one sent before Claude Code started', async () => {
    const runner = makeRunner();
    runner.offer(testJob(1));
    const stream = streams.get(executionId(1))!;
    stream.handlers.onMessage!(message(1));
    await waitFor(() => runs.length === 1, 'the agent to start');
    stream.handlers.onMessage!(message(2));
    // The hub re-sends after a reconnect until it has the user.message event: taken once.
    stream.handlers.onMessage!(message(1));
    expect(await turnsAfterPrompt(runs[0]!.job, 2)).toEqual(['message 1', 'message 2']);
    expect(runs[0]!.job.input!.pending).toBe(0);
    runs[0]!.finish({ status: 'succeeded' });
    await waitFor(() => stream.statuses().length === 2, 'the final status');
    // After the end nothing is taken: the hub keeps the message.
    expect(runs[0]!.job.input!.push(message(3))).toBe('ended');
    stream.handlers.onMessage!(message(4));
    stream.ackAll();
    await runner.idle();
    stream.handlers.onMessage!(message(5));
  });
});

describe('JobRunner follow-ups', () => {
  it('runs a follow-up in its conversation’s workspace, resuming the session kept there', async () => {
    const owner = executionId(1);
    const sessionDir = sessionDirFor(workspacesDir, owner);
    await mkdir(join(workspacesDir, owner), { recursive: true });
    await mkdir(join(sessionDir, 'projects', 'w'), { recursive: true });
    await writeFile(join(sessionDir, 'projects', 'w', `${SESSION}.jsonl`), '{}\n');
    const runner = makeRunner();
    runner.offer(testJob(2, { workspaceOf: owner, resumeSessionId: SESSION }));
    await waitFor(() => runs.length === 1, 'the agent to start');
    const { job } = runs[0]!;
    expect(job).toMatchObject({
      executionId: executionId(2),
      cwd: join(workspacesDir, owner),
      resumeSessionId: SESSION,
      env: { CLAUDE_CONFIG_DIR: sessionDir },
    });
    runs[0]!.finish({ status: 'succeeded' });
    const stream = streams.get(executionId(2))!;
    await waitFor(() => stream.statuses().length === 2, 'the final status');
    expect(stream.statuses().at(-1)).toEqual({ status: 'succeeded' });
  });

  it('reports a resumed session’s own cost: Claude Code’s total counts the earlier runs’ cost again', async () => {
    const owner = executionId(1);
    const sessionDir = sessionDirFor(workspacesDir, owner);
    await mkdir(join(workspacesDir, owner), { recursive: true });
    await mkdir(join(sessionDir, 'projects', 'w'), { recursive: true });
    await writeFile(join(sessionDir, 'projects', 'w', `${SESSION}.jsonl`), '{}\n');
    await recordSessionCost(sessionDir, SESSION, 0.5);
    const runner = makeRunner();
    runner.offer(testJob(2, { workspaceOf: owner, resumeSessionId: SESSION, maxBudgetUsd: 1 }));
    await waitFor(() => runs.length === 1, 'the agent to start');
    // Claude Code's own cap counts the resumed total: the run may still spend its whole budget.
    expect(runs[0]!.job.maxBudgetUsd).toBe(1.5);
    const result = (totalCostUsd: number): EventDraft => ({
      type: 'result',
      ts: new Date().toISOString(),
      data: { subtype: 'success', isError: false, totalCostUsd, numTurns: 1, durationMs: 1, sessionId: SESSION },
    });
    runs[0]!.emit(result(0.75));
    runs[0]!.finish({ status: 'succeeded' });
    const stream = streams.get(executionId(2))!;
    await waitFor(() => stream.statuses().length === 2, 'the final status');
    const results = stream.events.flatMap((event) => (event.type === 'result' ? [event.data] : []));
    expect(results.map((data) => data.totalCostUsd)).toEqual([0.25]);
    // The next resume counts from the session's total as Claude Code reported it.
    expect(await sessionCost(sessionDir, SESSION)).toBe(0.75);
  });

  it('fails a follow-up whose workspace is gone, or whose session is not on this runner, saying so', async () => {
    const runner = makeRunner();
    runner.offer(testJob(2, { workspaceOf: executionId(1), resumeSessionId: SESSION }));
    const gone = streams.get(executionId(2))!;
    await waitFor(() => gone.statuses().length === 2, 'the final status');
    expect(gone.statuses().at(-1)).toEqual({
      status: 'failed',
      reason: `the workspace of ${executionId(1)} was removed; start a new execution`,
    });

    await mkdir(join(workspacesDir, executionId(1)), { recursive: true });
    runner.offer(testJob(3, { workspaceOf: executionId(1), resumeSessionId: SESSION }));
    const lost = streams.get(executionId(3))!;
    await waitFor(() => lost.statuses().length === 2, 'the final status');
    expect(lost.statuses().at(-1)).toEqual({
      status: 'failed',
      reason: `the Claude Code session ${SESSION} of ${executionId(1)} is not on this runner any more; start a new execution`,
    });
    expect(runs).toEqual([]);
  });
});
