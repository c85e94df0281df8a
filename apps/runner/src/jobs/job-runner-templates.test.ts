// Unit tests of the job runner with agent templates' options: runtime options reaching the agent, remote approvals
// through the stream's handlers, checked structured output, and the system health reporter with and without model
// credentials. A fake agent and a recording stream stand in for Claude Code and the hub.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  HealthReport,
  type EventData,
  type EventDraft,
  type Job,
  type PermissionPolicy,
} from '@claudeops/control-plane/protocol';
import type { AgentJob, AgentOutcome } from '../agent/agent';
import { FakeStream } from '../testing/fake-stream';
import { JobRunner, type StartAgent } from './job-runner';
import { executionId, TEST_SNAPSHOT, testJob, waitFor } from '../testing/test-helpers';

interface FakeRun {
  job: AgentJob;
  emit: (draft: EventDraft) => void;
  finish: (outcome: AgentOutcome) => void;
}

let dir: string;
let streams: Map<string, FakeStream>;
let runs: FakeRun[];

const fakeAgent: StartAgent = (job, emit) => {
  let finish!: (outcome: AgentOutcome) => void;
  const done = new Promise<AgentOutcome>((resolve) => (finish = resolve));
  runs.push({ job, emit, finish });
  return { done, pid: 4242, cancel: () => finish({ status: 'cancelled' }) };
};

function makeRunner(agentEnv: Record<string, string> = {}): JobRunner {
  return new JobRunner({
    maxConcurrent: 1,
    workspacesDir: join(dir, 'workspaces'),
    startAgent: fakeAgent,
    agentEnv,
    send: () => undefined,
    openStream: (id, handlers) => {
      const stream = new FakeStream(handlers);
      streams.set(id, stream);
      return stream;
    },
    collectHostSnapshot: async () => TEST_SNAPSHOT,
  });
}

/** Offers the job and returns its stream and the agent's run once it has started. */
async function start(runner: JobRunner, job: Job): Promise<{ stream: FakeStream; run: FakeRun }> {
  runner.offer(job);
  await waitFor(() => runs.length === 1, 'the agent to start');
  return { stream: streams.get(job.executionId)!, run: runs[0]! };
}

const resultDraft = (structured?: unknown): EventDraft => ({
  type: 'result',
  ts: new Date().toISOString(),
  data: {
    subtype: 'success',
    isError: false,
    text: 'done',
    totalCostUsd: 0.02,
    numTurns: 3,
    durationMs: 500,
    sessionId: 'sess',
    ...(structured === undefined ? {} : { structured }),
  },
});

const ofType = <T extends EventDraft['type']>(stream: FakeStream, type: T) =>
  stream.events.flatMap((event) => (event.type === type ? [event.data as EventData<T>] : []));

const analysis = {
  status: 'warn',
  summary: 'The root disk is nearly full.',
  findings: [{ severity: 'warn', area: 'disk', message: '/ is 93% full' }],
  recommendations: ['Clean up /var/log'],
};

/** What the SDK passes canUseTool alongside a call. */
const sdkContext = (toolUseID: string) => ({
  signal: new AbortController().signal,
  toolUseID,
  requestId: `req-${toolUseID}`,
});

const ANALYSIS_SCHEMA = { type: 'object', required: ['status', 'summary', 'findings', 'recommendations'] };
const CREDENTIALS = { ANTHROPIC_API_KEY: 'sk-ant-test' };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'claudeops-templates-'));
  streams = new Map();
  runs = [];
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('JobRunner with agent templates', () => {
  it("hands the template's runtime options and the policy's denies to the agent", async () => {
    const permissions: PermissionPolicy = { allow: ['Read'], ask: [], deny: ['Bash(rm:*)'] };
    const { run } = await start(
      makeRunner(),
      testJob(1, { permissions, tools: ['Read', 'Bash'], maxTurns: 4, appendSystemPrompt: 'Be brief.' }),
    );
    expect(run.job).toMatchObject({
      tools: ['Read', 'Bash'],
      maxTurns: 4,
      appendSystemPrompt: 'Be brief.',
      outputSchema: null,
      disallowedTools: ['Bash(rm:*)'],
    });
    expect(await run.job.canUseTool!('Bash', { command: 'rm -rf x' }, sdkContext('t'))).toMatchObject({
      behavior: 'deny',
    });
  });

  it('asks the hub about a tool call, and applies the decision the stream hands on', async () => {
    const { stream, run } = await start(makeRunner(), testJob(1, { permissions: { allow: [], ask: [], deny: [] } }));
    const answer = run.job.canUseTool!('Bash', { command: 'make' }, sdkContext('toolu_1'));
    await waitFor(() => ofType(stream, 'approval.requested').length === 1, 'the request');
    const { approvalId, pattern } = ofType(stream, 'approval.requested')[0]!;
    const decision = {
      approvalId,
      status: 'allowed',
      decision: 'allow',
      decidedBy: 'ada',
      message: null,
      remember: null,
      reason: null,
    } as const;
    stream.handlers.onApprovalResult!(decision, pattern);
    expect(await answer).toEqual({ behavior: 'allow', updatedInput: { command: 'make' } });
    expect(stream.statuses().map((s) => s.status)).toEqual(['running', 'awaiting_approval', 'running']);
  });

  it('denies waiting approvals when the run is cancelled, and ends cancelled without going back to running', async () => {
    const runner = makeRunner();
    const { stream, run } = await start(runner, testJob(1, { permissions: { allow: [], ask: [], deny: [] } }));
    const answer = run.job.canUseTool!('Bash', { command: 'make' }, sdkContext('t'));
    await waitFor(() => ofType(stream, 'approval.requested').length === 1, 'the request');
    runner.cancel(executionId(1), 'user');
    expect(await answer).toMatchObject({ behavior: 'deny', interrupt: true });
    await waitFor(() => stream.statuses().length === 3, 'the final status');
    expect(ofType(stream, 'approval.decided')[0]).toMatchObject({ status: 'cancelled', reason: 'cancelled by user' });
    expect(stream.statuses().map((s) => s.status)).toEqual(['running', 'awaiting_approval', 'cancelled']);
  });

  it('records valid structured output, and fails a run whose output does not match the schema', async () => {
    const schema = { type: 'object', required: ['answer'], properties: { answer: { type: 'integer' } } };
    const { stream, run } = await start(makeRunner(), testJob(1, { outputSchema: schema }));
    expect(run.job.outputSchema).toEqual(schema);
    run.emit(resultDraft({ answer: 'lots' }));
    run.finish({ status: 'succeeded' });
    await waitFor(() => stream.statuses().length === 2, 'the final status');
    expect(ofType(stream, 'result')[0]!.structured).toBeUndefined();
    expect(ofType(stream, 'log')[0]!.message).toContain('/answer must be integer');
    expect(stream.statuses()[1]).toEqual({
      status: 'failed',
      reason: 'the structured output does not match the output schema: /answer must be integer',
    });

    runs = [];
    const second = await start(makeRunner(), testJob(2, { outputSchema: schema }));
    second.run.emit(resultDraft({ answer: 42 }));
    second.run.finish({ status: 'succeeded' });
    await waitFor(() => second.stream.statuses().length === 2, 'the final status');
    expect(ofType(second.stream, 'result')[0]!.structured).toEqual({ answer: 42 });
    expect(second.stream.statuses()[1]).toEqual({ status: 'succeeded' });
  });

  it('without model credentials records the host snapshot and a plain "skipped" result, and never starts Claude Code', async () => {
    const runner = makeRunner({ ANTHROPIC_BASE_URL: 'http://127.0.0.1:1' });
    runner.offer(testJob(1, { hostSnapshot: true, tools: [], outputSchema: ANALYSIS_SCHEMA }));
    await waitFor(() => streams.get(executionId(1))?.statuses().length === 2, 'the final status');
    const stream = streams.get(executionId(1))!;
    expect(runs).toEqual([]);
    expect(stream.events.map((event) => event.type)).toEqual(['status', 'host.snapshot', 'result', 'status']);
    expect(ofType(stream, 'host.snapshot')[0]).toEqual({ snapshot: TEST_SNAPSHOT });
    const result = ofType(stream, 'result')[0]!;
    expect(result).toMatchObject({ subtype: 'success', isError: false, totalCostUsd: 0, numTurns: 0 });
    expect(result.text).toContain('Analysis skipped: the runner has no model credentials');
    expect(HealthReport.parse(result.structured)).toMatchObject({ analysis: 'skipped', snapshot: TEST_SNAPSHOT });
    expect(stream.statuses()[1]).toEqual({ status: 'succeeded' });
  });

  it('with credentials hands Claude the snapshot and records its analysis as a health report', async () => {
    const { stream, run } = await start(
      makeRunner(CREDENTIALS),
      testJob(1, { prompt: 'Check this host.', hostSnapshot: true, tools: [], outputSchema: ANALYSIS_SCHEMA }),
    );
    expect(run.job.prompt).toContain('Check this host.');
    expect(run.job.prompt).toContain('"hostname": "box"');
    expect(run.job.tools).toEqual([]);
    run.emit(resultDraft(analysis));
    run.finish({ status: 'succeeded' });
    await waitFor(() => stream.statuses().length === 2, 'the final status');
    const results = ofType(stream, 'result');
    expect(results).toHaveLength(1);
    expect(HealthReport.parse(results[0]!.structured)).toMatchObject({
      analysis: 'claude',
      status: 'warn',
      snapshot: TEST_SNAPSHOT,
    });
    expect(results[0]!.text).toContain('**Status: WARN**');
    expect(results[0]!.totalCostUsd).toBe(0.02);
    expect(stream.statuses()[1]).toEqual({ status: 'succeeded' });
  });
});
