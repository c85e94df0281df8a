// Trust between control plane and runners, end to end with real runner processes and the real Claude Code: a runner
// revoked mid-run (its token refused, its execution lost and retried on a second runner, which succeeds), and a
// rejected job's old stream socket refused (closed, not let back in) while another runner runs the job.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { FleetToRunner, HubToRunner, type RunnerToFleet } from '@claudeops/control-plane/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Stack, startStack } from '../fixtures/stack';
import { waitFor } from '../fixtures/wait';

const MODEL = 'claude-sonnet-4-5';
/** The hub's close code for a stream socket whose runner no longer holds the execution (hub-owner.ts). */
const DISOWNED = 4403;

let heldOnce = false;
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    controlPlane: { heartbeatIntervalMs: 2_000 },
    anthropic: {
      scripts: {
        // The first run to reach its second turn is held open (its runner gets revoked); any later one finishes.
        'hold-for-revoke': ({ turn }) => {
          if (turn === 0) {
            return {
              blocks: [{ type: 'tool_use', name: 'Bash', input: { command: 'echo started', description: 'x' } }],
            };
          }
          if (!heldOnce) {
            heldOnce = true;
            return { blocks: [{ type: 'text', text: 'never sent' }], delay: 'until-closed' };
          }
          return { blocks: [{ type: 'text', text: 'Finished on the runner still trusted.' }] };
        },
      },
    },
  });
});

afterAll(async () => {
  await stack?.dispose();
});

async function runnerIdOf(name: string): Promise<string> {
  const { items } = await stack.api.json<{ items: Array<{ id: string; name: string }> }>('GET', '/api/v1/runners');
  const found = items.find((runner) => runner.name === name);
  if (!found) throw new Error(`no runner ${name}`);
  return found.id;
}

/** The runner token a runner process saved in its state dir. */
async function savedToken(stateDir: string): Promise<string> {
  const state = JSON.parse(await readFile(path.join(stateDir, 'runner.json'), 'utf8')) as {
    registrations: Record<string, { runnerToken: string }>;
  };
  const [registration] = Object.values(state.registrations);
  if (!registration) throw new Error(`no registration in ${stateDir}`);
  return registration.runnerToken;
}

/** A runner-only route without an upgrade: 426 for a trusted runner token, 401 for a revoked one. */
const streamStatus = async (executionId: string, token: string) =>
  (
    await fetch(`${stack.controlPlane.url}/api/v1/executions/${executionId}/stream`, {
      headers: { authorization: `Bearer ${token}` },
    })
  ).status;

/** A WebSocket as a runner opens one, recording frames and how it closed. */
class Socket<F> {
  readonly frames: F[] = [];
  closed: { code: number; reason: string } | null = null;
  private constructor(readonly ws: WebSocket) {}

  static async open<F>(url: string, token: string, parse: (value: unknown) => F): Promise<Socket<F>> {
    const ws = new WebSocket(url.replace(/^http/, 'ws'), { headers: { authorization: `Bearer ${token}` } });
    const socket = new Socket<F>(ws);
    ws.on('message', (raw) => socket.frames.push(parse(JSON.parse(raw.toString()))));
    ws.on('close', (code, reason) => (socket.closed = { code, reason: reason.toString() }));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
    });
    return socket;
  }

  send(frame: object): void {
    this.ws.send(JSON.stringify(frame));
  }

  next(type: string): Promise<F> {
    return waitFor(() => this.frames.find((frame) => (frame as { type: string }).type === type), {
      timeoutMs: 30_000,
      what: `a ${type} frame`,
    });
  }
}

describe('revocation and ownership', () => {
  it('revokes a runner mid-run: its token gets 401, its execution is lost and succeeds on a second runner', async () => {
    const first = await stack.startRunner({ name: 'to-revoke', labels: ['revocation'] });
    const created = await stack.api.createExecution({
      prompt: 'Work [script:hold-for-revoke]',
      model: MODEL,
      labels: ['revocation'],
    });
    await stack.anthropic.waitForRequest((r) => r.script === 'hold-for-revoke' && r.turn === 1, 120_000);
    const token = await savedToken(first.stateDir);
    expect(await streamStatus(created.id, token)).toBe(426);
    const second = await stack.startRunner({ name: 'still-trusted', labels: ['revocation'] });

    const revoked = await stack.api.request('DELETE', `/api/v1/runners/${await runnerIdOf(first.name)}`);
    expect(revoked.status).toBe(200);
    expect(await revoked.json()).toMatchObject({ name: 'to-revoke', revokedAt: expect.any(String) });
    expect(await streamStatus(created.id, token)).toBe(401);

    const lost = await stack.waitForStatus(created.id, (e) => e.status === 'lost', 60_000);
    expect(lost.statusReason).toMatch(/was revoked; retried as ex_/);
    const retryId = /retried as (ex_[0-9a-z]+)/.exec(lost.statusReason!)![1]!;
    const retry = await stack.waitForEnd(retryId);
    expect(retry).toMatchObject({ status: 'succeeded', attempt: 2, runnerId: await runnerIdOf(second.name) });
    const events = await stack.api.allEvents(retryId);
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'assistant.text',
        data: expect.objectContaining({ text: expect.stringContaining('still trusted') }),
      }),
    );
    // The revoked runner's token stays refused; its process gives up on the control plane.
    expect(await streamStatus(retryId, token)).toBe(401);
    await waitFor(() => first.output().includes('refused this runner'), {
      timeoutMs: 30_000,
      what: 'the runner to notice',
    });
  });

  it('closes a rejected job’s old stream socket and keeps it out while another runner runs the job', async () => {
    // A runner of our own making takes the offer, opens the execution's stream, then turns the job down.
    const registrationToken = await stack.api.registrationToken();
    const { runnerToken } = await stack.api.json<{ runnerToken: string }>('POST', '/api/v1/runners/register', {
      registrationToken,
      name: 'turns-it-down',
      labels: ['rejected'],
      maxConcurrent: 1,
    });
    const control = await Socket.open(`${stack.controlPlane.url}/api/v1/runners/connect`, runnerToken, (v) =>
      FleetToRunner.parse(v),
    );
    control.send({
      type: 'runner.hello',
      version: 'test',
      name: 'turns-it-down',
      labels: ['rejected'],
      maxConcurrent: 1,
      running: [],
      sandbox: 'none',
    } satisfies Extract<RunnerToFleet, { type: 'runner.hello' }>);
    await control.next('runner.welcome');

    const created = await stack.api.createExecution({ prompt: 'Say hello [script:echo]', labels: ['rejected'] });
    await control.next('job.offer');
    const streamUrl = `${stack.controlPlane.url}/api/v1/executions/${created.id}/stream`;
    const old = await Socket.open(streamUrl, runnerToken, (v) => HubToRunner.parse(v));
    await old.next('exec.welcome');
    control.send({ type: 'job.reject', executionId: created.id, reason: 'busy' });

    await waitFor(() => old.closed, { timeoutMs: 30_000, what: 'the old stream socket to be closed' });
    expect(old.closed).toMatchObject({ code: DISOWNED, reason: expect.stringContaining('back to the queue') });
    await expect(Socket.open(streamUrl, runnerToken, (v) => HubToRunner.parse(v))).rejects.toThrow(/HTTP 403/);

    const runner = await stack.startRunner({ name: 'takes-it', labels: ['rejected'] });
    const done = await stack.waitForEnd(created.id);
    expect(done).toMatchObject({ status: 'succeeded', runnerId: await runnerIdOf(runner.name) });
    const events = await stack.api.allEvents(created.id);
    expect(events[0]).toMatchObject({ seq: 1 });
    expect(events.some((e) => e.type === 'result')).toBe(true);
    control.ws.close();
  });
});
