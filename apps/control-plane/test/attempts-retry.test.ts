// Automatic retry: when the Fleet declares an execution lost (its lease expired, driven through the alarm), a new
// attempt is queued and dispatched, preferably to another runner, until maxAttempts is used up; the lost attempt's
// status says which runner went quiet, when, and what became of it; its budgets are released and the retry is
// admitted like any other execution; the lost runner can neither stream into it nor keep running it.
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { Execution } from '../src/protocol';
import { newExecutionId } from '../src/lib/ids';
import { createExecution, detail, setStatus } from './attempts-support';
import { dayLimits, guardOf } from './budget-support';
import { connectHubRunner, eventually, executionRow, uniqueLabel } from './do-support';
import { connect, helloRunner, newFleet, setLeaseExpiry, type FleetStub, type Runner } from './fleet-support';

/** Expires the execution's lease now, as three missed heartbeats would, and runs the Fleet's alarm. */
async function loseLease(fleet: FleetStub, id: string): Promise<void> {
  await setLeaseExpiry(fleet, id, Date.now() - 1);
  expect(await runDurableObjectAlarm(fleet)).toBe(true);
}

/** The runner takes the job it is offered (it must be `id`), and the Fleet has handled the accept: an accept still
 * in flight would renew the lease after a test expired it. */
async function takeOffer(runner: Runner, id: string): Promise<void> {
  expect((await runner.socket.next('job.offer')).job.executionId).toBe(id);
  runner.socket.send({ type: 'job.accept', executionId: id });
  await eventually(async () => (await executionRow(id))?.sandbox != null);
}

const LOST = (runnerId: string) =>
  new RegExp(`^runner ${runnerId} stopped heartbeating; lease expired at \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z; `);

describe('automatic retry after a lost runner', () => {
  it('queues attempt 2 and gives it to another connected runner', async () => {
    const fleet = newFleet();
    const label = uniqueLabel();
    const first = await createExecution({ labels: [label], repo: '/srv/app', ref: 'main' });
    const quiet = await helloRunner(fleet, { labels: [label], maxConcurrent: 2 });
    await takeOffer(quiet, first.id);
    const healthy = await helloRunner(fleet, { labels: [label] });

    await loseLease(fleet, first.id);

    const lost = await detail(first.id);
    expect(lost.status).toBe('lost');
    const retryId = lost.attempts[1]?.id ?? '';
    expect(lost.statusReason).toMatch(LOST(quiet.id));
    expect(lost.statusReason).toMatch(new RegExp(`; retried as ${retryId} \\(attempt 2 of 2\\)$`));
    // The quiet runner still has a free slot and a live socket, yet the retry goes to the other one.
    const offer = await healthy.socket.next('job.offer');
    expect(offer.job).toMatchObject({ executionId: retryId, attempt: 2, repo: '/srv/app', ref: 'main' });
    expect(await detail(retryId)).toMatchObject({
      status: 'assigned',
      runnerId: healthy.id,
      attempt: 2,
      retryOf: first.id,
      rootId: first.id,
      trigger: { kind: 'retry', id: first.id, detail: 'automatic, after the runner was lost' },
      prompt: first.prompt,
      labels: [label],
      attempts: [
        { id: first.id, attempt: 1, status: 'lost', runnerId: quiet.id },
        { id: retryId, attempt: 2, status: 'assigned', runnerId: healthy.id },
      ],
    });
    expect(await quiet.socket.next('job.cancel')).toMatchObject({ executionId: first.id, reason: 'lease_lost' });
    expect(quiet.socket.unread().filter((f) => f.type === 'job.offer')).toEqual([]);
  });

  it('refuses the lost runner: its late events, and its claim to still run the job', async () => {
    const fleet = newFleet();
    const label = uniqueLabel();
    const first = await createExecution({ labels: [label] });
    const quiet = await helloRunner(fleet, { labels: [label] });
    await takeOffer(quiet, first.id);
    await loseLease(fleet, first.id);

    const stream = await connectHubRunner(first.id);
    expect(await stream.next('exec.closed')).toMatchObject({ status: 'lost' });

    // Back after a network outage, it still says it runs the lost job: it is told to stop.
    quiet.socket.close();
    const back = await connect(fleet, quiet.id);
    back.send({
      type: 'runner.hello',
      version: '1',
      name: 'r',
      labels: [label],
      maxConcurrent: 1,
      running: [first.id],
    });
    expect(await back.next('job.cancel')).toMatchObject({ executionId: first.id, reason: 'lease_lost' });
    // With no other runner, the retry comes to it after all.
    const retryId = (await detail(first.id)).attempts[1]?.id;
    expect((await back.next('job.offer')).job).toMatchObject({ executionId: retryId, attempt: 2 });
  });

  it('retries until maxAttempts is used up, then says no attempts are left', async () => {
    const fleet = newFleet();
    const label = uniqueLabel();
    const first = await createExecution({ labels: [label] });
    const runner = await helloRunner(fleet, { labels: [label] });
    await takeOffer(runner, first.id);
    await loseLease(fleet, first.id);
    const retryId = (await detail(first.id)).attempts[1]!.id;
    await takeOffer(runner, retryId);

    await loseLease(fleet, retryId);
    const chain = await detail(first.id);
    expect(chain.attempts.map((a) => [a.attempt, a.status])).toEqual([
      [1, 'lost'],
      [2, 'lost'],
    ]);
    expect(chain.attempts[1]?.statusReason).toMatch(LOST(runner.id));
    expect(chain.attempts[1]?.statusReason).toMatch(/; not retried: no attempts left \(attempt 2 of 2\)$/);
  });

  it('does not retry an execution allowed one attempt, nor one that was being cancelled', async () => {
    const fleet = newFleet();
    const label = uniqueLabel();
    const once = await createExecution({ labels: [label], maxAttempts: 1 });
    const runner = await helloRunner(fleet, { labels: [label] });
    await takeOffer(runner, once.id);
    await loseLease(fleet, once.id);
    const lost = await detail(once.id);
    expect(lost).toMatchObject({ status: 'lost', attempts: [{ id: once.id }] });
    expect(lost.statusReason).toMatch(/; not retried: no attempts left \(attempt 1 of 1\)$/);

    const cancelling = await createExecution({ labels: [label] });
    await fleet.dispatch();
    await takeOffer(runner, cancelling.id);
    await fleet.cancel(cancelling.id, 'user');
    await loseLease(fleet, cancelling.id);
    expect(await detail(cancelling.id)).toMatchObject({ status: 'cancelled', attempts: [{ id: cancelling.id }] });
  });

  it('releases the lost attempt from its budgets and admits the retry like any other execution', async () => {
    const fleet = newFleet();
    const label = uniqueLabel();
    const scope = `label:${label}`;
    await guardOf(scope).configure(scope, dayLimits(100));
    const first = await createExecution({ labels: [label], maxBudgetUsd: 1 });
    const a = await helloRunner(fleet, { labels: [label] });
    await takeOffer(a, first.id);
    expect(await guardOf(scope).view(scope)).toMatchObject({ activeExecutions: 1 });

    const b = await helloRunner(fleet, { labels: [label] });
    await loseLease(fleet, first.id);
    const retryId = (await detail(first.id)).attempts[1]!.id;
    await takeOffer(b, retryId);
    // Only the retry is active in the scope now: the lost attempt was released when its log closed.
    await eventually(async () => expect(await guardOf(scope).view(scope)).toMatchObject({ activeExecutions: 1 }));
    expect(Execution.parse(await detail(retryId)).maxBudgetUsd).toBe(1);
    expect((await executionRow(first.id))?.status).toBe('lost');
  });

  it('creates a chosen retry once D1 shows the loss, with the id it chose, and none if the run ended otherwise', async () => {
    const fleet = newFleet();
    const lostOne = await createExecution();
    const finished = await createExecution();
    await setStatus(lostOne.id, 'running');
    await setStatus(finished.id, 'running');
    const chosen = newExecutionId();
    // As the alarm leaves things when the hub has closed the logs but D1 has not caught up yet.
    await runInDurableObject(fleet, async (_instance, state) => {
      const due = Date.now() - 1;
      state.storage.sql.exec(
        'INSERT INTO retries VALUES (?, ?, ?), (?, ?, ?)',
        lostOne.id,
        chosen,
        due,
        finished.id,
        newExecutionId(),
        due,
      );
      // Far enough ahead not to fire on its own: runDurableObjectAlarm runs it now.
      await state.storage.setAlarm(Date.now() + 60_000);
    });
    expect(await runDurableObjectAlarm(fleet)).toBe(true);
    expect((await detail(lostOne.id)).attempts).toHaveLength(1);

    await setStatus(lostOne.id, 'lost');
    await setStatus(finished.id, 'succeeded');
    await runInDurableObject(fleet, (_instance, state) => {
      state.storage.sql.exec('UPDATE retries SET due_at = ?', Date.now() - 1);
    });
    expect(await runDurableObjectAlarm(fleet)).toBe(true);
    expect((await detail(lostOne.id)).attempts).toMatchObject([{ id: lostOne.id }, { id: chosen, attempt: 2 }]);
    expect((await detail(finished.id)).attempts).toHaveLength(1);
    const left = await runInDurableObject(fleet, (_instance, state) =>
      state.storage.sql.exec('SELECT COUNT(*) AS n FROM retries').one(),
    );
    expect(left.n).toBe(0);
  });
});
