// Unit tests of the wired runner (startRunner) against a loopback fake control plane, with a fake agent.
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CancelReason } from '@claudeops/control-plane/protocol';
import type { AgentOutcome } from '../agent/agent';
import type { RunnerConfig } from './config';
import { RunnerTokenRejected } from '../stream/connection';
import { startRunner, type RunningRunner } from './daemon';
import { FakeControlPlane, GOOD_REGISTRATION_TOKEN, ISSUED_RUNNER_TOKEN } from '../testing/fake-control-plane';
import type { StartAgent } from '../jobs/job-runner';
import type { AgentJob } from '../agent/agent';
import { NotRegisteredError } from './registration';
import { loadRegistration } from './state';
import { FAST_BACKOFF, RUNNER_ID, testJob, waitFor } from '../testing/test-helpers';
import { PLACEHOLDER_API_KEY } from '../proxy/model-credential';

let dir: string;
let plane: FakeControlPlane;
let runner: RunningRunner | undefined;
let cancels: CancelReason[];
let finishAgent: ((outcome: AgentOutcome) => void) | undefined;

/** Says one line, then waits for the test (or a cancel) to end it. */
const fakeAgent: StartAgent = (job, emit) => {
  emit({ type: 'assistant.text', ts: new Date().toISOString(), data: { messageId: 'm1', text: `on ${job.prompt}` } });
  const done = new Promise<AgentOutcome>((resolve) => (finishAgent = resolve));
  return {
    done,
    pid: undefined,
    cancel: (reason) => {
      cancels.push(reason);
      finishAgent?.({ status: 'cancelled' });
    },
  };
};

const config = (extra: Partial<RunnerConfig> = {}): RunnerConfig => ({
  url: plane.url,
  registrationToken: GOOD_REGISTRATION_TOKEN,
  name: 'box',
  labels: ['gpu'],
  maxConcurrent: 1,
  stateDir: join(dir, 'state'),
  workspacesDir: join(dir, 'workspaces'),
  ...extra,
});

const start = (extra: Partial<RunnerConfig> = {}) =>
  startRunner(config(extra), {
    startAgent: fakeAgent,
    backoff: FAST_BACKOFF,
    metrics: async () => ({ cpuLoadPercent: 1, memUsedBytes: 1, memTotalBytes: 2 }),
  });

const job = testJob(1, { prompt: 'the task', labels: ['gpu'] });

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'claudeops-daemon-'));
  plane = new FakeControlPlane();
  await plane.start();
  cancels = [];
  finishAgent = undefined;
});
afterEach(async () => {
  await runner?.stop();
  runner = undefined;
  await plane.close();
  await rm(dir, { recursive: true, force: true });
});

describe('startRunner', () => {
  it('registers, says hello, runs an offered job and streams its events to the hub', async () => {
    runner = await start();
    expect(runner.runnerId).toBe(RUNNER_ID);
    expect(plane.registrations).toEqual([
      { registrationToken: GOOD_REGISTRATION_TOKEN, name: 'box', labels: ['gpu'], maxConcurrent: 1 },
    ]);
    expect((await loadRegistration(join(dir, 'state'), plane.url))?.runnerToken).toBe(ISSUED_RUNNER_TOKEN);
    await waitFor(() => plane.fleetFrames.length > 0, 'the hello');
    expect(plane.fleetFrames[0]).toMatchObject({
      type: 'runner.hello',
      name: 'box',
      labels: ['gpu'],
      maxConcurrent: 1,
      running: [],
    });

    plane.offer(job);
    await waitFor(() => plane.fleetFrames.some((f) => f.type === 'job.accept'), 'the accept');
    await waitFor(
      () => plane.fleetFrames.some((f) => f.type === 'runner.heartbeat' && f.running.includes(job.executionId)),
      'a heartbeat renewing the lease',
    );
    await waitFor(() => finishAgent !== undefined, 'the agent to start');
    finishAgent!({ status: 'succeeded' });
    await waitFor(() => plane.events(job.executionId).length === 4, 'four stored events');
    expect(plane.events(job.executionId).map((e) => [e.seq, e.type, e.data])).toEqual([
      [1, 'status', { status: 'running' }],
      // How the run is confined, before Claude Code starts (bubblewrap here, or none and why).
      [2, 'log', { level: 'info', message: expect.stringMatching(/^sandbox: (bubblewrap|none \()/) }],
      [3, 'assistant.text', { messageId: 'm1', text: 'on the task' }],
      [4, 'status', { status: 'succeeded' }],
    ]);
    await waitFor(() => runner!.jobs.running().length === 0, 'the slot to free');
    await runner.stop();
    await runner.done;
  });

  it('on stop cancels the running job and flushes its cancelled status first', async () => {
    runner = await start();
    await waitFor(() => plane.fleetFrames.length > 0, 'the hello');
    plane.offer(job);
    await waitFor(() => plane.events(job.executionId).length === 3, 'the running job');
    await runner.stop();
    expect(cancels).toEqual(['runner_shutdown']);
    expect(plane.events(job.executionId).at(-1)).toMatchObject({
      seq: 4,
      type: 'status',
      data: { status: 'cancelled', reason: 'the runner shut down' },
    });
  });

  it('stops with a clear error when the control plane refuses its token', async () => {
    runner = await start();
    await waitFor(() => plane.fleetFrames.length > 0, 'the hello');
    plane.revoked = true;
    plane.fleetSockets[0]!.terminate();
    await expect(runner.done).rejects.toThrow(RunnerTokenRejected);
  });

  it('explains what is missing when it has neither a runner token nor a registration token', async () => {
    await expect(start({ registrationToken: null })).rejects.toThrow(NotRegisteredError);
    await expect(start({ registrationToken: null })).rejects.toThrow(/no runner token for .* --registration-token/);
    await expect(start({ registrationToken: 'cog_wrong' })).rejects.toThrow(
      /registration with .* failed: UNAUTHORIZED: registration token is invalid or expired/,
    );
  });

  it("sends Claude Code's model calls through its proxy to its own model API, each after the hub's permit", async () => {
    const received: Array<{ url: string | undefined; headers: IncomingHttpHeaders }> = [];
    const modelApi = createServer((req, res) => {
      received.push({ url: req.url, headers: req.headers });
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"type":"message"}');
    }).listen(0, '127.0.0.1');
    await once(modelApi, 'listening');
    const modelApiUrl = `http://127.0.0.1:${(modelApi.address() as AddressInfo).port}`;
    let agentJob: AgentJob | undefined;
    const modelCall = () =>
      fetch(`${agentJob!.env.ANTHROPIC_BASE_URL}/v1/messages?beta=true`, {
        method: 'POST',
        // Claude Code sends what its environment holds: the placeholder, which the proxy swaps for the real key.
        headers: { 'x-api-key': agentJob!.env.ANTHROPIC_API_KEY! },
        body: '{}',
      });
    /** Makes one model call that is permitted, then one that is not, and reports both answers. */
    const callingAgent: StartAgent = (job, emit) => {
      agentJob = job;
      const done = (async (): Promise<AgentOutcome> => {
        const first = await modelCall();
        plane.permitAnswer = () => ({ allowed: false, reason: 'budget global: hard limit $1.00 reached' });
        const second = await modelCall();
        const text = `${first.status} ${await first.text()} | ${second.status} ${await second.text()}`;
        emit({ type: 'assistant.text', ts: new Date().toISOString(), data: { messageId: 'm1', text } });
        return { status: 'succeeded' };
      })();
      return { done, pid: undefined, cancel: () => undefined };
    };
    try {
      runner = await startRunner(config(), {
        startAgent: callingAgent,
        backoff: FAST_BACKOFF,
        metrics: async () => ({ cpuLoadPercent: 1, memUsedBytes: 1, memTotalBytes: 2 }),
        env: { ANTHROPIC_BASE_URL: modelApiUrl, ANTHROPIC_API_KEY: 'sk-ant-runner-key', PATH: '/usr/bin' },
      });
      await waitFor(() => plane.fleetFrames.length > 0, 'the hello');
      plane.offer(job);
      await waitFor(() => plane.events(job.executionId).some((e) => e.type === 'assistant.text'), 'the answers');
      expect(agentJob!.env.ANTHROPIC_BASE_URL).toMatch(
        new RegExp(`^http://127\\.0\\.0\\.1:\\d+/x/${job.executionId}$`),
      );
      expect(agentJob!.env.ANTHROPIC_API_KEY).toBe(PLACEHOLDER_API_KEY);
      expect(JSON.stringify(agentJob!.env)).not.toContain('sk-ant-runner-key');
      expect(received).toEqual([
        { url: '/v1/messages?beta=true', headers: expect.objectContaining({ 'x-api-key': 'sk-ant-runner-key' }) },
      ]);
      expect(plane.permits.get(job.executionId)).toHaveLength(2);
      const text = plane.events(job.executionId).find((e) => e.type === 'assistant.text')!.data;
      expect(text).toMatchObject({
        text:
          '200 {"type":"message"} | 400 ' +
          '{"type":"error","error":{"type":"invalid_request_error",' +
          '"message":"ClaudeOps: budget global: hard limit $1.00 reached"}}',
      });
      await runner.stop();
      // The proxy stops with the runner.
      await expect(modelCall()).rejects.toThrow();
    } finally {
      modelApi.closeAllConnections();
      modelApi.close();
    }
  });
});
