// Unit test of the log streamer's trust in the hub's welcome: an ackedSeq beyond the runner's own last event is
// refused (the socket closed, dialled again), never taken as a reason to forget events it has not delivered.
import { afterEach, describe, expect, it } from 'vitest';
import type { EventDraft } from '@claudeops/control-plane/protocol';
import { FakeHub } from '../testing/fake-hub';
import { executionId, FAST_BACKOFF, waitFor } from '../testing/test-helpers';
import { LogStreamer } from './log-streamer';

const text = (n: number): EventDraft => ({
  type: 'assistant.text',
  ts: new Date().toISOString(),
  data: { messageId: 'msg_1', text: `line ${n}` },
});

let hub: FakeHub | undefined;
let streamer: LogStreamer | undefined;

afterEach(async () => {
  streamer?.stop();
  streamer = undefined;
  await hub?.server.close();
  hub = undefined;
});

describe('LogStreamer welcome', () => {
  it('refuses a welcome whose ackedSeq is beyond its last event, redials, and still delivers every event', async () => {
    hub = new FakeHub();
    await hub.start();
    const s = new LogStreamer({
      url: hub.server.url,
      token: 'cor_test-token',
      executionId: executionId(1),
      backoff: FAST_BACKOFF,
      handlers: { onCancel: () => undefined, onClosed: () => undefined },
    });
    streamer = s;
    for (let n = 1; n <= 5; n++) s.emit(text(n));
    // A hub that claims to have stored 99 events of a log whose runner numbered 5.
    hub.nextWelcomeAckedSeq = 99;
    s.start();

    await waitFor(() => hub!.sockets.length >= 2, 'the runner to dial again after refusing the welcome');
    expect(hub.sockets[0]!.readyState).toBe(hub.sockets[0]!.CLOSED);
    expect(hub.received(0)).toEqual([]);

    await s.drained();
    expect(hub.stored.map((event) => event.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(s.progress).toMatchObject({ lastSeq: 5, ackedSeq: 5, unacked: 0 });
  });
});
