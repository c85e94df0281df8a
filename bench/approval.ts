// `npm run bench:approval`: a person's decision POST → Claude Code's tool call proceeds (the file its `Write` creates
// appears in the workspace), p50/p99 over repeated runs, beside one WebSocket round trip in the same run. Also the
// decision POST's own response time, and request → listed (the runner's approval.requested → GET …/approvals).
import { watch } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { startStack } from '../tests/fixtures/stack';
import { waitFor } from '../tests/fixtures/wait';
import { percentile, wsRoundTrips } from './proc-stats';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const MODEL = 'claude-sonnet-4-5';

/** Resolves with the time `file` appears in `dir` (inotify: no polling delay in the figure). */
function appearance(dir: string, file: string): { at: Promise<number>; close(): void } {
  let close = () => {};
  const at = new Promise<number>((resolve) => {
    const watcher = watch(dir, (_event, name) => {
      if (name === file) {
        resolve(performance.now());
        watcher.close();
      }
    });
    close = () => watcher.close();
  });
  return { at, close };
}

async function main() {
  const stack = await startStack();
  try {
    const runner = await stack.startRunner();
    const proceeded: number[] = [];
    const posted: number[] = [];
    const listed: number[] = [];
    let lastId = '';
    for (let run = 0; run < RUNS; run += 1) {
      const file = `bench-${run}.txt`;
      const execution = await stack.api.createExecution({
        prompt: `Bench ${run} [script:write-tool:${file}]`,
        model: MODEL,
        permissions: { allow: [], ask: ['Write'], deny: [] },
      });
      lastId = execution.id;
      const workspace = path.join(runner.workspacesDir, execution.id);
      await mkdir(workspace, { recursive: true });
      const seen = appearance(workspace, file);
      const approval = await waitFor(
        async () => (await stack.api.approvals({ executionId: execution.id, status: 'pending' }))[0],
        { timeoutMs: 60_000, intervalMs: 5, what: 'the approval' },
      );
      listed.push(Date.now() - Date.parse(approval.createdAt));
      const start = performance.now();
      await stack.api.decide(approval.id, { decision: 'allow' });
      posted.push(performance.now() - start);
      const at = await Promise.race([
        seen.at,
        stack.waitForEnd(execution.id).then(() => Promise.reject(new Error('ended before the file appeared'))),
      ]).finally(() => seen.close());
      proceeded.push(at - start);
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
    console.log(`bench:approval — ${RUNS} approvals, one runner, one at a time`);
    console.log(`  decision POST → tool call proceeds   ${fmt(proceeded)}`);
    console.log(`  decision POST response               ${fmt(posted)}`);
    console.log(`  requested → listed (poll, 5 ms)      ${fmt(listed)}`);
    console.log(`  WebSocket round trip (200)           ${fmt(rtt)}`);
    console.log(
      `  ratio (p50)                          proceeds ${(percentile(proceeded, 0.5) / percentile(rtt, 0.5)).toFixed(1)}x round trips`,
    );
  } finally {
    await stack.dispose();
  }
}

await main();
