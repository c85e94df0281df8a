// The WebSocket routes end to end through the Worker: a runner's control socket (Fleet), its stream socket and a
// viewer socket (ExecutionHub), with creation dispatching a job and a user's cancel reaching the runner.
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import worker from '../src/index';
import { EventsResponse, Execution, FleetToRunner, HubToRunner, HubToViewer, page, RunnerView } from '../src/protocol';
import { api, openApiSocket, registerRunner } from './api-support';

const LABEL = 'api-sockets';

async function connectedRunner() {
  const runner = await registerRunner({ name: 'socket-runner', labels: [LABEL], maxConcurrent: 2 });
  const control = await openApiSocket('/api/v1/runners/connect', runner.runnerToken, FleetToRunner);
  control.send({
    type: 'runner.hello',
    version: 'test',
    name: 'socket-runner',
    labels: [LABEL],
    maxConcurrent: 2,
    running: [],
  });
  const welcome = await control.next('runner.welcome');
  expect(welcome.runnerId).toBe(runner.runnerId);
  return { ...runner, control };
}

describe('runner sockets', () => {
  it('connects a runner, shows it online, offers it a new job, streams its events to a viewer, and cancels', async () => {
    const runner = await connectedRunner();
    const runners = page(RunnerView).parse(await (await api('/api/v1/runners?limit=200')).json());
    expect(runners.items.find((r) => r.id === runner.runnerId)).toMatchObject({ status: 'online', freeSlots: 2 });

    // Creating an execution dispatches it to the runner whose labels fit.
    const created = await api('/api/v1/executions', { method: 'POST', body: { prompt: 'stream me', labels: [LABEL] } });
    const { id } = Execution.parse(await created.json());
    const offer = await runner.control.next('job.offer', (frame) => frame.job.executionId === id);
    expect(offer.job).toMatchObject({ prompt: 'stream me', labels: [LABEL] });
    runner.control.send({ type: 'job.accept', executionId: id });

    const viewer = await openApiSocket(
      `/api/v1/executions/${id}/events?after=0`,
      env.CLAUDEOPS_ADMIN_TOKEN!,
      HubToViewer,
    );
    expect(await viewer.next('ready')).toMatchObject({ lastSeq: 0 });

    const stream = await openApiSocket(`/api/v1/executions/${id}/stream`, runner.runnerToken, HubToRunner);
    expect(await stream.next('exec.welcome')).toEqual({
      type: 'exec.welcome',
      ackedSeq: 0,
      cancel: null,
      paused: null,
    });
    const running = { seq: 1, ts: new Date().toISOString(), type: 'status', data: { status: 'running' } };
    stream.send({ type: 'exec.events', events: [running] });
    expect(await stream.next('exec.ack')).toEqual({ type: 'exec.ack', seq: 1 });
    expect((await viewer.next('events')).events).toEqual([running]);

    const http = EventsResponse.parse(await (await api(`/api/v1/executions/${id}/events`)).json());
    expect(http.events).toEqual([running]);

    // A user's cancel reaches the runner on both of its sockets.
    expect((await api(`/api/v1/executions/${id}/cancel`, { method: 'POST' })).status).toBe(202);
    expect(await stream.next('exec.cancel')).toEqual({ type: 'exec.cancel', reason: 'user' });
    expect(await runner.control.next('job.cancel')).toEqual({ type: 'job.cancel', executionId: id, reason: 'user' });

    for (const socket of [viewer, stream, runner.control]) socket.close();
  });

  it('decides the role itself: a viewer cannot pose as the runner with our internal headers', async () => {
    const created = await api('/api/v1/executions', {
      method: 'POST',
      body: { prompt: 'x', labels: ['nobody-has-this'] },
    });
    const { id } = Execution.parse(await created.json());
    const spoof = { 'x-claudeops-role': 'runner', 'x-claudeops-execution-id': id };
    const viewer = await openApiSocket(
      `/api/v1/executions/${id}/events`,
      env.CLAUDEOPS_ADMIN_TOKEN!,
      HubToViewer,
      spoof,
    );
    expect(await viewer.next('ready')).toMatchObject({ lastSeq: 0, status: 'queued' });
    viewer.close();
  });

  it('closes the log of a queued execution the user cancels', async () => {
    const created = await api('/api/v1/executions', {
      method: 'POST',
      body: { prompt: 'never run', labels: ['nobody-has-this'] },
    });
    const { id } = Execution.parse(await created.json());
    expect((await api(`/api/v1/executions/${id}/cancel`, { method: 'POST' })).status).toBe(202);
    const { events } = EventsResponse.parse(await (await api(`/api/v1/executions/${id}/events`)).json());
    expect(events).toMatchObject([{ seq: 1, type: 'status', data: { status: 'cancelled' } }]);
  });
});

describe('cron', () => {
  it('runs the Fleet sweep without failing', async () => {
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: '* * * * *' }), env, ctx);
    await waitOnExecutionContext(ctx);
  });
});
