// `npm run bench:budget`: how fast a crossed hard limit stops Claude Code. For repeated runs: the time from the usage
// event that crosses the limit (stamped by the runner) to the Claude Code process being gone, beside one WebSocket
// round trip to the control plane measured in the same run, and the ratio.
import path from 'node:path';
import { largestCall, putBudget, usageEvents } from '../tests/fixtures/budgets';
import { isAlive, processesIn } from '../tests/fixtures/processes';
import { startStack } from '../tests/fixtures/stack';
import { percentile, wsRoundTrips } from './proc-stats';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
const MODEL = 'claude-sonnet-4-5';

/** Waits for Claude Code to appear in the workspace, then for all of its processes to be gone; returns that time. */
async function goneAt(workspace: string): Promise<number> {
  let pids: number[] = [];
  const appearDeadline = Date.now() + 60_000;
  while (pids.length === 0) {
    if (Date.now() > appearDeadline) throw new Error('Claude Code never started');
    pids = await processesIn(workspace);
    if (pids.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const goneDeadline = Date.now() + 120_000;
  for (;;) {
    const alive = pids.filter(isAlive);
    if (alive.length === 0) return Date.now();
    if (Date.now() > goneDeadline) throw new Error('Claude Code never stopped');
    pids = [...new Set([...alive, ...(await processesIn(workspace))])];
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function main() {
  const stack = await startStack();
  try {
    const runner = await stack.startRunner({ labels: ['bench'] });
    const calibration = await stack.api.createExecution({ prompt: 'Calibrate [script:costly:2]', model: MODEL });
    await stack.waitForEnd(calibration.id);
    const callUsd = largestCall(await stack.api.allEvents(calibration.id));

    const stops: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const { spentUsd } = await putBudget(stack.api, 'label:bench', { period: 'total' });
      const limit = spentUsd + 2.5 * callUsd;
      await putBudget(stack.api, 'label:bench', { period: 'total', hardLimitUsd: limit });
      const execution = await stack.api.createExecution({
        prompt: `Round ${round} [script:costly:30]`,
        model: MODEL,
        labels: ['bench'],
      });
      const gone = await goneAt(path.join(runner.workspacesDir, execution.id));
      const done = await stack.waitForEnd(execution.id);
      if (done.cancelReason !== 'budget') throw new Error(`round ${round} ended ${done.status}/${done.cancelReason}`);
      let total = spentUsd;
      const crossing = usageEvents(await stack.api.allEvents(execution.id)).find(
        (event) => (total += event.data.costUsd ?? 0) >= limit,
      );
      if (!crossing) throw new Error(`round ${round}: no usage crossed the limit`);
      stops.push(gone - Date.parse(crossing.ts));
    }
    const rtt = await wsRoundTrips(
      stack.controlPlane.url,
      stack.controlPlane.adminToken,
      `/api/v1/executions/${calibration.id}/events?after=0`,
      200,
    );

    const fmt = (values: number[]) =>
      `p50 ${percentile(values, 0.5).toFixed(1).padStart(7)} ms  p99 ${percentile(values, 0.99).toFixed(1).padStart(7)} ms`;
    console.log(`bench:budget — ${ROUNDS} runs crossing a hard limit (one call ≈ $${callUsd.toFixed(4)})`);
    console.log(`  crossing usage → Claude Code gone   ${fmt(stops)}`);
    console.log(`  WebSocket round trip (200 pings)    ${fmt(rtt)}`);
    console.log(
      `  ratio                               p50 ${(percentile(stops, 0.5) / percentile(rtt, 0.5)).toFixed(1)}x, ` +
        `p99 ${(percentile(stops, 0.99) / percentile(rtt, 0.99)).toFixed(1)}x round trips`,
    );
  } finally {
    await stack.dispose();
  }
}

await main();
