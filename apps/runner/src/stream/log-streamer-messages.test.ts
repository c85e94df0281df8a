// Unit tests of a person's messages on the event stream: a loopback hub's exec.message frames reach the run, on
// whatever socket they come, and the run's `user.message` event is redacted like every event before it leaves.
import { afterEach, describe, expect, it } from 'vitest';
import type { EventDraft } from '@claudeops/control-plane/protocol';
import { createRedactor } from '../secrets/redactor';
import { FakeHub } from '../testing/fake-hub';
import { CONFIGURED } from '../testing/redaction-canaries';
import { executionId, FAST_BACKOFF, waitFor } from '../testing/test-helpers';
import { LogStreamer } from './log-streamer';

let hub: FakeHub;
let streamer: LogStreamer | undefined;

afterEach(async () => {
  streamer?.stop();
  streamer = undefined;
  await hub?.server.close();
});

async function setup(): Promise<{ s: LogStreamer; received: Array<{ messageId: string; text: string }> }> {
  hub = new FakeHub();
  await hub.start();
  const received: Array<{ messageId: string; text: string }> = [];
  const s = new LogStreamer({
    url: hub.server.url,
    token: 'cor_test-token',
    executionId: executionId(1),
    backoff: FAST_BACKOFF,
    redactor: createRedactor([CONFIGURED]),
    handlers: {
      onCancel: () => undefined,
      onClosed: () => undefined,
      onMessage: ({ messageId, text }) => received.push({ messageId, text }),
    },
  });
  streamer = s;
  s.start();
  await waitFor(() => hub.sockets.length === 1, 'the stream socket');
  return { s, received };
}

describe('LogStreamer messages', () => {
  it('hands each exec.message to the run, on the first socket and after a reconnect', async () => {
    const { received } = await setup();
    const frame = { type: 'exec.message', messageId: 'msg_1', text: 'also check the README', from: 'ada@example.com' };
    hub.send(frame);
    await waitFor(() => received.length === 1, 'the message');
    hub.last.terminate();
    await waitFor(() => hub.sockets.length === 2, 'the reconnect');
    // The hub re-sends what it has no user.message event for; the run takes each messageId once (agent-input.ts).
    hub.send(frame);
    await waitFor(() => received.length === 2, 'the re-send');
    expect(received).toEqual([
      { messageId: 'msg_1', text: 'also check the README' },
      { messageId: 'msg_1', text: 'also check the README' },
    ]);
    // A malformed frame is not handed on.
    hub.send({ type: 'exec.message', messageId: '', text: 'x', from: 'ada' });
    hub.send({ type: 'exec.message', messageId: 'msg_2', text: 'after the bad one', from: 'ada' });
    await waitFor(() => received.length === 3, 'the next message');
    expect(received[2]!.messageId).toBe('msg_2');
  });

  it('redacts the user.message event of a message that carried a secret', async () => {
    const { s } = await setup();
    const draft: EventDraft = {
      type: 'user.message',
      ts: new Date().toISOString(),
      data: { messageId: 'msg_1', text: `use the key ${CONFIGURED} for the deploy`, from: `ada ${CONFIGURED}` },
    };
    s.emit(draft);
    await s.drained();
    const stored = hub.stored.find((event) => event.type === 'user.message');
    expect(stored).toBeDefined();
    expect(JSON.stringify(stored)).not.toContain(CONFIGURED);
    expect(stored!.data).toMatchObject({ messageId: 'msg_1', text: expect.stringContaining('[REDACTED]') });
  });
});
