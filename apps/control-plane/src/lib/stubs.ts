// Stubs of the Durable Objects the routes talk to: one ExecutionHub per execution, one global Fleet, one
// BudgetGuard per budget scope.
export const hubOf = (env: Env, executionId: string) =>
  env.EXECUTION_HUB.get(env.EXECUTION_HUB.idFromName(executionId));

export const fleetOf = (env: Env) => env.FLEET.get(env.FLEET.idFromName('global'));

/**
 * The request a Durable Object sees for a WebSocket upgrade: the client's URL and WebSocket headers, our
 * `x-claudeops-*` facts about the caller, and no credentials (the DO trusts the Worker's checks, not the client).
 */
export function forwardedUpgrade(request: Request, facts: Record<string, string>): Request {
  const headers = new Headers(request.headers);
  for (const key of [...headers.keys()]) {
    if (key.startsWith('x-claudeops-') || key === 'authorization' || key === 'cookie') headers.delete(key);
  }
  for (const [key, value] of Object.entries(facts)) headers.set(key, value);
  return new Request(request.url, { method: request.method, headers });
}

export const isWebSocketUpgrade = (request: Request): boolean =>
  request.headers.get('upgrade')?.toLowerCase() === 'websocket';

/** The BudgetGuard of one budget scope (`global`, `agent:<name>`, `label:<label>`). */
export const guardOf = (env: Env, scope: string) => env.BUDGET_GUARD.get(env.BUDGET_GUARD.idFromName(scope));

/** The one Scheduler: the alarm for the earliest due schedule, and the tick the cron trigger calls too. */
export const schedulerOf = (env: Env) => env.SCHEDULER.get(env.SCHEDULER.idFromName('global'));
