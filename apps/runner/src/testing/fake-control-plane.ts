// A loopback stand-in for the control plane (registration, Fleet control socket, ExecutionHub streams) for the
// daemon and CLI tests. Not part of the runner itself.
import type { WebSocket } from 'ws';
import type {
  ExecutionEvent,
  ExecutionStatus,
  HubToRunner,
  Job,
  RunnerToFleet,
  RunnerToHub,
} from '@claudeops/control-plane/protocol';
import { RUNNER_ID, startFakeServer, type FakeServer } from './test-helpers';

export const GOOD_REGISTRATION_TOKEN = 'cog_good';
export const ISSUED_RUNNER_TOKEN = 'cor_issued-secret';

export class FakeControlPlane {
  server!: FakeServer;
  registrations: unknown[] = [];
  fleetFrames: RunnerToFleet[] = [];
  fleetSockets: WebSocket[] = [];
  /** Stored events per execution. */
  logs = new Map<string, ExecutionEvent[]>();
  /** Executions whose log is closed: their hub answers a runner with exec.closed and stores nothing more. */
  closed = new Map<string, ExecutionStatus>();
  revoked = false;
  /** Permit questions per execution, in arrival order. */
  permits = new Map<string, string[]>();
  /** How the hubs answer a permit question. */
  permitAnswer: (executionId: string) => { allowed: boolean; reason: string | null } = () => ({
    allowed: true,
    reason: null,
  });

  get url(): string {
    return this.server.url;
  }

  async start(): Promise<void> {
    this.server = await startFakeServer({
      gate: ({ authorization }) => (this.revoked || authorization !== `Bearer ${ISSUED_RUNNER_TOKEN}` ? 401 : null),
      onRequest: (req, body) => {
        if (req.method !== 'POST' || req.url !== '/api/v1/runners/register') {
          return { status: 404, body: { error: { code: 'NOT_FOUND', message: 'no route' } } };
        }
        const parsed = JSON.parse(body) as { registrationToken: string };
        this.registrations.push(parsed);
        if (parsed.registrationToken !== GOOD_REGISTRATION_TOKEN) {
          return {
            status: 401,
            body: { error: { code: 'UNAUTHORIZED', message: 'registration token is invalid or expired' } },
          };
        }
        return { status: 201, body: { runnerId: RUNNER_ID, runnerToken: ISSUED_RUNNER_TOKEN } };
      },
      onConnection: (ws, { path }) => {
        const stream = /^\/api\/v1\/executions\/([^/]+)\/stream$/.exec(path);
        if (stream) this.hub(ws, stream[1]!);
        else this.fleet(ws);
      },
    });
  }

  offer(job: Job): void {
    this.fleetSockets.at(-1)?.send(JSON.stringify({ type: 'job.offer', job }));
  }

  events(executionId: string): ExecutionEvent[] {
    return this.logs.get(executionId) ?? [];
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private fleet(ws: WebSocket): void {
    this.fleetSockets.push(ws);
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as RunnerToFleet;
      this.fleetFrames.push(frame);
      if (frame.type === 'runner.hello') {
        ws.send(
          JSON.stringify({ type: 'runner.welcome', runnerId: RUNNER_ID, heartbeatIntervalMs: 50, leaseTtlMs: 150 }),
        );
      }
    });
  }

  private hub(ws: WebSocket, executionId: string): void {
    const log = this.logs.get(executionId) ?? [];
    this.logs.set(executionId, log);
    const closed = this.closed.get(executionId);
    if (closed) {
      ws.send(JSON.stringify({ type: 'exec.closed', status: closed, ackedSeq: log.length } satisfies HubToRunner));
      return;
    }
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as RunnerToHub;
      if (frame.type === 'exec.permit') {
        this.permits.set(executionId, [...(this.permits.get(executionId) ?? []), frame.requestId]);
        const answer: HubToRunner = {
          type: 'exec.permit.result',
          requestId: frame.requestId,
          ...this.permitAnswer(executionId),
        };
        ws.send(JSON.stringify(answer));
        return;
      }
      for (const event of frame.events) if (event.seq === log.length + 1) log.push(event);
      ws.send(JSON.stringify({ type: 'exec.ack', seq: log.length }));
    });
    ws.send(JSON.stringify({ type: 'exec.welcome', ackedSeq: log.length, cancel: null }));
  }
}
