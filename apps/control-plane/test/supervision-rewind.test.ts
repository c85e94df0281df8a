// Checkpoints and rewinds inside workerd: GET …/checkpoints lists the runner's checkpoint events; a rewind of an
// ended execution starts a follow-up at once whose job restores the checkpoint (and, with `conversation`, resumes
// the session at its message); a running one is cancelled (reason rewound) and its hub starts the follow-up once
// the runner's terminal status is stored; an unknown checkpoint is a 404 naming the ones there are.
import { describe, expect, it } from 'vitest';
import { Conversation } from '../src/protocol';
import { api, expectError } from './api-support';
import {
  connectHubRunner,
  eventually,
  executionRow,
  seedExecution,
  seedRunner,
  sendBatch,
  statusEvent,
} from './do-support';
import {
  checkpointEvent,
  checkpointsOf,
  rewindExecution,
  rewound,
  runningExecution,
  sessionResultEvent,
} from './supervision-support';

/** A running execution on a known runner that recorded checkpoints 1 and 2 (seq 2 and 3) and a session (seq 4). */
async function withCheckpoints() {
  const runnerId = await seedRunner({ name: `rewound-${crypto.randomUUID().slice(0, 6)}` });
  const live = await runningExecution({ runnerId });
  const sessionId = `session-${crypto.randomUUID().slice(0, 8)}`;
  const first = checkpointEvent(2, live.id, 1);
  const second = checkpointEvent(3, live.id, 2);
  await sendBatch(live.runner, [first, second, sessionResultEvent(4, sessionId)]);
  return { ...live, runnerId, sessionId, first, second };
}

async function ended() {
  const run = await withCheckpoints();
  await sendBatch(run.runner, [statusEvent(5, 'succeeded')]);
  await eventually(async () => expect((await executionRow(run.id))?.status).toBe('succeeded'));
  return run;
}

async function conversationOf(id: string) {
  const response = await api(`/api/v1/executions/${id}/conversation`);
  expect(response.status).toBe(200);
  return Conversation.parse(await response.json());
}

describe('checkpoints', () => {
  it("lists the runner's checkpoint events, oldest first, with their seq and time", async () => {
    const { id, first, second } = await withCheckpoints();
    const { items } = await checkpointsOf(id);
    expect(items).toEqual([
      { seq: 2, ts: first.ts, ...first.data },
      { seq: 3, ts: second.ts, ...second.data },
    ]);
    const none = await seedExecution({ status: 'queued' });
    expect((await checkpointsOf(none)).items).toEqual([]);
    await expectError(await api('/api/v1/executions/ex_00000000000000000000000000/checkpoints'), 404, 'NOT_FOUND');
  });
});

describe('rewinding an ended execution', () => {
  it('starts a follow-up at once whose job restores the checkpoint files', async () => {
    const { id, runnerId, sessionId, second } = await ended();
    const result = await rewound(id, { checkpoint: 2 }, 201);
    expect(result.execution).toMatchObject({ id, status: 'succeeded' });
    expect(result.followup).toMatchObject({
      status: 'queued',
      trigger: { kind: 'followup', id },
      followupOf: id,
      conversationId: id,
      pinnedRunnerId: runnerId,
    });
    expect(result.followup!.prompt).toMatch(/rewound to checkpoint 2/);
    expect(result.followup!.trigger.detail).toBe(`rewind of ${id} to checkpoint 2 (files)`);
    expect(await executionRow(result.followup!.id)).toMatchObject({
      rewind: { ref: second.data.ref, messageId: null },
      resumeSessionId: sessionId,
      workspaceOf: id,
    });
  });

  it("resumes the conversation at the checkpoint's message with conversation: true, and takes a prompt", async () => {
    const { id, first } = await ended();
    const result = await rewound(id, { checkpoint: 1, conversation: true, prompt: 'try the other approach' }, 201);
    expect(result.followup).toMatchObject({ prompt: 'try the other approach' });
    expect(await executionRow(result.followup!.id)).toMatchObject({
      rewind: { ref: first.data.ref, messageId: 'msg_turn_1' },
    });
  });

  it('is a 404 naming the checkpoints there are for an unknown one, and a 400 for a bad body', async () => {
    const { id } = await ended();
    await expectError(
      await rewindExecution(id, { checkpoint: 7 }),
      404,
      'NOT_FOUND',
      `execution ${id} has no checkpoint 7 (it has 1, 2)`,
    );
    const bare = await seedExecution({ status: 'succeeded' });
    await expectError(await rewindExecution(bare, { checkpoint: 1 }), 404, 'NOT_FOUND', '(it has none)');
    await expectError(await rewindExecution(id, { checkpoint: 0 }), 400, 'BAD_REQUEST');
    await expectError(await rewindExecution(id, {}), 400, 'BAD_REQUEST');
    await expectError(await rewindExecution(id, { checkpoint: 1, extra: true }), 400, 'BAD_REQUEST');
    // Nothing was started by the refusals.
    expect((await conversationOf(id)).items).toHaveLength(1);
  });
});

describe('rewinding a running execution', () => {
  it('cancels it (reason rewound), then starts the follow-up in its conversation once it has stopped', async () => {
    const { id, runner, sessionId, second } = await withCheckpoints();
    const result = await rewound(id, { checkpoint: 2 }, 202);
    expect(result.followup).toBeNull();
    expect(result.execution).toMatchObject({ id, cancelReason: 'rewound' });
    expect(await runner.next('exec.cancel')).toEqual({ type: 'exec.cancel', reason: 'rewound' });
    // A second rewind while the first waits for the end is refused.
    await expectError(await rewindExecution(id, { checkpoint: 1 }), 409, 'CONFLICT', 'already being rewound');

    await sendBatch(runner, [statusEvent(5, 'cancelled', 'rewound to a checkpoint')]);
    const items = await eventually(async () => {
      const listed = (await conversationOf(id)).items;
      expect(listed).toHaveLength(2);
      return listed;
    });
    expect((await executionRow(id))?.status).toBe('cancelled');
    const followup = items[1]!;
    expect(followup).toMatchObject({ followupOf: id, trigger: { kind: 'followup', id } });
    expect(await executionRow(followup.id)).toMatchObject({
      rewind: { ref: second.data.ref, messageId: null },
      resumeSessionId: sessionId,
    });
  });

  it('ends a needs_review execution (nobody runs it) and starts the follow-up at once', async () => {
    const { id, runner, second } = await withCheckpoints();
    await sendBatch(runner, [statusEvent(5, 'needs_review', 'a check failed')]);
    await eventually(async () => expect((await executionRow(id))?.status).toBe('needs_review'));

    const result = await rewound(id, { checkpoint: 2 }, 202);
    expect(result.execution).toMatchObject({ id, status: 'cancelled', cancelReason: 'rewound' });
    // Its hub ended it within the cancel, so the follow-up exists by the time the answer comes (no alarm needed).
    const { items } = await conversationOf(id);
    expect(items).toHaveLength(2);
    expect(await executionRow(items[1]!.id)).toMatchObject({ rewind: { ref: second.data.ref, messageId: null } });
  });

  it('refuses a rewind of an execution that has not started', async () => {
    const queued = await seedExecution({ status: 'queued' });
    await expectError(await rewindExecution(queued, { checkpoint: 1 }), 404, 'NOT_FOUND', '(it has none)');
    // Checkpoints in its log or not, a waiting execution has nothing to rewind.
    const waiting = await seedExecution({ status: 'blocked' });
    const runner = await connectHubRunner(waiting);
    await runner.next('exec.welcome');
    await sendBatch(runner, [checkpointEvent(1, waiting, 1)]);
    await expectError(await rewindExecution(waiting, { checkpoint: 1 }), 409, 'CONFLICT', 'has not started (blocked)');
  });
});
