// Attempts over HTTP: an execution carries its repository, ref and attempt budget; a person's retry makes a new
// attempt of an ended one (never beside a live one); the detail view lists the whole chain from any attempt; and the
// runner is offered a retry's job with its repository, ref and attempt number.
import { describe, expect, it } from 'vitest';
import { Execution } from '../src/protocol';
import { api, expectError } from './api-support';
import { createExecution, detail, EXECUTIONS, retry, setStatus } from './attempts-support';
import { PLAIN_JOB_FIELDS, seedRunner, uniqueLabel } from './do-support';
import { helloRunner, newFleet } from './fleet-support';

describe('creating an execution', () => {
  it('keeps the repository, the base ref and how many attempts it may use', async () => {
    const created = await createExecution({
      repo: 'https://github.com/acme/app.git',
      ref: 'release/1.2',
      maxAttempts: 3,
    });
    expect(created).toMatchObject({
      repo: 'https://github.com/acme/app.git',
      ref: 'release/1.2',
      attempt: 1,
      maxAttempts: 3,
      retryOf: null,
      rootId: created.id,
    });
    expect(await detail(created.id)).toMatchObject({ ...created, attempts: [{ id: created.id, attempt: 1 }] });
  });

  it('defaults to no repository and one automatic retry', async () => {
    const created = await createExecution({ repo: '/srv/checkouts/app' });
    expect(created).toMatchObject({ repo: '/srv/checkouts/app', ref: null, attempt: 1, maxAttempts: 2 });
  });
});

describe('retrying by hand', () => {
  it('starts a new attempt of an ended execution with the same work, and lists the chain from any attempt', async () => {
    const runnerId = await seedRunner();
    const first = await createExecution({
      model: 'claude-sonnet-4-5',
      maxBudgetUsd: 1.5,
      repo: 'git@github.com:acme/app.git',
      ref: 'main',
    });
    await setStatus(first.id, 'failed', runnerId);

    const response = await retry(first.id);
    expect(response.status).toBe(201);
    const second = Execution.parse(await response.json());
    expect(second).toMatchObject({
      status: 'queued',
      prompt: first.prompt,
      model: 'claude-sonnet-4-5',
      maxBudgetUsd: 1.5,
      labels: first.labels,
      agent: first.agent,
      repo: 'git@github.com:acme/app.git',
      ref: 'main',
      maxAttempts: 2,
      attempt: 2,
      retryOf: first.id,
      rootId: first.id,
      runnerId: null,
      costUsd: null,
    });
    expect(second.id).not.toBe(first.id);

    const chain = [
      { id: first.id, attempt: 1, status: 'failed', runnerId },
      { id: second.id, attempt: 2, status: 'queued', runnerId: null },
    ];
    expect((await detail(first.id)).attempts).toMatchObject(chain);
    expect((await detail(second.id)).attempts).toMatchObject(chain);
    expect(await detail(second.id)).toMatchObject({ id: second.id, retryOf: first.id });
  });

  it('refuses an execution that has not ended, and one whose chain has a live attempt', async () => {
    const first = await createExecution();
    await expectError(await retry(first.id), 409, 'CONFLICT', 'has not ended (queued)');

    await setStatus(first.id, 'lost');
    const second = Execution.parse(await (await retry(first.id)).json());
    // Attempt 2 is queued: retrying attempt 1 again would run the same work twice at once.
    await expectError(
      await retry(first.id),
      409,
      'CONFLICT',
      `attempt 2 of this execution (${second.id}) is still queued`,
    );
    await expectError(await retry(second.id), 409, 'CONFLICT', 'has not ended');
  });

  it('goes past maxAttempts, because a person asked', async () => {
    const first = await createExecution({ maxAttempts: 1 });
    await setStatus(first.id, 'lost');
    const second = Execution.parse(await (await retry(first.id, {})).json());
    await setStatus(second.id, 'cancelled');
    const third = Execution.parse(await (await retry(first.id)).json());
    expect(third).toMatchObject({ attempt: 3, maxAttempts: 1, retryOf: first.id, rootId: first.id });
    expect((await detail(third.id)).attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
  });

  it('answers 404 for an execution that does not exist', async () => {
    await expectError(await retry(`ex_${'5'.repeat(26)}`), 404, 'NOT_FOUND', 'does not exist');
  });
});

describe('the job a runner is offered', () => {
  it('carries the repository, the ref and the attempt number', async () => {
    const fleet = newFleet();
    const label = uniqueLabel();
    const first = await createExecution({ labels: [label], repo: '/srv/checkouts/app', ref: 'v1.0.0' });
    await setStatus(first.id, 'failed');
    const second = Execution.parse(await (await retry(first.id)).json());

    const runner = await helloRunner(fleet, { labels: [label] });
    expect((await runner.socket.next('job.offer')).job).toEqual({
      executionId: second.id,
      prompt: first.prompt,
      model: null,
      maxBudgetUsd: null,
      labels: [label],
      repo: '/srv/checkouts/app',
      ref: 'v1.0.0',
      attempt: 2,
      ...PLAIN_JOB_FIELDS,
    });
  });
});

it('lists attempts on the executions list too', async () => {
  const first = await createExecution();
  await setStatus(first.id, 'failed');
  const second = Execution.parse(await (await retry(first.id)).json());
  const body = (await (await api(`${EXECUTIONS}?limit=200`)).json()) as { items: Execution[] };
  expect(body.items.find((item) => item.id === second.id)).toMatchObject({ attempt: 2, rootId: first.id });
});
