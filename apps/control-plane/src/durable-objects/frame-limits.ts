// Rate limits on runner frames: heartbeats on the Fleet's control sockets and model-call permits on an ExecutionHub's
// stream socket. Used by fleet.ts and execution-hub.ts.
//
// The buckets live in the memory of the one Durable Object that receives those frames: every heartbeat of a runner
// reaches the one Fleet, every permit of an execution its one hub, so no other isolate needs the state and no DO
// round trip is added per frame. Per runner, permits are bounded too: a runner holds at most its registered slots
// of streams (64 at most), each under its own bucket. A DO that restarts starts with full buckets, which only
// forgives. The defaults sit ten times above what an honest runner sends (domain/rate-limits.ts).
import { heartbeatLimit, permitLimit } from '../domain/rate-limits';
import { Buckets, retryAfterSeconds, take, type Bucket, type RateLimit } from '../domain/token-bucket';
import type { FleetToRunner, HubToRunner } from '../protocol/frames';
import { errorFrame, sendFrame } from './sockets';

/** Permits held back while their bucket refills; past this many a permit is refused outright (bounded memory). */
export const MAX_DELAYED_PERMITS = 64;

const limitText = (limit: RateLimit) => `at most ${limit.capacity} per ${limit.windowMs / 1000} s`;

/** The Fleet's heartbeat limit, one bucket per runner. */
export class HeartbeatLimiter {
  private readonly buckets = new Buckets();
  private readonly limit: RateLimit;

  constructor(env: Env, intervalMs: number) {
    this.limit = heartbeatLimit(env, intervalMs);
  }

  /** True when the heartbeat may be handled; otherwise the runner is told and the heartbeat is dropped (the next
   * one in time restates the same state, so nothing is lost but its metrics sample). */
  admit(ws: WebSocket, runnerId: string, now = Date.now()): boolean {
    const verdict = this.buckets.take(runnerId, this.limit, now);
    if (verdict.ok) return true;
    const wait = retryAfterSeconds(verdict.retryAfterMs);
    const message = `too many heartbeats (${limitText(this.limit)}); this one was dropped, send the next in ${wait} s`;
    sendFrame(ws, errorFrame('RATE_LIMITED', message) satisfies FleetToRunner);
    return false;
  }
}

/**
 * An ExecutionHub's permit limit. A permit over the limit is not dropped (a model call would wait for an answer that
 * never comes): the runner gets an `error` RATE_LIMITED and the answer comes once the bucket refills, in the order
 * the permits were asked. Only past MAX_DELAYED_PERMITS waiting is one refused at once.
 */
export class PermitLimiter {
  private bucket: Bucket | undefined;
  private readonly waiting: string[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly limit: RateLimit;

  constructor(
    env: Env,
    /** Answers the permit (on every runner socket of the hub). */
    private readonly answer: (requestId: string) => Promise<void>,
  ) {
    this.limit = permitLimit(env);
  }

  async admit(ws: WebSocket, requestId: string, now = Date.now()): Promise<void> {
    if (this.waiting.length === 0) {
      const verdict = take(this.bucket, this.limit, now);
      this.bucket = verdict.bucket;
      if (verdict.ok) return this.answer(requestId);
      const wait = retryAfterSeconds(verdict.retryAfterMs);
      const message = `too many permits (${limitText(this.limit)}); the answer comes in about ${wait} s`;
      sendFrame(ws, errorFrame('RATE_LIMITED', message) satisfies HubToRunner);
      this.schedule(verdict.retryAfterMs);
    }
    if (this.waiting.length >= MAX_DELAYED_PERMITS) {
      const reason = `too many permits waiting (${MAX_DELAYED_PERMITS}); ${limitText(this.limit)}`;
      sendFrame(ws, { type: 'exec.permit.result', requestId, allowed: false, reason } satisfies HubToRunner);
      return;
    }
    this.waiting.push(requestId);
  }

  private schedule(afterMs: number): void {
    if (this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.drain();
    }, afterMs);
  }

  /** Answers waiting permits, oldest first, while the bucket holds tokens; waits again for the rest. */
  private drain(): void {
    for (;;) {
      const requestId = this.waiting[0];
      if (requestId === undefined) return;
      const verdict = take(this.bucket, this.limit, Date.now());
      this.bucket = verdict.bucket;
      if (!verdict.ok) {
        this.schedule(verdict.retryAfterMs);
        return;
      }
      this.waiting.shift();
      this.answer(requestId).catch((err: unknown) => {
        console.error(`ExecutionHub: answering delayed permit ${requestId} failed`, err);
      });
    }
  }
}
