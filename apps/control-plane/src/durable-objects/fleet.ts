// Fleet Durable Object, one global instance: runners' control sockets, job offers, leases and the alarm that
// notices expired ones, and revocation. Thin: a dispatch round (with budget admission) lives in fleet-dispatch, runner
// choice in domain/dispatch, lease math in domain/lease, what an expired lease becomes (lost, retried) in
// fleet-expiry, what a runner is trusted with (registered labels and slots, the hub told of a loss) in fleet-trust.
import { DurableObject } from 'cloudflare:workers';
import { createDb, type Db } from '../db/client';
import { getJobs, requeue, setRunnerOffline, toJob } from '../db/queries/lifecycle';
import { markRunnerOnline, recordExecutionSandbox } from '../db/queries/runners';
import { recordHeartbeat } from '../db/queries/runner-metrics';
import { freeSlots } from '../domain/dispatch';
import { heartbeatIntervalMs, isExpired, leaseTtlMs, nextExpiry, reconcileRunning, type Lease } from '../domain/lease';
import { RunnerId, type CancelReason } from '../protocol/common';
import { RunnerToFleet, type FleetToRunner } from '../protocol/frames';
import { offerWaiting } from './fleet-dispatch';
import { createRetries, endExpired } from './fleet-expiry';
import { FleetStore } from './fleet-store';
import { capHello, disownOnHub, registeredBounds, REVOKED_CLOSE_CODE } from './fleet-trust';
import { Coalesced } from './coalesce';
import { HeartbeatLimiter } from './frame-limits';
import { closeSocket, isUpgrade, parseFrame, sendFrame } from './sockets';

export type RunnerSnapshot = { runnerId: string; connected: boolean; running: string[]; freeSlots: number };

/** A socket's attachment: whose it is, and whether it said hello (only then does it get offers). */
type Attachment = { runnerId: string; hello: boolean };
type Hello = Extract<RunnerToFleet, { type: 'runner.hello' }>;

/** When ending an execution fails on both the hub and D1, the alarm tries again after this long. */
const EXPIRY_RETRY_MS = 5_000;

const earliest = (a: number | null, b: number | null): number | null =>
  a === null ? b : b === null ? a : Math.min(a, b);

const stopJob = (ws: WebSocket, executionId: string, reason: CancelReason) =>
  sendFrame(ws, { type: 'job.cancel', executionId, reason } satisfies FleetToRunner);

export class Fleet extends DurableObject<Env> {
  private readonly store: FleetStore;
  private readonly intervalMs: number;
  /** Heartbeats per runner, in memory (frame-limits.ts says why that is enough). */
  private readonly heartbeats: HeartbeatLimiter;
  private readonly dispatchTask = new Coalesced(() => this.dispatchRound());

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new FleetStore(ctx.storage.sql);
    this.intervalMs = heartbeatIntervalMs(env.CLAUDEOPS_HEARTBEAT_INTERVAL_MS);
    this.heartbeats = new HeartbeatLimiter(env, this.intervalMs);
  }

  override async fetch(request: Request): Promise<Response> {
    if (!isUpgrade(request)) return new Response('expected a WebSocket upgrade', { status: 426 });
    const runnerId = RunnerId.safeParse(request.headers.get('x-claudeops-runner-id'));
    if (!runnerId.success) return new Response('missing or invalid runner id', { status: 400 });
    // One control socket per runner: a reconnect replaces a half-open predecessor.
    for (const old of this.ctx.getWebSockets(runnerId.data)) closeSocket(old, 4000, 'replaced by a newer connection');
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [runnerId.data]);
    server.serializeAttachment({ runnerId: runnerId.data, hello: false } satisfies Attachment);
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    try {
      const parsed = parseFrame(RunnerToFleet, message);
      if (!parsed.ok) {
        sendFrame(ws, parsed.error satisfies FleetToRunner);
        return;
      }
      const { runnerId } = ws.deserializeAttachment() as Attachment;
      const frame = parsed.frame;
      if (frame.type === 'runner.hello') await this.onHello(ws, runnerId, frame);
      else if (frame.type === 'runner.heartbeat') {
        if (this.heartbeats.admit(ws, runnerId)) await this.onHeartbeat(ws, runnerId, frame.running, frame.metrics);
      } else if (frame.type === 'job.accept') await this.onAccept(ws, runnerId, frame.executionId);
      else await this.onReject(runnerId, frame.executionId);
    } catch (err) {
      console.error('Fleet: message handler failed', err);
      sendFrame(ws, {
        type: 'error',
        error: { code: 'INTERNAL', message: 'the fleet could not handle this frame' },
      } satisfies FleetToRunner);
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    closeSocket(ws, code, reason);
    await this.onGone(ws);
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    console.warn('Fleet: socket error', error);
    closeSocket(ws, 1011, 'socket error');
    await this.onGone(ws);
  }

  /** Offers queued and blocked jobs to connected runners with free slots, once their budgets admit them (a
   * BudgetGuard calls this when room appears). Rounds run one at a time; a call during a round asks for one more
   * round, so nothing queued meanwhile waits for the next trigger. */
  async dispatch(): Promise<void> {
    return this.dispatchTask.run();
  }

  /** The execution ended: its slot is free. Idempotent. */
  async release(executionId: string): Promise<void> {
    if (this.store.deleteLease(executionId)) {
      await this.scheduleAlarm();
      await this.dispatch();
    }
  }

  /** Remembers the cancel on the lease (an expiry then means `cancelled`) and tells the owner. Idempotent. */
  async cancel(executionId: string, reason: CancelReason): Promise<void> {
    const lease = this.store.lease(executionId);
    if (lease === null) return;
    this.store.setCancel(executionId, reason);
    const ws = this.socketOf(lease.runnerId);
    if (ws !== null) stopJob(ws, executionId, reason);
  }

  /** Expires overdue leases and dispatches: the cron trigger's safety net behind the alarm. */
  async sweep(): Promise<void> {
    await this.expireLeases();
    await this.dispatch();
  }

  /** Revokes a runner (D1 already refuses its token): its control socket closes, it gets no more offers, and every
   * execution it holds goes `lost` at once (retried by policy), its hub closing and refusing the runner's stream
   * socket. Idempotent. */
  async revoke(runnerId: string): Promise<void> {
    for (const ws of this.ctx.getWebSockets(runnerId)) closeSocket(ws, REVOKED_CLOSE_CODE, 'this runner was revoked');
    this.store.deleteRunner(runnerId);
    const now = Date.now();
    for (const lease of this.store.leases().values()) {
      if (lease.runnerId !== runnerId) continue;
      await this.endLease(lease, now, `runner ${runnerId} was revoked`);
    }
    await createRetries(this.env, this.store, Date.now());
    await this.scheduleAlarm();
    await this.dispatch();
  }

  async snapshot(): Promise<RunnerSnapshot[]> {
    const leases = [...this.store.leases().values()];
    const runners = this.store.runners();
    const ids = new Set([...runners.keys(), ...leases.map((l) => l.runnerId)]);
    return [...ids].sort().map((runnerId) => {
      const running = leases.filter((l) => l.runnerId === runnerId).map((l) => l.executionId);
      const info = runners.get(runnerId);
      const connected = this.socketOf(runnerId) !== null;
      const free = connected && info ? freeSlots({ ...info, leased: running.length }) : 0;
      return { runnerId, connected, running, freeSlots: free };
    });
  }

  override async alarm(): Promise<void> {
    await this.expireLeases();
    await this.dispatch();
  }

  private async onHello(ws: WebSocket, runnerId: string, hello: Hello): Promise<void> {
    const db = createDb(this.env.DB);
    // What it registered with bounds what it may claim; a revoked runner (its socket opened just before) gets nothing.
    const registered = await registeredBounds(db, runnerId, this.store.runners().get(runnerId));
    if (registered === 'revoked') {
      closeSocket(ws, REVOKED_CLOSE_CODE, 'this runner was revoked');
      return;
    }
    if (registered === 'unavailable') {
      closeSocket(ws, 1013, 'the control plane cannot check this runner now; try again');
      return;
    }
    const capped = capHello(registered, hello);
    sendFrame(ws, {
      type: 'runner.welcome',
      runnerId,
      heartbeatIntervalMs: this.intervalMs,
      leaseTtlMs: leaseTtlMs(this.intervalMs),
    } satisfies FleetToRunner);
    if (capped.excess !== null) {
      sendFrame(ws, { type: 'error', error: { code: 'FORBIDDEN', message: capped.excess } } satisfies FleetToRunner);
    }
    ws.serializeAttachment({ runnerId, hello: true } satisfies Attachment);
    this.store.putRunner(runnerId, capped.labels, capped.maxConcurrent, hello.sandbox);
    const { unlisted } = this.reconcile(ws, runnerId, hello.running);
    await markRunnerOnline(db, runnerId, hello, Date.now());
    await this.reoffer(ws, db, runnerId, unlisted);
    await this.dispatch();
  }

  private async onHeartbeat(
    ws: WebSocket,
    runnerId: string,
    running: readonly string[],
    metrics: Extract<RunnerToFleet, { type: 'runner.heartbeat' }>['metrics'],
  ): Promise<void> {
    this.reconcile(ws, runnerId, running);
    // A heartbeat restates the runner's state, so an earlier rejection no longer says it is full.
    this.store.setOfferable(runnerId, true);
    await recordHeartbeat(createDb(this.env.DB), runnerId, Date.now(), metrics);
    await this.dispatch();
  }

  private async onAccept(ws: WebSocket, runnerId: string, executionId: string): Promise<void> {
    const lease = this.store.lease(executionId);
    if (lease?.runnerId !== runnerId) {
      stopJob(ws, executionId, 'lease_lost');
      return;
    }
    this.store.renew(runnerId, [executionId], Date.now() + leaseTtlMs(this.intervalMs));
    // GET /api/v1/executions/:id says how the run is confined: as the runner that took it announced.
    const sandbox = this.store.runners().get(runnerId)?.sandbox ?? 'none';
    await recordExecutionSandbox(createDb(this.env.DB), executionId, runnerId, sandbox);
  }

  private async onReject(runnerId: string, executionId: string): Promise<void> {
    if (this.store.lease(executionId)?.runnerId !== runnerId) return;
    this.store.deleteLease(executionId);
    // Until it restates its state, the runner is full whatever our count says; offering again would ping-pong.
    this.store.setOfferable(runnerId, false);
    const now = Date.now();
    await requeue(createDb(this.env.DB), executionId, runnerId, now);
    // Before it is offered again: whoever gets it next, this runner's stream socket may not write it any more.
    await disownOnHub(
      this.env,
      executionId,
      runnerId,
      now,
      'the runner turned the job down; it went back to the queue',
    );
    await this.scheduleAlarm();
    await this.dispatch();
  }

  /** Renews what the runner runs under its leases, stops what it runs without one, resends pending cancels. */
  private reconcile(ws: WebSocket, runnerId: string, running: readonly string[]) {
    const leases = this.store.leases();
    const report = reconcileRunning(leases, runnerId, running);
    this.store.renew(runnerId, report.renew, Date.now() + leaseTtlMs(this.intervalMs));
    for (const executionId of report.foreign) stopJob(ws, executionId, 'lease_lost');
    for (const executionId of report.renew) {
      const reason = leases.get(executionId)?.cancelReason;
      if (reason) stopJob(ws, executionId, reason);
    }
    return report;
  }

  /** After a reconnect, offers again the jobs leased to this runner that it never started. */
  private async reoffer(ws: WebSocket, db: Db, runnerId: string, executionIds: readonly string[]): Promise<void> {
    for (const row of await getJobs(db, executionIds)) {
      if (row.status === 'assigned' && row.runnerId === runnerId) {
        sendFrame(ws, { type: 'job.offer', job: toJob(row) } satisfies FleetToRunner);
      }
    }
  }

  private async dispatchRound(): Promise<void> {
    try {
      await this.offerQueued();
    } catch (err) {
      // Whoever asked (a new execution, a heartbeat) should not fail for it: the alarm and the cron sweep retry.
      console.error('Fleet: dispatch failed', err);
    }
  }

  private async offerQueued(): Promise<void> {
    const context = {
      env: this.env,
      store: this.store,
      intervalMs: this.intervalMs,
      socketOf: (id: string) => this.socketOf(id),
    };
    if (await offerWaiting(context)) await this.scheduleAlarm();
  }

  /** Ends executions whose lease expired (`lost`, or `cancelled` when a cancel was pending) and creates the retries
   * of lost ones; the caller dispatches. */
  private async expireLeases(): Promise<void> {
    const now = Date.now();
    for (const { executionId } of this.store.leases().values()) {
      // Read again: while an earlier close was awaited, a heartbeat may have renewed this lease or a sweep ended it.
      const lease = this.store.lease(executionId);
      if (lease === null || !isExpired(lease, now)) continue;
      await this.endLease(lease, now);
    }
    await createRetries(this.env, this.store, Date.now());
    await this.scheduleAlarm();
  }

  /** Ends the execution a runner lost (lease expired, or the runner was revoked) and closes its stream socket. */
  private async endLease(lease: Lease, now: number, cause?: string): Promise<void> {
    const { executionId } = lease;
    // Deleted first, so the hub's release call coming back into this object finds nothing left to do.
    this.store.deleteLease(executionId);
    const ws = this.socketOf(lease.runnerId);
    if (ws !== null) stopJob(ws, executionId, 'lease_lost');
    if (!(await endExpired(this.env, this.store, lease, now, cause))) {
      this.store.putLease({ ...lease, expiresAt: now + EXPIRY_RETRY_MS });
      return;
    }
    await disownOnHub(this.env, executionId, lease.runnerId, now, cause ?? 'the runner lost its lease');
  }

  private async scheduleAlarm(): Promise<void> {
    const next = earliest(nextExpiry(this.store.leases().values()), this.store.nextRetryDue());
    const current = await this.ctx.storage.getAlarm();
    if (next === null) {
      if (current !== null) await this.ctx.storage.deleteAlarm();
    } else if (current !== next) {
      await this.ctx.storage.setAlarm(next);
    }
  }

  /** The runner's open control socket, if it said hello on it. */
  private socketOf(runnerId: string): WebSocket | null {
    for (const ws of this.ctx.getWebSockets(runnerId)) {
      const attachment = ws.deserializeAttachment() as Attachment | null;
      if (ws.readyState === WebSocket.READY_STATE_OPEN && attachment?.hello) return ws;
    }
    return null;
  }

  private async onGone(ws: WebSocket): Promise<void> {
    const attachment = ws.deserializeAttachment() as Attachment | null;
    if (attachment === null) return;
    const others = this.ctx.getWebSockets(attachment.runnerId).filter((s) => s !== ws);
    // Leases stay until they expire: the runner may be back within a heartbeat or two.
    if (others.length === 0) await setRunnerOffline(createDb(this.env.DB), attachment.runnerId);
  }
}
