// `npm run bench:pause`: a person's pause POST → the execution's last model call. A run makes model calls back to
// back (a cheap Bash echo each turn); once it is in its stride the bench pauses it and records when the last model
// call after the POST started (calls the hub had already permitted still go out; no new one is permitted). Beside it
// one WebSocket round trip to the hub, in the same run. Also the POST's own response time and POST → the runner's
// `status: paused` stored.
import { setTimeout as delay } from 'node:timers/promises';
import type { Script } from '../tests/fixtures/anthropic-scripts';
import { startStack } from '../tests/fixtures/stack';
import { percentile, wsRoundTrips } from './proc-stats';

const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const MODEL = 'claude-sonnet-4-5';
/** Quiet time after the pause is confirmed before a run's figure is taken: a call still coming would land in it. */
const SETTLE_MS = 1500;

/** When each call of each run reached the model (the script runs as the request arrives). */
const calls = new Map<string, number[]>();
const steps: Script = ({ turn, arg }) => {
  const run = arg ?? 'x';
  calls.set(run, [...(calls.get(run) ?? []), performance.now()]);
  return {
    blocks: [
      { type: 'text', text: `Step ${turn + 1}.` },
      { type: 'tool_use', name: 'Bash', input: { command: `echo step-${turn + 1}`, description: 'Step' } },
    ],
  };
};

async function main() {
  const stack = await startStack({ anthropic: { scripts: { 'bench-steps': steps } } });
  try {
    await stack.startRunner();
    const lastCall: number[] = [];
    const late: number[] = [];
    const posted: number[] = [];
    const confirmed: number[] = [];
    const gaps: number[] = [];
    let lastId = '';
    for (let run = 0; run < RUNS; run += 1) {
      const key = `r${run}`;
      const execution = await stack.api.createExecution({ prompt: `Bench [script:bench-steps:${key}]`, model: MODEL });
      lastId = execution.id;
      // In its stride: a few model calls made.
      while ((calls.get(key)?.length ?? 0) < 4) await delay(5);
      const start = performance.now();
      const response = await stack.api.request('POST', `/api/v1/executions/${execution.id}/pause`);
      posted.push(performance.now() - start);
      if (!response.ok) throw new Error(`pause: HTTP ${response.status} ${await response.text()}`);
      await stack.waitForStatus(execution.id, (e) => e.status === 'paused', 60_000);
      confirmed.push(performance.now() - start);
      await delay(SETTLE_MS);
      const all = calls.get(key) ?? [];
      const before = all.filter((at) => at < start);
      for (let i = 1; i < before.length; i += 1) gaps.push(before[i]! - before[i - 1]!);
      const after = all.filter((at) => at >= start);
      late.push(after.length);
      lastCall.push(after.length === 0 ? 0 : Math.max(...after) - start);
      await stack.api.cancel(execution.id);
      await stack.waitForEnd(execution.id);
    }
    const rtt = await wsRoundTrips(
      stack.controlPlane.url,
      stack.controlPlane.adminToken,
      `/api/v1/executions/${lastId}/events?after=0`,
      200,
    );
    const fmt = (values: number[]) =>
      `p50 ${percentile(values, 0.5).toFixed(1).padStart(7)} ms  p99 ${percentile(values, 0.99).toFixed(1).padStart(7)} ms`;
    console.log(`bench:pause — ${RUNS} runs pausing a run that makes model calls back to back`);
    console.log(`  pause POST → last model call starts   ${fmt(lastCall)}`);
    console.log(
      `  model calls started after the POST    max ${Math.max(...late)}, runs with none ${late.filter((n) => n === 0).length}/${RUNS}`,
    );
    console.log(`  gap between model calls before it     ${fmt(gaps)}`);
    console.log(`  pause POST response                   ${fmt(posted)}`);
    console.log(`  pause POST → status paused (via D1)   ${fmt(confirmed)}`);
    console.log(`  WebSocket round trip (200)            ${fmt(rtt)}`);
    console.log(
      `  ratio (p50)                           last call ${(percentile(lastCall, 0.5) / percentile(rtt, 0.5)).toFixed(1)}x round trips`,
    );
  } finally {
    await stack.dispose();
  }
}

await main();
