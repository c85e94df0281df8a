// Review decisions inside workerd: a runner that ends in `needs_review` leaves the execution open in D1 (not
// terminal) with its Fleet lease released; a person accepts (succeeded), rejects (failed) or sends feedback (failed
// and a follow-up resuming the session), by POST …/review or by a message; a cancel ends it; anything else is a 409.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { EventData } from '../src/protocol';
import { api, expectError } from './api-support';
import {
  eventually,
  executionRow,
  seedExecution,
  seedRunner,
  sendBatch,
  statusEvent,
  storedEvents,
  uniqueLabel,
  connectHubRunner,
} from './do-support';
import { helloRunner, leaseOf } from './fleet-support';
import { sendMessage } from './messages-support';
import {
  executionFrom,
  getExecution,
  pauseExecution,
  resumeExecution,
  reviewed,
  reviewExecution,
  runningExecution,
  sessionResultEvent,
} from './supervision-support';

/** A running execution whose runner finished with a session and left it for a person's review. */
async function needingReview() {
  const runnerId = await seedRunner({ name: `reviewed-${crypto.randomUUID().slice(0, 6)}` });
  const { id, runner } = await runningExecution({ runnerId });
  const sessionId = `session-${crypto.randomUUID().slice(0, 8)}`;
  await sendBatch(runner, [sessionResultEvent(2, sessionId), statusEvent(3, 'needs_review', 'a check failed')]);
  await eventually(async () => expect((await executionRow(id))?.status).toBe('needs_review'));
  return { id, runner, runnerId, sessionId };
}

describe('an execution that needs review', () => {
  it('stays open in D1, releases its Fleet lease, and keeps its log open', async () => {
    // The production Fleet: the hub releases the lease there.
    const fleet = env.FLEET.get(env.FLEET.idFromName('global'));
    const label = uniqueLabel();
    const id = await seedExecution({ labels: [label] });
    const holder = await helloRunner(fleet, { labels: [label] });
    expect((await holder.socket.next('job.offer')).job.executionId).toBe(id);
    holder.socket.send({ type: 'job.accept', executionId: id });
    await eventually(async () => expect(await leaseOf(fleet, id)).toMatchObject({ runner_id: holder.id }));

    const runner = await connectHubRunner(id);
    await runner.next('exec.welcome');
    await sendBatch(runner, [statusEvent(1, 'running'), sessionResultEvent(2, 'session-r')]);
    await sendBatch(runner, [statusEvent(3, 'needs_review', 'the reviewer was not confident')]);
    await eventually(async () => expect(await leaseOf(fleet, id)).toBeNull());
    const row = await executionRow(id);
    expect(row).toMatchObject({ status: 'needs_review', finishedAt: null });
    expect((await getExecution(id)).status).toBe('needs_review');
    // Not terminal: the hub did not close the log.
    expect(unreadClosed(runner)).toEqual([]);
    holder.socket.close();
  });

  it("shows the runner's reason and the reviewer's verdict in the API", async () => {
    const { id, runner } = await runningExecution();
    const review: EventData<'review'> = {
      verdict: { confidence: 0.4, verdict: 'uncertain', summary: 'the tests do not cover the edge case', findings: [] },
      problem: null,
      outcome: 'needs_review',
      reason: 'confidence 0.40 is below the threshold 0.70',
      model: 'claude-test',
      endpoint: 'claude',
      round: 0,
    };
    await sendBatch(runner, [
      sessionResultEvent(2, 'session-v'),
      { seq: 3, ts: new Date().toISOString(), type: 'review', data: review },
      statusEvent(4, 'needs_review', review.reason),
    ]);
    await eventually(async () => expect((await executionRow(id))?.status).toBe('needs_review'));
    expect(await getExecution(id)).toMatchObject({ statusReason: review.reason, reviewResult: review });
  });

  it('succeeds when accepted, naming who accepted it', async () => {
    const { id, runner } = await needingReview();
    const result = await reviewed(id, { decision: 'accept', message: 'looks right to me' });
    expect(result.followup).toBeNull();
    expect(result.execution).toMatchObject({
      id,
      status: 'succeeded',
      statusReason: 'accepted by admin: looks right to me',
    });
    expect(await runner.next('exec.closed')).toMatchObject({ status: 'succeeded', ackedSeq: 4 });
    expect((await storedEvents(id)).at(-1)).toMatchObject({
      seq: 4,
      type: 'status',
      data: { status: 'succeeded', reason: 'accepted by admin: looks right to me' },
    });
    // Decided once: a second decision is a conflict.
    await expectError(await reviewExecution(id, { decision: 'reject' }), 409, 'CONFLICT', 'is succeeded');
  });

  it('fails when rejected', async () => {
    const { id } = await needingReview();
    const result = await reviewed(id, { decision: 'reject' });
    expect(result.execution).toMatchObject({ status: 'failed', statusReason: 'rejected by admin' });
    expect(result.followup).toBeNull();
    expect((await executionRow(id))?.finishedAt).toEqual(expect.any(Number));
  });

  it('fails with feedback and starts a follow-up that resumes the session with the feedback as its prompt', async () => {
    const { id, runnerId, sessionId } = await needingReview();
    const result = await reviewed(id, { decision: 'feedback', message: 'the test still fails on Windows' });
    expect(result.execution).toMatchObject({ status: 'failed' });
    expect(result.execution.statusReason).toMatch(/^changes requested by admin/);
    expect(result.followup).toMatchObject({
      status: 'queued',
      prompt: 'the test still fails on Windows',
      trigger: { kind: 'followup', id },
      followupOf: id,
      conversationId: id,
      pinnedRunnerId: runnerId,
    });
    const followup = await executionRow(result.followup!.id);
    expect(followup).toMatchObject({ resumeSessionId: sessionId, workspaceOf: id });
  });

  it('takes a message as its feedback', async () => {
    const { id, sessionId } = await needingReview();
    const response = await sendMessage(id, { text: 'please also update the changelog' });
    expect(response.status).toBe(201);
    const sent = (await response.json()) as { delivery: string; execution: { id: string } };
    expect(sent.delivery).toBe('followup');
    expect(await executionRow(sent.execution.id)).toMatchObject({
      prompt: 'please also update the changelog',
      triggerKind: 'followup',
      followupOf: id,
      resumeSessionId: sessionId,
    });
    const source = await getExecution(id);
    expect(source.status).toBe('failed');
    expect(source.statusReason).toMatch(/^changes requested by admin/);
  });

  it('ends cancelled when cancelled', async () => {
    const { id, runner } = await needingReview();
    const response = await api(`/api/v1/executions/${id}/cancel`, { method: 'POST' });
    expect(response.status).toBe(202);
    await eventually(async () => expect((await executionRow(id))?.status).toBe('cancelled'));
    expect(await getExecution(id)).toMatchObject({
      status: 'cancelled',
      statusReason: 'cancelled by user',
      cancelReason: 'user',
      cancelRequestedAt: expect.any(String),
    });
    expect(await runner.next('exec.closed')).toMatchObject({ status: 'cancelled' });
    await expectError(await reviewExecution(id, { decision: 'accept' }), 409, 'CONFLICT', 'is cancelled');
  });
});

describe('review: refusals', () => {
  it('is a 409 unless the execution needs review, and a 400 for a bad decision', async () => {
    const { id } = await runningExecution();
    await expectError(
      await reviewExecution(id, { decision: 'accept' }),
      409,
      'CONFLICT',
      `execution ${id} is running: only a needs_review execution takes a review`,
    );
    const queued = await seedExecution({ status: 'queued' });
    await expectError(await reviewExecution(queued, { decision: 'reject' }), 409, 'CONFLICT', 'is queued');

    const waiting = await needingReview();
    // Nobody runs it: there is nothing to pause or resume.
    await expectError(await pauseExecution(waiting.id), 409, 'CONFLICT', 'is needs_review');
    await expectError(await resumeExecution(waiting.id), 409, 'CONFLICT', 'is not paused');
    await expectError(await reviewExecution(waiting.id, { decision: 'maybe' }), 400, 'BAD_REQUEST');
    await expectError(await reviewExecution(waiting.id, { decision: 'feedback' }), 400, 'BAD_REQUEST');
    await expectError(await reviewExecution(waiting.id, { decision: 'feedback', message: '  ' }), 400, 'BAD_REQUEST');
    await expectError(await reviewExecution(waiting.id, { decision: 'accept', extra: 1 }), 400, 'BAD_REQUEST');
    const unknown = 'ex_00000000000000000000000000';
    await expectError(await reviewExecution(unknown, { decision: 'accept' }), 404, 'NOT_FOUND');
    // The refusals decided nothing.
    expect((await executionFrom(await api(`/api/v1/executions/${waiting.id}`))).status).toBe('needs_review');
  });
});

const unreadClosed = (runner: Awaited<ReturnType<typeof connectHubRunner>>) =>
  runner.unread().filter((frame) => frame.type === 'exec.closed');
