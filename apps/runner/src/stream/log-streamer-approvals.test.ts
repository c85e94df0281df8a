// Unit tests of approval decisions on the event stream: a loopback hub's exec.approval.result frames reach the run's
// approval gate, on whatever socket they come, and repeats change nothing.
import { afterEach, describe, expect, it } from 'vitest';
import type { EventData, ExecutionEvent } from '@claudeops/control-plane/protocol';
import { ApprovalGate } from '../permissions/approval-gate';
import { FakeHub } from '../testing/fake-hub';
import { LogStreamer } from './log-streamer';
import { executionId, FAST_BACKOFF, waitFor } from '../testing/test-helpers';

let hub: FakeHub;
let streamer: LogStreamer | undefined;

afterEach(async () => {
  streamer?.stop();
  streamer = undefined;
  await hub?.server.close();
});

/** A streamer whose approval results go to a gate that records into it, as the job runner wires them. */
async function setup(): Promise<{ s: LogStreamer; gate: ApprovalGate; results: string[] }> {
  hub = new FakeHub();
  await hub.start();
  const results: string[] = [];
  const s = new LogStreamer({
    url: hub.server.url,
    token: 'cor_test-token',
    executionId: executionId(1),
    backoff: FAST_BACKOFF,
    handlers: {
      onCancel: () => undefined,
      onClosed: () => undefined,
      onApprovalResult: (decision, pattern) => {
        results.push(decision.approvalId);
        gate.resolve(decision, pattern);
      },
    },
  });
  streamer = s;
  const gate = new ApprovalGate({
    policy: { allow: [], ask: [], deny: [] },
    timeoutMs: 60_000,
    emit: (draft) => s.emit(draft),
    cwd: '/w',
  });
  s.start();
  return { s, gate, results };
}

const requested = (events: ExecutionEvent[]) =>
  events.flatMap((event) => (event.type === 'approval.requested' ? [event.data] : []));

const allowed = (approvalId: string): EventData<'approval.decided'> => ({
  approvalId,
  status: 'allowed',
  decision: 'allow',
  decidedBy: 'ada@example.com',
  message: null,
  remember: 'execution',
  reason: null,
});

describe('LogStreamer approval results', () => {
  it('hands a decision to the gate once, also when the hub repeats it after a reconnect', async () => {
    const { s, gate, results } = await setup();
    const answer = gate.check('Bash', { command: 'npm test' });
    await waitFor(() => requested(hub.stored).length === 1, 'the stored request');
    const { approvalId, pattern } = requested(hub.stored)[0]!;
    hub.send({ type: 'exec.approval.result', decision: allowed(approvalId), pattern });
    expect(await answer).toMatchObject({ behavior: 'allow' });
    await s.drained();
    // The hub lost the ack of approval.decided: it repeats the decision on the next socket.
    hub.last.terminate();
    await waitFor(() => hub.sockets.length === 2, 'the reconnect');
    hub.send({ type: 'exec.approval.result', decision: allowed(approvalId), pattern });
    await waitFor(() => results.length === 2, 'the repeat to arrive');
    await s.drained();
    expect(hub.stored.map((event) => event.type)).toEqual([
      'approval.requested',
      'status',
      'approval.decided',
      'status',
    ]);
    expect(gate.standingGrants).toEqual(['Bash(npm test:*)']);
  });

  it('applies a decision that arrives on a later socket than the request', async () => {
    const { gate } = await setup();
    const answer = gate.check('Write', { file_path: 'a', content: 'x' });
    await waitFor(() => requested(hub.stored).length === 1, 'the stored request');
    hub.last.terminate();
    await waitFor(() => hub.sockets.length === 2, 'the reconnect');
    const { approvalId } = requested(hub.stored)[0]!;
    hub.send({
      type: 'exec.approval.result',
      decision: { ...allowed(approvalId), status: 'denied', decision: 'deny', remember: null, message: 'no' },
      pattern: 'Write',
    });
    expect(await answer).toEqual({
      behavior: 'deny',
      message: 'ada@example.com denied this Write call with the message: no.',
    });
  });
});
