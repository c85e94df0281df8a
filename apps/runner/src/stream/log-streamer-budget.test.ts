// Unit tests of the log streamer's budget side against a loopback hub: model-call permits and relayed budget alerts.
import { afterEach, describe, expect, it } from 'vitest';
import type { EventData, EventDraft } from '@claudeops/control-plane/protocol';
import { FakeHub } from '../testing/fake-hub';
import { LogStreamer } from './log-streamer';
import type { PermitAnswer } from '../proxy/model-proxy';
import { executionId, FAST_BACKOFF, waitFor } from '../testing/test-helpers';

let hub: FakeHub;
let streamer: LogStreamer | undefined;
let alerts: Array<EventData<'budget.alert'>>;

async function setup(flushMs?: number): Promise<LogStreamer> {
  hub = new FakeHub();
  await hub.start();
  alerts = [];
  streamer = new LogStreamer({
    url: hub.server.url,
    token: 'cor_test-token',
    executionId: executionId(1),
    backoff: FAST_BACKOFF,
    ...(flushMs !== undefined && { flushMs }),
    handlers: { onCancel: () => undefined, onClosed: () => undefined, onAlert: (alert) => alerts.push(alert) },
  });
  return streamer;
}

/** A permit question whose answer can be looked at before it arrives. */
function ask(s: LogStreamer, signal?: AbortSignal): { answer: PermitAnswer | null; done: Promise<PermitAnswer> } {
  const pending: { answer: PermitAnswer | null; done: Promise<PermitAnswer> } = { answer: null, done: null! };
  pending.done = s.requestPermit(signal).then((answer) => (pending.answer = answer));
  return pending;
}

const text = (n: number): EventDraft => ({
  type: 'assistant.text',
  ts: new Date().toISOString(),
  data: { messageId: 'msg_1', text: `line ${n}` },
});

const alert = (alertId: string, level: 'soft' | 'hard' = 'soft'): EventData<'budget.alert'> => ({
  scope: 'global',
  level,
  spentUsd: 4.2,
  limitUsd: 4,
  alertId,
});

afterEach(async () => {
  streamer?.stop();
  streamer = undefined;
  await hub?.server.close();
});

describe('LogStreamer permits', () => {
  it('asks the hub once per call with a fresh requestId and resolves with its answer', async () => {
    const s = await setup();
    s.start();
    await waitFor(() => hub.sockets.length === 1, 'the connection');
    const first = ask(s);
    const second = ask(s);
    await waitFor(() => hub.permitIds().length === 2, 'two permit questions');
    const [id1, id2] = hub.permitIds();
    expect(id1).not.toBe(id2);
    hub.answerPermit(id2!, false, 'budget global: hard limit $5.00 reached ($5.12 spent this day)');
    hub.answerPermit(id1!, true);
    hub.answerPermit(id1!, false, 'a repeated answer is ignored');
    hub.answerPermit('unknown', false, 'nobody asked');
    expect(await first.done).toEqual({ allowed: true, reason: null });
    expect(await second.done).toEqual({
      allowed: false,
      reason: 'budget global: hard limit $5.00 reached ($5.12 spent this day)',
    });
  });

  it('sends the events emitted so far before the question, so the hub judges with every usage', async () => {
    const s = await setup(3_600_000);
    s.start();
    s.emit(text(1));
    await s.drained(); // welcomed; from now on only a full batch or the hour-long timer would send events
    s.emit(text(2));
    s.emit(text(3));
    const pending = ask(s);
    await waitFor(() => hub.permitIds().length === 1, 'the permit question');
    expect(hub.permits[0]).toEqual([{ requestId: hub.permitIds()[0], storedBefore: 3 }]);
    hub.answerPermit(hub.permitIds()[0]!, true);
    expect(await pending.done).toEqual({ allowed: true, reason: null });
  });

  it('waits while the hub is out of reach and asks again, same requestId, after each reconnect', async () => {
    const s = await setup();
    hub.refuseWith = 503;
    s.start();
    const pending = ask(s);
    await waitFor(() => hub.upgrades.length >= 3, 'refused connection attempts');
    expect(pending.answer).toBeNull();
    hub.refuseWith = null;
    await waitFor(() => hub.permitIds().length === 1, 'the question after the first welcome');
    const [requestId] = hub.permitIds();
    hub.last.terminate(); // the socket drops before the hub answers
    await waitFor(() => hub.permitIds().length === 2, 'the question after the reconnect');
    expect(hub.permitIds()).toEqual([requestId, requestId]);
    expect(hub.permits.at(-1)).toHaveLength(1);
    expect(pending.answer).toBeNull();
    hub.answerPermit(requestId!, true);
    expect(await pending.done).toEqual({ allowed: true, reason: null });
  });

  it('refuses what is waiting when the hub closes the log, and everything asked after stop()', async () => {
    const s = await setup();
    s.start();
    await waitFor(() => hub.sockets.length === 1, 'the connection');
    const pending = ask(s);
    await waitFor(() => hub.permitIds().length === 1, 'the permit question');
    hub.send({ type: 'exec.closed', status: 'cancelled', ackedSeq: 0 });
    expect(await pending.done).toMatchObject({ allowed: false, reason: expect.stringContaining('ended') });
    s.stop();
    expect(await s.requestPermit()).toMatchObject({ allowed: false });
  });

  it('forgets a question its caller abandoned and refuses it', async () => {
    const s = await setup();
    s.start();
    await waitFor(() => hub.sockets.length === 1, 'the connection');
    const gone = new AbortController();
    const pending = ask(s, gone.signal);
    await waitFor(() => hub.permitIds().length === 1, 'the permit question');
    gone.abort();
    expect(await pending.done).toEqual({ allowed: false, reason: 'the model call was abandoned' });
    hub.last.terminate();
    await waitFor(() => hub.sockets.length === 2, 'the reconnect');
    const next = ask(s);
    await waitFor(() => hub.permitIds().length >= 2, 'the next question');
    const [abandoned, asked] = hub.permitIds();
    expect(asked).not.toBe(abandoned);
    hub.answerPermit(asked!, true);
    expect(await next.done).toEqual({ allowed: true, reason: null });
    expect(hub.permitIds()).toHaveLength(2);
  });
});

describe('LogStreamer budget alerts', () => {
  it('records each relayed alert once as a budget.alert event, however often and on whatever socket it comes', async () => {
    const s = await setup();
    s.start();
    await waitFor(() => hub.sockets.length === 1, 'the connection');
    hub.send({ type: 'exec.alert', alert: alert('al_1') });
    hub.send({ type: 'exec.alert', alert: alert('al_1') });
    hub.send({ type: 'exec.alert', alert: alert('al_2', 'hard') });
    await waitFor(() => hub.stored.length === 2, 'two stored alerts');
    hub.last.terminate();
    await waitFor(() => hub.sockets.length === 2, 'the reconnect');
    hub.send({ type: 'exec.alert', alert: alert('al_2', 'hard') });
    hub.send({ type: 'exec.alert', alert: alert('al_1') });
    // Frames are handled in order: once this one is stored, the repeats before it have been handled.
    hub.send({ type: 'exec.alert', alert: alert('al_3') });
    await waitFor(() => hub.stored.length >= 3, 'the third alert');
    s.emit(text(1));
    await s.drained();
    expect(hub.stored.map((event) => [event.type, event.data])).toEqual([
      ['budget.alert', alert('al_1')],
      ['budget.alert', alert('al_2', 'hard')],
      ['budget.alert', alert('al_3')],
      ['assistant.text', text(1).data],
    ]);
    expect(alerts.map((a) => a.alertId)).toEqual(['al_1', 'al_2', 'al_3']);
  });
});
