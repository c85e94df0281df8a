// The control plane Worker: the HTTP API, the cron safety net, and the Durable Object classes wrangler binds.
import { app } from './app';
import { sweepOwedReports } from './github/report';
import { applyRetention } from './lib/retention';
import { fleetOf, schedulerOf } from './lib/stubs';

export { BudgetGuard } from './durable-objects/budget-guard';
export { ExecutionHub } from './durable-objects/execution-hub';
export { Fleet } from './durable-objects/fleet';
export { RateLimiter } from './durable-objects/rate-limiter';
export { Scheduler } from './durable-objects/scheduler';

export default {
  fetch: app.fetch,
  /** Every minute: expire leases and retry dispatch, in case a Fleet alarm was missed; fire due schedules (beside
   * the Scheduler's alarm); prune what retention says. */
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(fleetOf(env).sweep());
    ctx.waitUntil(
      sweepOwedReports(env).catch((err: unknown) => console.error('github reports: the sweep failed', err)),
    );
    ctx.waitUntil(
      schedulerOf(env)
        .tick(Math.max(controller.scheduledTime, Date.now()))
        .catch((err: unknown) => {
          console.error('schedules: the tick failed; the alarm or the next cron tries again', err);
        }),
    );
    ctx.waitUntil(
      applyRetention(env, Date.now()).catch((err: unknown) => {
        console.error('retention: the sweep failed; the next run tries again', err);
      }),
    );
  },
} satisfies ExportedHandler<Env>;
