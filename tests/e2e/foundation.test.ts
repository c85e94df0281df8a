// The foundation, end to end on real parts: the control plane under wrangler dev, the real runner process, the real
// Claude Code CLI against the scripted Anthropic API, viewers on the event socket, and a proxy that cuts sockets.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ExecutionEvent } from '@claudeops/control-plane/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processesIn } from '../fixtures/processes';
import type { RunnerProcess } from '../fixtures/runner-process';
import { type Stack, startStack } from '../fixtures/stack';
import { assertContiguous, chattySteps, Viewer } from '../fixtures/viewer';
import { waitFor } from '../fixtures/wait';

const MODEL = 'claude-sonnet-4-5';
let stack: Stack;
let runner: RunnerProcess;

beforeAll(async () => {
  stack = await startStack({ controlPlane: { heartbeatIntervalMs: 2_000 } });
  // A short keepalive so a silently stalled socket is noticed within the test's patience.
  runner = await stack.startRunner({ maxConcurrent: 2, env: { CLAUDEOPS_RUNNER_KEEPALIVE_MS: '1000' } });
});

afterAll(async () => {
  await stack?.dispose();
});

const ofType = <T extends ExecutionEvent['type']>(events: ExecutionEvent[], type: T) =>
  events.filter((event): event is Extract<ExecutionEvent, { type: T }> => event.type === type);

describe('one Claude Code execution, end to end', () => {
  it('writes a file through a Bash tool call and succeeds with Claude Code’s own cost stored', async () => {
    const created = await stack.api.createExecution({
      prompt: 'Write hello.txt please [script:write-file:hello.txt]',
      model: MODEL,
    });
    expect(created.status).toBe('queued');

    const done = await stack.waitForEnd(created.id);
    expect(done.status).toBe('succeeded');
    expect(done.runnerId).not.toBeNull();
    expect(done.startedAt).not.toBeNull();
    expect(done.finishedAt).not.toBeNull();

    const written = await readFile(path.join(runner.workspacesDir, created.id, 'hello.txt'), 'utf8');
    expect(written.trim()).toBe('hello from claudeops');

    const events = await stack.api.allEvents(created.id);
    assertContiguous(events);
    expect(ofType(events, 'status').map((e) => e.data.status)).toEqual(['running', 'succeeded']);
    expect(ofType(events, 'system.init')[0]?.data.model).toBe(MODEL);
    const call = ofType(events, 'tool.call').find((e) => e.data.name === 'Bash');
    expect(call?.data.input).toMatchObject({ command: expect.stringContaining('hello.txt') });
    expect(ofType(events, 'tool.result').find((e) => e.data.toolUseId === call?.data.toolUseId)?.data.isError).toBe(
      false,
    );
    // Two API messages, each counted once although Claude Code repeats the usage per content block.
    expect(ofType(events, 'usage').map((e) => e.data.outputTokens)).toEqual([80, 25]);
    const [result] = ofType(events, 'result');
    expect(result?.data.totalCostUsd).toBeGreaterThan(0);
    expect(done.costUsd).toBe(result?.data.totalCostUsd);
    expect(done.result?.totalCostUsd).toBe(result?.data.totalCostUsd);
    expect(done.result?.text).toContain('hello.txt');
  });

  it('shows two viewers, one joining late, the identical gap-free sequence of a long chatty run', async () => {
    const created = await stack.api.createExecution({ prompt: 'Chat a lot [script:chatty:120]', model: MODEL });
    const early = new Viewer(stack.controlPlane.url, stack.controlPlane.adminToken, created.id);
    await early.connect(0);
    await early.waitForEvent((event) => event.type === 'tool.call' && event.seq > 60);

    const late = new Viewer(stack.controlPlane.url, stack.controlPlane.adminToken, created.id);
    await late.connect(0);
    expect(late.events.length).toBeGreaterThan(60);

    const done = await stack.waitForEnd(created.id);
    expect(done.status).toBe('succeeded');
    const stored = await stack.api.allEvents(created.id);
    const total = assertContiguous(stored);
    await waitFor(() => early.lastSeq === total && late.lastSeq === total, { what: 'both viewers to catch up' });
    early.disconnect();
    late.disconnect();

    assertContiguous(early.events);
    assertContiguous(late.events);
    expect(late.events).toEqual(early.events);
    expect(early.events).toEqual(stored);
    expect(ofType(stored, 'tool.call')).toHaveLength(120);
  });

  it('cancels mid-run: no Claude Code process is left and no further model call is made', async () => {
    const created = await stack.api.createExecution({ prompt: 'Take your time [script:slow]', model: MODEL });
    // The second turn is held open by the scripted API: Claude Code is mid-call when the cancel lands.
    const held = await stack.anthropic.waitForRequest((r) => r.script === 'slow' && r.turn === 1, 120_000);
    const workspace = path.join(runner.workspacesDir, created.id);
    expect((await processesIn(workspace)).length).toBeGreaterThan(0);

    const res = await stack.api.cancel(created.id);
    expect(res.status).toBe(202);
    expect((await stack.api.cancel(created.id)).status).toBe(202);

    const done = await stack.waitForEnd(created.id);
    expect(done.status).toBe('cancelled');
    expect(done.cancelReason).toBe('user');
    await waitFor(async () => (await processesIn(workspace)).length === 0, { what: 'Claude Code to be gone' });

    const calls = stack.anthropic.requests.filter((r) => r.sessionId === held.sessionId);
    expect(calls.at(-1)?.index).toBe(held.index);
    expect(held.completed).toBe(false);
    const events = await stack.api.allEvents(created.id);
    assertContiguous(events);
    expect(events.at(-1)).toMatchObject({ type: 'status', data: { status: 'cancelled' } });
    expect((await stack.api.cancel(created.id)).status).toBe(409);
  });

  it('loses and doubles nothing when the runner’s sockets are cut mid-run', async () => {
    const steps = 200;
    const created = await stack.api.createExecution({ prompt: `Chat [script:chatty:${steps}]`, model: MODEL });
    const viewer = new Viewer(stack.controlPlane.url, stack.controlPlane.adminToken, created.id);
    await viewer.connect(0);

    const acceptedBefore = stack.proxy.accepted;
    for (const cutAt of [40, 180, 400]) {
      await viewer.waitForEvent((event) => event.seq >= cutAt, 120_000);
      expect(stack.proxy.cutAll()).toBeGreaterThan(0);
    }

    const done = await stack.waitForEnd(created.id, 180_000);
    expect(done.status).toBe('succeeded');
    expect(stack.proxy.accepted).toBeGreaterThan(acceptedBefore);

    const stored = await stack.api.allEvents(created.id);
    const total = assertContiguous(stored);
    await waitFor(() => viewer.lastSeq === total, { what: 'the viewer to catch up' });
    viewer.disconnect();
    assertContiguous(viewer.events);
    expect(viewer.events).toEqual(stored);

    // Every step of the run is there exactly once.
    const steps_ = chattySteps(stored);
    expect(steps_).toEqual(Array.from({ length: steps }, (_, i) => i + 1));
    expect(ofType(stored, 'tool.result')).toHaveLength(steps);
    expect(ofType(stored, 'result')).toHaveLength(1);
  });

  it('notices a silently stalled network (no FIN, no reset), reconnects and loses nothing', async () => {
    const steps = 60;
    const created = await stack.api.createExecution({ prompt: `Chat [script:chatty:${steps}]`, model: MODEL });
    const viewer = new Viewer(stack.controlPlane.url, stack.controlPlane.adminToken, created.id);
    await viewer.connect(0);
    await viewer.waitForEvent((event) => event.seq >= 30, 120_000);
    const acceptedBefore = stack.proxy.accepted;
    expect(stack.proxy.freezeAll()).toBeGreaterThan(0);

    const done = await stack.waitForEnd(created.id, 180_000);
    expect(done.status).toBe('succeeded');
    expect(stack.proxy.accepted).toBeGreaterThan(acceptedBefore);
    const stored = await stack.api.allEvents(created.id);
    const total = assertContiguous(stored);
    await waitFor(() => viewer.lastSeq === total, { what: 'the viewer to catch up' });
    viewer.disconnect();
    expect(viewer.events).toEqual(stored);
    expect(ofType(stored, 'tool.result')).toHaveLength(steps);
  });
});
