// Unit tests of the job runner with a fake agent and a recording event stream.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CancelReason, EventDraft, RunnerToFleet } from '@claudeops/control-plane/protocol';
import type { AgentJob, AgentOutcome } from '../agent/agent';
import { FakeStream } from '../testing/fake-stream';
import { JobRunner, type JobRunnerOptions, type StartAgent } from './job-runner';
import { executionId, testJob, waitFor } from '../testing/test-helpers';

interface FakeRun {
  job: AgentJob;
  emit: (draft: EventDraft) => void;
  cancels: CancelReason[];
  finish: (outcome: AgentOutcome) => void;
}

let dir: string;
let sent: RunnerToFleet[];
let streams: Map<string, FakeStream>;
let runs: FakeRun[];
let agentThrows: Error | null;

const fakeAgent: StartAgent = (job, emit) => {
  if (agentThrows) throw agentThrows;
  let finish!: (outcome: AgentOutcome) => void;
  const done = new Promise<AgentOutcome>((resolve) => (finish = resolve));
  const run: FakeRun = { job, emit, cancels: [], finish };
  runs.push(run);
  return {
    done,
    pid: 4242,
    // Like the real agent: a cancelled run ends as cancelled.
    cancel: (reason) => {
      run.cancels.push(reason);
      finish({ status: 'cancelled' });
    },
  };
};

function makeRunner(maxConcurrent = 1, extra: Partial<JobRunnerOptions> = {}): JobRunner {
  return new JobRunner({
    maxConcurrent,
    workspacesDir: join(dir, 'workspaces'),
    startAgent: fakeAgent,
    agentEnv: { ANTHROPIC_BASE_URL: 'http://127.0.0.1:1' },
    send: (frame) => sent.push(frame),
    openStream: (id, handlers) => {
      const stream = new FakeStream(handlers);
      streams.set(id, stream);
      return stream;
    },
    ...extra,
  });
}

const job = testJob;

const text = (t: string): EventDraft => ({
  type: 'assistant.text',
  ts: new Date().toISOString(),
  data: { messageId: 'm', text: t },
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'claudeops-jobs-'));
  sent = [];
  streams = new Map();
  runs = [];
  agentThrows = null;
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('JobRunner', () => {
  it('runs an accepted job in its own workspace: running first, the agent events, then the outcome', async () => {
    const runner = makeRunner();
    runner.offer(job(1, { model: 'claude-x', maxBudgetUsd: 0.5 }));
    expect(sent).toEqual([{ type: 'job.accept', executionId: executionId(1) }]);
    await waitFor(() => runs.length === 1, 'the agent to start');
    const run = runs[0]!;
    expect(run.job).toEqual({
      executionId: executionId(1),
      prompt: 'task 1',
      model: 'claude-x',
      maxBudgetUsd: 0.5,
      cwd: join(dir, 'workspaces', executionId(1)),
      env: {
        ANTHROPIC_BASE_URL: 'http://127.0.0.1:1',
        CLAUDE_CONFIG_DIR: join(dir, 'workspaces', '.sessions', executionId(1), 'claude'),
      },
      canUseTool: expect.any(Function),
      disallowedTools: [],
      tools: null,
      maxTurns: null,
      appendSystemPrompt: null,
      outputSchema: null,
      input: expect.any(Object),
      resumeSessionId: null,
      resumeSessionAt: null,
      onChainEntry: expect.any(Function),
    });
    expect((await stat(run.job.cwd)).isDirectory()).toBe(true);
    run.emit(text('hello'));
    run.finish({ status: 'succeeded' });
    const stream = streams.get(executionId(1))!;
    await waitFor(() => stream.events.length === 3, 'the final status');
    expect(stream.started).toBe(true);
    expect(stream.events.map((event) => event.type)).toEqual(['status', 'assistant.text', 'status']);
    expect(stream.statuses()).toEqual([{ status: 'running' }, { status: 'succeeded' }]);
    // The slot is held until the hub has every event.
    expect(runner.running()).toEqual([executionId(1)]);
    stream.ackAll();
    await runner.idle();
    expect(stream.stopped).toBe(true);
    expect(runner.running()).toEqual([]);
  });

  it('re-accepts a repeated offer of a running job without starting it again', async () => {
    const runner = makeRunner();
    runner.offer(job(1));
    runner.offer(job(1));
    await waitFor(() => runs.length === 1, 'the agent to start');
    runner.offer(job(1));
    expect(sent).toEqual(Array(3).fill({ type: 'job.accept', executionId: executionId(1) }));
    expect(runs).toHaveLength(1);
    expect(streams.size).toBe(1);
  });

  it('rejects offers beyond its slots, and takes work again once a slot frees', async () => {
    const runner = makeRunner(2);
    runner.offer(job(1));
    runner.offer(job(2));
    runner.offer(job(3));
    expect(sent[2]).toEqual({ type: 'job.reject', executionId: executionId(3), reason: 'no free slot (2 of 2 busy)' });
    expect(runner.freeSlots).toBe(0);
    await waitFor(() => runs.length === 2, 'two agents');
    // The two start in either order.
    runs.find((run) => run.job.executionId === executionId(1))!.finish({ status: 'failed', reason: 'boom' });
    streams.get(executionId(1))!.ackAll();
    await waitFor(() => runner.freeSlots === 1, 'a free slot');
    expect(streams.get(executionId(1))!.statuses().at(-1)).toEqual({ status: 'failed', reason: 'boom' });
    runner.offer(job(4));
    expect(sent.at(-1)).toEqual({ type: 'job.accept', executionId: executionId(4) });
  });

  it('cancels once however many times and from wherever it is asked', async () => {
    const runner = makeRunner();
    runner.offer(job(1));
    await waitFor(() => runs.length === 1, 'the agent to start');
    const stream = streams.get(executionId(1))!;
    runner.handleFrame({ type: 'job.cancel', executionId: executionId(1), reason: 'user' });
    runner.cancel(executionId(1), 'user');
    stream.handlers.onCancel('user');
    runner.cancel(executionId(9), 'user'); // not running here: ignored
    expect(runs[0]!.cancels).toEqual(['user']);
    await waitFor(() => stream.statuses().length === 2, 'the final status');
    expect(stream.statuses()[1]).toEqual({ status: 'cancelled', reason: 'cancelled by user' });
  });

  it('never starts the agent when the cancel comes before it could start', async () => {
    const runner = makeRunner();
    runner.offer(job(1));
    runner.cancel(executionId(1), 'user');
    const stream = streams.get(executionId(1))!;
    await waitFor(() => stream.statuses().length === 2, 'the final status');
    expect(runs).toHaveLength(0);
    expect(stream.statuses()).toEqual([{ status: 'running' }, { status: 'cancelled', reason: 'cancelled by user' }]);
  });

  it('stops the agent when the hub closes the log, without waiting for acks', async () => {
    const runner = makeRunner();
    runner.offer(job(1));
    await waitFor(() => runs.length === 1, 'the agent to start');
    const stream = streams.get(executionId(1))!;
    stream.handlers.onClosed({ status: 'lost', reason: 'the log was closed (lost)' });
    stream.stop(); // the real streamer ends itself on exec.closed and drained() resolves
    stream.ackAll();
    await runner.idle();
    expect(runs[0]!.cancels).toEqual(['lease_lost']);
  });

  it('reports a job the agent could not start as failed', async () => {
    const runner = makeRunner();
    agentThrows = new Error('claude not found');
    runner.offer(job(1));
    const stream = streams.get(executionId(1))!;
    await waitFor(() => stream.statuses().length === 2, 'the final status');
    expect(stream.statuses()[1]).toEqual({
      status: 'failed',
      reason: 'the runner could not run Claude Code: claude not found',
    });
  });

  it('ignores a late offer of an execution it already ran', async () => {
    const runner = makeRunner();
    runner.offer(job(1));
    await waitFor(() => runs.length === 1, 'the agent to start');
    runs[0]!.finish({ status: 'succeeded' });
    streams.get(executionId(1))!.ackAll();
    await runner.idle();
    sent = [];
    runner.offer(job(1));
    expect(sent).toEqual([]);
    expect(runs).toHaveLength(1);
  });

  it('on shutdown rejects new offers and cancels what runs, then resolves once logs are flushed', async () => {
    const runner = makeRunner(2);
    runner.offer(job(1));
    await waitFor(() => runs.length === 1, 'the agent to start');
    const stream = streams.get(executionId(1))!;
    const stopped = runner.shutdown(60_000);
    runner.offer(job(2));
    expect(sent.at(-1)).toEqual({ type: 'job.reject', executionId: executionId(2), reason: 'runner is shutting down' });
    expect(runs[0]!.cancels).toEqual(['runner_shutdown']);
    await waitFor(() => stream.statuses().length === 2, 'the final status');
    expect(stream.statuses()[1]).toEqual({ status: 'cancelled', reason: 'the runner shut down' });
    stream.ackAll();
    await stopped;
    expect(runner.running()).toEqual([]);
  });

  it("points Claude Code's ANTHROPIC_BASE_URL at the runner's model proxy", async () => {
    const runner = makeRunner(1, { modelBaseUrl: (id) => `http://127.0.0.1:4000/x/${id}` });
    runner.offer(job(1));
    await waitFor(() => runs.length === 1, 'the agent to start');
    expect(runs[0]!.job.env).toMatchObject({ ANTHROPIC_BASE_URL: `http://127.0.0.1:4000/x/${executionId(1)}` });
  });

  it("asks the execution's hub for each model call's permit; a refusal is recorded and cancels the run", async () => {
    const runner = makeRunner();
    expect(runner.proxiedExecution(executionId(1))).toBeUndefined();
    runner.offer(job(1));
    await waitFor(() => runs.length === 1, 'the agent to start');
    const stream = streams.get(executionId(1))!;
    const calls = runner.proxiedExecution(executionId(1))!;
    const allowed = calls.requestPermit(new AbortController().signal);
    stream.answerPermit({ allowed: true, reason: null });
    expect(await allowed).toEqual({ allowed: true, reason: null });

    const reason = 'budget global: hard limit $5.00 reached ($5.12 spent this day)';
    const refused = calls.requestPermit(new AbortController().signal);
    stream.answerPermit({ allowed: false, reason });
    expect(await refused).toEqual({ allowed: false, reason });
    // Recorded, and the run cancelled for its budget at once (the hub's own cancel changes nothing); the final status
    // says which budget.
    expect(runs[0]!.cancels).toEqual(['budget']);
    stream.handlers.onCancel('budget');
    await waitFor(() => stream.statuses().length === 2, 'the final status');
    expect(runs[0]!.cancels).toEqual(['budget']);
    expect(stream.events.slice(-2)).toMatchObject([
      { type: 'log', data: { level: 'warn', message: `ClaudeOps refused a model call: ${reason}` } },
      { type: 'status', data: { status: 'cancelled', reason: `cancelled: ${reason}` } },
    ]);
    // A run on its way out asks the hub nothing more.
    expect(await calls.requestPermit(new AbortController().signal)).toMatchObject({ allowed: false });
    expect(stream.permits).toHaveLength(0);
  });

  it('names the budget of a hard alert in the status of a budget cancel', async () => {
    const runner = makeRunner();
    runner.offer(job(1));
    await waitFor(() => runs.length === 1, 'the agent to start');
    const stream = streams.get(executionId(1))!;
    stream.handlers.onAlert!({ scope: 'label:gpu', level: 'soft', spentUsd: 3, limitUsd: 3, alertId: 'a1' });
    stream.handlers.onAlert!({ scope: 'label:gpu', level: 'hard', spentUsd: 4.2, limitUsd: 4, alertId: 'a2' });
    stream.handlers.onCancel('budget');
    await waitFor(() => stream.statuses().length === 2, 'the final status');
    expect(stream.statuses()[1]).toEqual({
      status: 'cancelled',
      reason: 'cancelled: budget label:gpu: hard limit $4.00 reached ($4.20 spent)',
    });
  });
});
