// Follow-up dispatch: a follow-up pinned to the runner that holds its session is offered to that runner only; while
// it is away the execution stays queued, saying which runner it waits for, and no other runner ever gets it.
import { describe, expect, it } from 'vitest';
import { pinnedReason } from '../src/domain/dispatch';
import { eventually, executionRow, seedExecution, seedRunner, uniqueLabel } from './do-support';
import { helloRunner, newFleet } from './fleet-support';

describe('pinned dispatch', () => {
  it('offers a pinned follow-up to its runner only, even when another runner is free first', async () => {
    const fleet = newFleet();
    const label = uniqueLabel();
    const other = await helloRunner(fleet, { labels: [label], maxConcurrent: 4 });
    const holder = await helloRunner(fleet, { labels: [label] });
    const id = await seedExecution({ labels: [label], pinnedRunnerId: holder.id, resumeSessionId: 'session-9' });
    await fleet.dispatch();
    const offer = await holder.socket.next('job.offer');
    expect(offer.job).toMatchObject({ executionId: id, resumeSessionId: 'session-9' });
    expect(await executionRow(id)).toMatchObject({ status: 'assigned', runnerId: holder.id });
    expect(other.socket.unread().filter((f) => f.type === 'job.offer')).toEqual([]);
  });

  it('keeps it queued, naming the runner, while that runner is offline; it goes there once it connects', async () => {
    const fleet = newFleet();
    const label = uniqueLabel();
    const name = `holder-${label}`;
    const holderId = await seedRunner({ name, labels: [label] });
    const other = await helloRunner(fleet, { labels: [label], maxConcurrent: 4 });
    const id = await seedExecution({ labels: [label], pinnedRunnerId: holderId });
    await fleet.dispatch();
    await eventually(async () => expect((await executionRow(id))?.blockedReason).toBe(pinnedReason(name)));
    expect(await executionRow(id)).toMatchObject({ status: 'queued', runnerId: null });
    await fleet.dispatch();
    expect(other.socket.unread().filter((f) => f.type === 'job.offer')).toEqual([]);

    const holder = await helloRunner(fleet, { labels: [label], name }, holderId);
    expect((await holder.socket.next('job.offer')).job.executionId).toBe(id);
    expect(await executionRow(id)).toMatchObject({ status: 'assigned', runnerId: holderId, blockedReason: null });
    expect(other.socket.unread().filter((f) => f.type === 'job.offer')).toEqual([]);
  });
});
