// The runners list with each online runner's latest metrics: the runners page's load and its polling; the question
// asked before revoking a runner.
import type { RunnerMetrics, RunnerView } from '@claudeops/control-plane/protocol';
import type { ApiClient } from '$lib/api-client';

/** Above this many online runners the list shows no per-runner metrics (one request each). */
const METRICS_FOR_AT_MOST = 50;

export interface Fleet {
  runners: RunnerView[];
  metrics: Record<string, RunnerMetrics | null>;
}

/** Online first, then by name. */
export function sortRunners(runners: readonly RunnerView[]): RunnerView[] {
  return [...runners].sort(
    (a, b) => Number(b.status === 'online') - Number(a.status === 'online') || a.name.localeCompare(b.name),
  );
}

export async function loadFleet(api: Pick<ApiClient, 'listRunners' | 'getRunner'>): Promise<Fleet> {
  const runners = sortRunners(await api.listRunners());
  const online = runners.filter((r) => r.status === 'online').slice(0, METRICS_FOR_AT_MOST);
  // A runner that disappears between the two calls just shows without metrics.
  const details = await Promise.all(online.map((r) => api.getRunner(r.id).catch(() => null)));
  const metrics: Record<string, RunnerMetrics | null> = {};
  for (const detail of details) if (detail) metrics[detail.id] = detail.metrics;
  return { runners, metrics };
}

/** What revoking does to this runner, asked before the DELETE. */
export function revokeQuestion(runner: Pick<RunnerView, 'name' | 'runningExecutions'>): string {
  const running = runner.runningExecutions.length;
  const jobs =
    running === 0
      ? ''
      : ` The ${running === 1 ? 'execution' : `${running} executions`} it runs now will be marked lost and retried by their policy.`;
  return `Revoke the runner ${runner.name}? Its token stops working at once and its connections close.${jobs} To use the machine again, register it anew.`;
}
