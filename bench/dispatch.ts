// `npm run bench:dispatch`: enqueue → runner accepted (its `status: running` event) → Claude Code spawned (its
// process seen in the workspace), p50/p99 over repeated runs, beside one WebSocket round trip in the same run.
import path from 'node:path';
import { processesIn } from '../tests/fixtures/processes';
import { startStack } from '../tests/fixtures/stack';
import { percentile, wsRoundTrips } from './proc-stats';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);

async function spawnedAt(workspace: string, deadline: number): Promise<number> {
  for (;;) {
    if ((await processesIn(workspace)).length > 0) return Date.now();
    if (Date.now() > deadline) throw new Error('Claude Code never appeared');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function main() {
  const stack = await startStack();
  try {
    const runner = await stack.startRunner();
    const accepted: number[] = [];
    const spawned: number[] = [];
    let lastId = '';
    for (let run = 0; run < RUNS; run += 1) {
      const enqueuedAt = Date.now();
      const execution = await stack.api.createExecution({ prompt: `Run ${run} [script:echo]` });
      lastId = execution.id;
      const at = await spawnedAt(path.join(runner.workspacesDir, execution.id), Date.now() + 60_000);
      await stack.waitForEnd(execution.id);
      const running = (await stack.api.events(execution.id)).find(
        (event) => event.type === 'status' && event.data.status === 'running',
      );
      if (!running) throw new Error('no running status');
      accepted.push(Date.parse(running.ts) - enqueuedAt);
      spawned.push(at - enqueuedAt);
    }
    const rtt = await wsRoundTrips(
      stack.controlPlane.url,
      stack.controlPlane.adminToken,
      `/api/v1/executions/${lastId}/events?after=0`,
      200,
    );
    const fmt = (values: number[]) =>
      `p50 ${percentile(values, 0.5).toFixed(1).padStart(7)} ms  p99 ${percentile(values, 0.99).toFixed(1).padStart(7)} ms`;
    console.log(`bench:dispatch — ${RUNS} executions, one runner, one at a time`);
    console.log(`  enqueue → runner accepted        ${fmt(accepted)}`);
    console.log(`  enqueue → Claude Code spawned    ${fmt(spawned)}`);
    console.log(`  WebSocket round trip (200)       ${fmt(rtt)}`);
    console.log(
      `  ratio (p50)                      accepted ${(percentile(accepted, 0.5) / percentile(rtt, 0.5)).toFixed(1)}x, ` +
        `spawned ${(percentile(spawned, 0.5) / percentile(rtt, 0.5)).toFixed(1)}x round trips`,
    );
  } finally {
    await stack.dispose();
  }
}

await main();
