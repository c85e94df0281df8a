// Network and control-plane faults, end to end: the runner's sockets cut at random points of a run of thousands of
// events, many times, and the control plane killed and restarted mid-run. Every event must arrive once, in order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../fixtures/stack';
import { assertContiguous, chattySteps, Viewer } from '../fixtures/viewer';
import { waitFor } from '../fixtures/wait';

const MODEL = 'claude-sonnet-4-5';
let stack: Stack;

beforeAll(async () => {
  // Production heartbeat (10 s, lease 30 s): a restart of the control plane must not cost the run its lease.
  stack = await startStack();
  await stack.startRunner({ env: { CLAUDEOPS_RUNNER_KEEPALIVE_MS: '2000' } });
});

afterAll(async () => {
  await stack?.dispose();
});

/** A small seeded generator, so a failing run can be replayed with the seed it printed. */
function mulberry32(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('faults between the runner and the control plane', () => {
  it('delivers every event of a run of thousands once, in order, through many socket cuts at random points', async () => {
    const steps = 700;
    const seed = Number(process.env.CLAUDEOPS_FAULT_SEED ?? Date.now() % 100_000);
    console.log(`socket-cut seed ${seed} (set CLAUDEOPS_FAULT_SEED to replay)`);
    const random = mulberry32(seed);
    const cuts = Array.from({ length: 15 }, () => Math.floor(50 + random() * steps * 4 * 0.9)).sort((a, b) => a - b);

    const created = await stack.api.createExecution({ prompt: `Chat [script:chatty:${steps}]`, model: MODEL });
    const viewer = new Viewer(stack.controlPlane.url, stack.controlPlane.adminToken, created.id);
    await viewer.connect(0);
    let made = 0;
    for (const at of cuts) {
      await viewer.waitForEvent((event) => event.seq >= at, 180_000);
      if (stack.proxy.cutAll() > 0) made += 1;
    }
    expect(made).toBeGreaterThanOrEqual(10);

    const done = await stack.waitForEnd(created.id, 300_000);
    expect(done.status).toBe('succeeded');
    const stored = await stack.api.allEvents(created.id);
    const total = assertContiguous(stored);
    expect(total).toBeGreaterThan(2_000);
    await waitFor(() => viewer.lastSeq === total, { what: 'the viewer to catch up' });
    viewer.disconnect();
    expect(viewer.events).toEqual(stored);
    expect(chattySteps(stored)).toEqual(Array.from({ length: steps }, (_, i) => i + 1));
  });

  it('finishes a run, losing nothing, when the control plane is killed and restarted in the middle of it', async () => {
    const steps = 300;
    const created = await stack.api.createExecution({ prompt: `Chat [script:chatty:${steps}]`, model: MODEL });
    const viewer = new Viewer(stack.controlPlane.url, stack.controlPlane.adminToken, created.id);
    await viewer.connect(0);
    await viewer.waitForEvent((event) => event.seq >= 300, 120_000);

    await stack.restartControlPlane();
    viewer.disconnect();
    await viewer.connect(); // resumes after the last seq it saw

    const done = await stack.waitForEnd(created.id, 300_000);
    expect(done.status).toBe('succeeded');
    expect(done.attempt).toBe(1);
    const stored = await stack.api.allEvents(created.id);
    const total = assertContiguous(stored);
    await waitFor(() => viewer.lastSeq === total, { what: 'the viewer to catch up' });
    viewer.disconnect();
    assertContiguous(viewer.events);
    expect(viewer.events).toEqual(stored);
    expect(chattySteps(stored)).toEqual(Array.from({ length: steps }, (_, i) => i + 1));
  });
});
