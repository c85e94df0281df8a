// Scheduler Durable Object, one for the deployment: holds an alarm for the earliest nextRunAt of an enabled schedule
// (minute precision) and runs the tick (scheduler-tick.ts) when it rings. The Worker's cron trigger calls `tick` too,
// every minute, as the safety net; the routes call `arm` after creating, changing, enabling or deleting a schedule.
import { DurableObject } from 'cloudflare:workers';
import { createDb } from '../db/client';
import { earliestNextRun } from '../db/queries/schedules';
import { tick, type TickResult } from './scheduler-tick';

/** An overdue schedule left by a tick (its firing failed) is retried this much later, not in a tight loop. */
const RETRY_OVERDUE_MS = 5_000;

export class Scheduler extends DurableObject<Env> {
  /** Fires what is due at `now` (the cron trigger passes its scheduled time), then re-arms the alarm. */
  async tick(now: number = Date.now()): Promise<TickResult> {
    try {
      return await tick(this.env, now);
    } finally {
      await this.arm();
    }
  }

  /** Sets the alarm to the earliest nextRunAt (or clears it); returns that time. */
  async arm(): Promise<number | null> {
    const at = await earliestNextRun(createDb(this.env.DB));
    if (at === null) {
      await this.ctx.storage.deleteAlarm();
      return null;
    }
    const now = Date.now();
    await this.ctx.storage.setAlarm(at > now ? at : now + RETRY_OVERDUE_MS);
    return at;
  }

  override async alarm(): Promise<void> {
    await this.tick(Date.now());
  }
}
