// The hub's own breakpoints inside workerd: an execution created with a turn or cost breakpoint is offered to its
// runner with it, and the hub pauses it (exec.pause, reason breakpoint) once the runner's usage events cross it,
// once per rule; the runner's `status: paused` then shows the breakpoint in the API.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { Execution, type Breakpoint } from '../src/protocol';
import { api } from './api-support';
import {
  connectHubRunner,
  eventually,
  executionRow,
  logEvent,
  sendBatch,
  statusEvent,
  uniqueLabel,
} from './do-support';
import { helloRunner } from './fleet-support';
import { usageData, usageEvent } from './hub-support';
import { getExecution, pausedEvent, resumeExecution, unreadOf } from './supervision-support';

const MODEL = 'claude-sonnet-4-5-20250929';
/** 100k input tokens of Sonnet 4.5: $0.30. */
const thirtyCents = () => usageData(MODEL, { inputTokens: 100_000 });

/** Creates an execution with `breakpoints` through the API, has a runner take it from the Fleet and report it
 * running on its hub. */
async function runningWith(breakpoints: Breakpoint[]) {
  const label = uniqueLabel();
  const created = await api('/api/v1/executions', {
    method: 'POST',
    body: { prompt: 'refactor the parser', labels: [label], breakpoints },
  });
  expect(created.status).toBe(201);
  const { id } = Execution.parse(await created.json());
  const fleet = env.FLEET.get(env.FLEET.idFromName('global'));
  const holder = await helloRunner(fleet, { labels: [label] });
  const offer = await holder.socket.next('job.offer');
  expect(offer.job).toMatchObject({ executionId: id, breakpoints });
  holder.socket.send({ type: 'job.accept', executionId: id });
  await eventually(async () => expect((await executionRow(id))?.status).toBe('assigned'));
  const runner = await connectHubRunner(id);
  await runner.next('exec.welcome');
  await sendBatch(runner, [statusEvent(1, 'running')]);
  return { id, runner, holder };
}

describe('breakpoints the hub checks', () => {
  it('pauses once the turns pass turnsOver, once only', async () => {
    const { id, runner, holder } = await runningWith([{ turnsOver: 1 }]);
    await sendBatch(runner, [usageEvent(2, thirtyCents())]);
    // One turn is not over one: the next batch's ack comes with no pause before it.
    await sendBatch(runner, [logEvent(3)]);
    expect(unreadOf(runner, 'exec.pause')).toEqual([]);

    await sendBatch(runner, [usageEvent(4, thirtyCents())]);
    const pause = await runner.next('exec.pause');
    expect(pause).toEqual({
      type: 'exec.pause',
      reason: 'breakpoint',
      message: 'breakpoint turnsOver 1 reached: 2 turns',
    });
    runner.send({ type: 'exec.permit', requestId: 'turn-3' });
    await sendBatch(runner, [pausedEvent(5, 'breakpoint', { reason: pause.message! })]);
    expect(unreadOf(runner, 'exec.permit.result')).toEqual([]);
    await eventually(async () =>
      expect(await getExecution(id)).toMatchObject({
        status: 'paused',
        pausedReason: 'breakpoint',
        pauseMessage: 'breakpoint turnsOver 1 reached: 2 turns',
      }),
    );

    expect((await resumeExecution(id)).status).toBe(200);
    await runner.next('exec.resume');
    expect(await runner.next('exec.permit.result')).toMatchObject({ requestId: 'turn-3', allowed: true });
    await sendBatch(runner, [statusEvent(6, 'running'), usageEvent(7, thirtyCents())]);
    await sendBatch(runner, [usageEvent(8, thirtyCents())]);
    await sendBatch(runner, [logEvent(9)]);
    // The rule fired already: more turns do not pause again.
    expect(unreadOf(runner, 'exec.pause')).toEqual([]);
    holder.socket.close();
  });

  it('pauses once the cost passes costOverUsd, once only', async () => {
    const { runner, holder } = await runningWith([{ costOverUsd: 0.5 }, { onTool: 'Bash(git push:*)' }]);
    await sendBatch(runner, [usageEvent(2, thirtyCents())]);
    await sendBatch(runner, [logEvent(3)]);
    expect(unreadOf(runner, 'exec.pause')).toEqual([]);

    await sendBatch(runner, [usageEvent(4, thirtyCents())]);
    const pause = await runner.next('exec.pause');
    expect(pause).toMatchObject({ type: 'exec.pause', reason: 'breakpoint' });
    expect(pause.message).toMatch(/^breakpoint costOverUsd 0\.5 reached: the cost is \$0\.6/);

    await sendBatch(runner, [usageEvent(5, thirtyCents())]);
    await sendBatch(runner, [logEvent(6)]);
    expect(unreadOf(runner, 'exec.pause')).toEqual([]);
    holder.socket.close();
  });
});
