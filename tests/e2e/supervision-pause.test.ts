// Pause and resume end to end, with the real Claude Code and runner and the scripted model: a person's pause holds
// the next model call until the resume; a budget in pause mode pauses its runs at the hard limit and raising the limit
// lets them finish; a 429 with retry-after pauses the run (rate_limited) and it resumes by itself; a breakpoint on a
// tool holds the call before it runs.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Execution, ExecutionEvent } from '@claudeops/control-plane/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pausableScript } from '../fixtures/anthropic-supervision-scripts';
import { putBudget } from '../fixtures/budgets';
import type { RunnerProcess } from '../fixtures/runner-process';
import { type Stack, startStack } from '../fixtures/stack';
import { waitFor } from '../fixtures/wait';

const MODEL = 'claude-sonnet-4-5';
const BUDGET_LABEL = 'budget-pause';

let releaseFirstTurn: () => void = () => undefined;
const firstTurnHeld = new Promise<void>((resolve) => (releaseFirstTurn = resolve));
/** Turn 0 (held until the test lets it go) runs a Bash echo; turn 1 answers. */
const pausable = pausableScript(firstTurnHeld);
let releaseReconnecting: () => void = () => undefined;
const reconnectingHeld = new Promise<void>((resolve) => (releaseReconnecting = resolve));

let stack: Stack;
let runner: RunnerProcess;

beforeAll(async () => {
  stack = await startStack({
    anthropic: { scripts: { pausable, 'pausable-reconnecting': pausableScript(reconnectingHeld) } },
  });
  runner = await stack.startRunner({ maxConcurrent: 2, labels: [BUDGET_LABEL] });
});

afterAll(async () => {
  await stack?.dispose();
});

const ofType = <T extends ExecutionEvent['type']>(events: ExecutionEvent[], type: T) =>
  events.filter((e): e is Extract<ExecutionEvent, { type: T }> => e.type === type);

async function post(path: string, body?: unknown): Promise<Execution> {
  const response = await stack.api.request('POST', path, body);
  const json = (await response.json()) as Execution;
  if (!response.ok) throw new Error(`POST ${path}: HTTP ${response.status} ${JSON.stringify(json)}`);
  return json;
}

const paused = (id: string) => stack.waitForStatus(id, (e) => e.status === 'paused');
const fileOf = (id: string, name: string) => path.join(runner.workspacesDir, id, name);

describe('pause and resume', () => {
  it('a paused run makes no model call until it is resumed, then finishes', async () => {
    const created = await stack.api.createExecution({ prompt: 'Pause me [script:pausable]', model: MODEL });
    await stack.anthropic.waitForRequest((r) => r.script === 'pausable' && r.turn === 0);
    await post(`/api/v1/executions/${created.id}/pause`, { message: 'checking something' });
    const held = await paused(created.id);
    expect(held).toMatchObject({ pausedReason: 'user', pauseMessage: 'checking something' });
    // The turn that was under way ends and its tool runs; the next model call is held at the permit gate.
    releaseFirstTurn();
    await waitFor(async () => ofType(await stack.api.allEvents(created.id), 'tool.result').length === 1 || undefined, {
      what: 'the tool result of the first turn',
    });
    expect(existsSync(fileOf(created.id, 'one.txt'))).toBe(true);
    expect((await stack.api.getExecution(created.id)).status).toBe('paused');
    expect(stack.anthropic.requests.filter((r) => r.script === 'pausable' && r.turn === 1)).toHaveLength(0);
    // Resuming a running execution is refused; resuming this one lets the held call go.
    const resumed = await post(`/api/v1/executions/${created.id}/resume`);
    expect(resumed.id).toBe(created.id);
    const ended = await stack.waitForEnd(created.id);
    expect(ended).toMatchObject({ status: 'succeeded', pausedReason: null });
    expect(stack.anthropic.requests.filter((r) => r.script === 'pausable' && r.turn === 1)).toHaveLength(1);
    const statuses = ofType(await stack.api.allEvents(created.id), 'status').map((e) => e.data.status);
    expect(statuses).toEqual(['running', 'paused', 'running', 'succeeded']);
    const again = await stack.api.request('POST', `/api/v1/executions/${created.id}/resume`);
    expect(again.status).toBe(409);
  });

  it("a paused run stays paused through its runner's sockets being cut, and loses no event", async () => {
    const created = await stack.api.createExecution({
      prompt: 'Pause me [script:pausable-reconnecting]',
      model: MODEL,
    });
    await stack.anthropic.waitForRequest((r) => r.script === 'pausable-reconnecting' && r.turn === 0);
    await post(`/api/v1/executions/${created.id}/pause`);
    await paused(created.id);
    // The runner's sockets drop; it reconnects, and the hub's welcome repeats the pause.
    expect(stack.proxy.cutAll()).toBeGreaterThan(0);
    releaseReconnecting();
    await waitFor(async () => ofType(await stack.api.allEvents(created.id), 'tool.result').length === 1 || undefined, {
      what: 'the tool result of the first turn',
    });
    stack.proxy.cutAll();
    expect((await stack.api.getExecution(created.id)).status).toBe('paused');
    const next = () => stack.anthropic.requests.filter((r) => r.script === 'pausable-reconnecting' && r.turn === 1);
    expect(next()).toHaveLength(0);
    await post(`/api/v1/executions/${created.id}/resume`);
    const ended = await stack.waitForEnd(created.id);
    expect(ended.status).toBe('succeeded');
    expect(next()).toHaveLength(1);
    const events = await stack.api.allEvents(created.id);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  });

  it('a budget in pause mode pauses its run at the hard limit; raising the limit lets it finish', async () => {
    const scope = `label:${BUDGET_LABEL}`;
    const budget = await putBudget(stack.api, scope, { period: 'day', hardLimitUsd: 0.4, onHardLimit: 'pause' });
    expect(budget.onHardLimit).toBe('pause');
    const created = await stack.api.createExecution({
      prompt: 'Spend [script:costly:4]',
      model: MODEL,
      labels: [BUDGET_LABEL],
    });
    const held = await paused(created.id);
    expect(held.pausedReason).toBe('budget');
    expect(held.pauseMessage).toContain(scope);
    const raised = await putBudget(stack.api, scope, { period: 'day', hardLimitUsd: 100 });
    // Unchanged when the body does not say: still pause mode.
    expect(raised.onHardLimit).toBe('pause');
    const ended = await stack.waitForEnd(created.id);
    expect(ended.status).toBe('succeeded');
    const events = await stack.api.allEvents(created.id);
    expect(ofType(events, 'status').map((e) => e.data.status)).toContain('paused');
    expect(ofType(events, 'result')).toHaveLength(1);
  });

  it('a 429 with retry-after pauses the run as rate_limited, and it resumes by itself and succeeds', async () => {
    const created = await stack.api.createExecution({ prompt: 'Rate limited [script:rate-limited:1]', model: MODEL });
    const ended = await stack.waitForEnd(created.id);
    expect(ended.status).toBe('succeeded');
    const events = await stack.api.allEvents(created.id);
    const pause = ofType(events, 'status').find((e) => e.data.status === 'paused');
    expect(pause?.data).toMatchObject({ pausedReason: 'rate_limited', resumeAt: expect.any(String) });
    expect(ofType(events, 'status').map((e) => e.data.status)).toEqual(['running', 'paused', 'running', 'succeeded']);
    expect(existsSync(fileOf(created.id, 'limited.txt'))).toBe(true);
    // The proxy retried the same call: Claude Code never saw the 429.
    const calls = stack.anthropic.requests.filter((r) => r.script === 'rate-limited' && r.turn === 0);
    expect(calls).toHaveLength(2);
  });

  it('a breakpoint on a tool pauses the run before the call runs; the resume lets it run', async () => {
    const created = await stack.api.createExecution({
      prompt: 'Write [script:write-file:bp.txt]',
      model: MODEL,
      breakpoints: [{ onTool: 'Bash(echo:*)' }],
    });
    const held = await paused(created.id);
    expect(held.pausedReason).toBe('breakpoint');
    expect(held.pauseMessage).toContain('onTool Bash(echo:*)');
    expect(existsSync(fileOf(created.id, 'bp.txt'))).toBe(false);
    await post(`/api/v1/executions/${created.id}/resume`);
    const ended = await stack.waitForEnd(created.id);
    expect(ended.status).toBe('succeeded');
    expect(existsSync(fileOf(created.id, 'bp.txt'))).toBe(true);
  });
});
