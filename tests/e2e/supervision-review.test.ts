// Checks and the reviewer end to end, with the real Claude Code and runner and the scripted model: a failing check
// leaves the run in needs_review for a person (accept; feedback as a follow-up), a scripted reviewer scoring low
// gates a run or sends its findings back (retry) until it passes, and a reviewer on a local model endpoint costs $0.
import type { Execution, ExecutionEvent } from '@claudeops/control-plane/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../fixtures/stack';

const MODEL = 'claude-sonnet-4-5';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
  // The scripted API doubles as the runner's "local model" (it speaks the same /v1/messages).
  await stack.startRunner({
    maxConcurrent: 2,
    env: { CLAUDEOPS_RUNNER_LOCAL_MODEL_URL: stack.anthropic.url },
  });
});

afterAll(async () => {
  await stack?.dispose();
});

const ofType = <T extends ExecutionEvent['type']>(events: ExecutionEvent[], type: T) =>
  events.filter((e): e is Extract<ExecutionEvent, { type: T }> => e.type === type);

async function post<T>(path: string, body: unknown): Promise<T> {
  const response = await stack.api.request('POST', path, body);
  const json = (await response.json()) as T;
  if (!response.ok) throw new Error(`POST ${path}: HTTP ${response.status} ${JSON.stringify(json)}`);
  return json;
}

const needsReview = (id: string) => stack.waitForStatus(id, (e) => e.status === 'needs_review');

describe('checks', () => {
  it('a failing check ends in needs_review with its exit code and output; accepting it succeeds', async () => {
    const created = await stack.api.createExecution({
      prompt: 'Write the greeting [script:write-file:hello.txt]',
      model: MODEL,
      checks: ['test -s hello.txt', "echo 'lint: 2 problems' >&2; exit 3"],
    });
    const waiting = await needsReview(created.id);
    expect(waiting.statusReason).toContain('exited 3');
    expect(waiting.finishedAt).toBeNull();
    const checks = ofType(await stack.api.allEvents(created.id), 'check');
    expect(checks.map((c) => [c.data.command, c.data.exitCode])).toEqual([
      ['test -s hello.txt', 0],
      ["echo 'lint: 2 problems' >&2; exit 3", 3],
    ]);
    expect(checks[1]!.data.outputTail).toContain('lint: 2 problems');

    const decided = await post<{ execution: Execution; followup: Execution | null }>(
      `/api/v1/executions/${created.id}/review`,
      { decision: 'accept', message: 'lint is known to be noisy' },
    );
    expect(decided.execution).toMatchObject({ status: 'succeeded', statusReason: expect.stringContaining('accepted') });
    expect(decided.followup).toBeNull();
    // Decided once: a second decision is refused.
    const again = await stack.api.request('POST', `/api/v1/executions/${created.id}/review`, { decision: 'reject' });
    expect(again.status).toBe(409);
  });

  it('feedback on a needs_review run fails it and goes on as a follow-up that resumes the session', async () => {
    const created = await stack.api.createExecution({
      prompt: 'Write the greeting [script:write-file:greet.txt]',
      model: MODEL,
      checks: ['false'],
    });
    await needsReview(created.id);
    const decided = await post<{ execution: Execution; followup: Execution | null }>(
      `/api/v1/executions/${created.id}/review`,
      { decision: 'feedback', message: 'Please also write bye.txt' },
    );
    expect(decided.execution.status).toBe('failed');
    expect(decided.followup).toMatchObject({ prompt: 'Please also write bye.txt', followupOf: created.id });
    // The follow-up runs (its checks again) in the same session and workspace.
    const followup = await stack.waitForStatus(decided.followup!.id, (e) => e.status === 'needs_review');
    expect(followup.conversationId).toBe(created.id);
  });
});

describe('the reviewer', () => {
  it('gate: a low confidence ends in needs_review with the verdict on the execution', async () => {
    const created = await stack.api.createExecution({
      prompt: 'Write the greeting [script:write-file:gate.txt] [review:0.4]',
      model: MODEL,
      review: { threshold: 0.7, mode: 'gate' },
    });
    const waiting = await needsReview(created.id);
    expect(waiting.reviewResult).toMatchObject({
      outcome: 'needs_review',
      endpoint: 'claude',
      verdict: { confidence: 0.4, verdict: 'fail', findings: [{ severity: 'high', file: 'hello.txt' }] },
    });
    const events = await stack.api.allEvents(created.id);
    // The reviewer's call is priced and charged like the agent's.
    const reviewerUsage = ofType(events, 'usage').at(-1)!;
    expect(reviewerUsage.data.costUsd).toBeGreaterThan(0);
    const rejected = await post<{ execution: Execution }>(`/api/v1/executions/${created.id}/review`, {
      decision: 'reject',
    });
    expect(rejected.execution.status).toBe('failed');
  });

  it('retry: the findings go back to the agent until the reviewer passes the work', async () => {
    const created = await stack.api.createExecution({
      prompt: 'Write the greeting [script:write-file:retry.txt] [review:0.3:0.9]',
      model: MODEL,
      review: { threshold: 0.7, mode: 'retry', maxRetries: 2 },
    });
    const ended = await stack.waitForEnd(created.id);
    expect(ended.status).toBe('succeeded');
    const events = await stack.api.allEvents(created.id);
    expect(ofType(events, 'review').map((r) => [r.data.round, r.data.outcome])).toEqual([
      [0, 'retry'],
      [1, 'pass'],
    ]);
    const feedback = ofType(events, 'user.message');
    expect(feedback).toHaveLength(1);
    expect(feedback[0]!.data).toMatchObject({ from: 'reviewer' });
    expect(feedback[0]!.data.text).toContain('must end with a newline');
    // The agent answered the feedback in the same session: two results.
    expect(ofType(events, 'result')).toHaveLength(2);
  });

  it("a reviewer on the runner host's local model endpoint is recorded at $0", async () => {
    const created = await stack.api.createExecution({
      prompt: 'Write the greeting [script:write-file:local.txt] [review:0.95]',
      model: MODEL,
      review: { endpoint: 'local', model: 'qwen2.5-coder', mode: 'gate' },
    });
    const ended = await stack.waitForEnd(created.id);
    expect(ended.status).toBe('succeeded');
    expect(ended.reviewResult).toMatchObject({ endpoint: 'local', outcome: 'pass', model: 'qwen2.5-coder' });
    const local = ofType(await stack.api.allEvents(created.id), 'usage').find((u) => u.data.model.startsWith('local:'));
    expect(local?.data).toMatchObject({ model: 'local:qwen2.5-coder', costUsd: 0 });
    expect(local!.data.inputTokens).toBeGreaterThan(0);
    const request = stack.anthropic.requests.find((r) => r.model === 'qwen2.5-coder');
    // It went straight to the local endpoint: no credential of the runner's was added.
    expect(request?.credential.apiKey).not.toBe('sk-ant-test-offline');
  });
});
