// `npm run bench:fleet`: many executions at once over several runners, with the scripted model answering at once:
// total events/s, lost events (must be 0), the control plane's CPU; then each runner's idle RSS and CPU.
// BENCH_SANDBOX=off|on|both: the runners' sandbox (default: the runner's own default, auto); `both` runs the batch
// with it off, then on, on one control plane, and prints the events/s ratio (target ≥ 0.9×).
// First, the idle footprint: one runner from its ahead-of-time build (apps/runner/dist, built here when stale) and
// one from source under tsx, both registered and connected with no job, their VmRSS against the 100 MB target.
// BENCH_IDLE_ONLY=1 stops after that.
import { setTimeout as delay } from 'node:timers/promises';
import { startStack, type Stack } from '../tests/fixtures/stack';
import { chattySteps } from '../tests/fixtures/viewer';
import { buildRunner, runnerBuildStaleness } from '../scripts/build-runner';
import { cpuMs, groupCpuMs, rssBytes } from './proc-stats';

const EXECUTIONS = Number(process.env.BENCH_EXECUTIONS ?? 200);
const RUNNERS = Number(process.env.BENCH_RUNNERS ?? 4);
const SLOTS = Number(process.env.BENCH_SLOTS ?? 2);
const STEPS = Number(process.env.BENCH_STEPS ?? 5);
const IDLE_WINDOW_MS = 10_000;
const SANDBOX = process.env.BENCH_SANDBOX ?? 'default';
const IDLE_ONLY = process.env.BENCH_IDLE_ONLY === '1';
/** The runner's idle memory target (issue 11), in bytes. */
const IDLE_RSS_TARGET = 100 * 1000 * 1000;
const SANDBOX_MODES: Record<string, Array<'off' | 'bubblewrap' | null>> = {
  default: [null],
  off: ['off'],
  on: ['bubblewrap'],
  both: ['off', 'bubblewrap'],
};

async function main() {
  const modes = SANDBOX_MODES[SANDBOX];
  if (!modes) throw new Error(`BENCH_SANDBOX must be off, on or both, got ${SANDBOX}`);
  const stack = await startStack();
  try {
    await idleFootprint(stack);
    if (IDLE_ONLY) return;
    const rates: number[] = [];
    for (const [round, mode] of modes.entries()) rates.push(await batch(stack, round, mode));
    if (modes.length === 2) {
      const ratio = rates[1]! / rates[0]!;
      console.log(
        `sandbox on vs off: ${rates[1]!.toFixed(0)} / ${rates[0]!.toFixed(0)} events/s = ${ratio.toFixed(2)}× ` +
          `(target ≥ 0.9×: ${ratio >= 0.9 ? 'met' : 'MISSED'})`,
      );
    }
  } finally {
    await stack.dispose();
  }
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

/**
 * Idle RSS of the real runner process (VmRSS), registered and connected, no job, after two heartbeats (the first
 * metrics reading loads systeminformation): the built runner against the target, beside tsx from source.
 */
async function idleFootprint(stack: Stack): Promise<void> {
  // Built right before it starts: the bin runs the build only while no source file is newer.
  await buildRunner();
  const built = await stack.startRunner({ name: 'idle-built' });
  const stale = await runnerBuildStaleness();
  if (stale) console.log(`  (the runner's build went stale as it started, ${stale}: it may have run from source)`);
  const source = await stack.startRunner({ name: 'idle-source', env: { CLAUDEOPS_RUNNER_FROM_SOURCE: '1' } });
  try {
    await delay(IDLE_WINDOW_MS * 2);
    const [builtRss, sourceRss] = [await rssBytes(built.pid), await rssBytes(source.pid)];
    console.log('bench:fleet — runner idle RSS (registered, connected, no job; /proc/<pid>/status VmRSS)');
    console.log(
      `  built (dist/claudeops-runner.js)  ${mb(builtRss)} (target ≤ ${mb(IDLE_RSS_TARGET)}: ` +
        `${builtRss <= IDLE_RSS_TARGET ? 'met' : 'MISSED'})`,
    );
    console.log(
      `  tsx from source (baseline)        ${mb(sourceRss)}; built / source = ${(builtRss / sourceRss).toFixed(2)}×`,
    );
    if (builtRss > IDLE_RSS_TARGET) process.exitCode = 1;
  } finally {
    await Promise.all([built.stop(), source.stop()]);
  }
}

/** One batch on fresh runners with the given sandbox mode (null: the runner's default); resolves its events/s. */
async function batch(stack: Stack, round: number, mode: 'off' | 'bubblewrap' | null): Promise<number> {
  const env: Record<string, string> = mode ? { CLAUDEOPS_RUNNER_SANDBOX: mode } : {};
  const runners = await Promise.all(
    Array.from({ length: RUNNERS }, (_, i) =>
      stack.startRunner({ name: `fleet-${round}-${i}`, maxConcurrent: SLOTS, env }),
    ),
  );
  try {
    const cpPgid = stack.controlPlane.process.pid;
    const cpuBefore = await groupCpuMs(cpPgid);
    const start = performance.now();
    const ids = await Promise.all(
      Array.from({ length: EXECUTIONS }, (_, i) =>
        stack.api.createExecution({ prompt: `Job ${i} [script:chatty:${STEPS}]` }).then((e) => e.id),
      ),
    );
    const ends = await Promise.all(ids.map((id) => stack.waitForEnd(id, 1_800_000)));
    const wallMs = performance.now() - start;
    const cpuUsedMs = (await groupCpuMs(cpPgid)) - cpuBefore;

    let events = 0;
    let lost = 0;
    let failed = 0;
    for (const [index, id] of ids.entries()) {
      if (ends[index]!.status !== 'succeeded') failed += 1;
      const stored = await stack.api.allEvents(id);
      stored.forEach((event, i) => {
        if (event.seq !== i + 1) lost += 1;
      });
      // Each step is one text, one tool call, one tool result: count what must be there.
      const steps = chattySteps(stored).length;
      lost += Math.max(0, STEPS - steps);
      events += stored.length;
    }
    const perRunner = new Map<string, number>();
    for (const end of ends) perRunner.set(end.runnerId ?? 'none', (perRunner.get(end.runnerId ?? 'none') ?? 0) + 1);

    // Idle: nothing queued; each runner only heartbeats.
    const idleBefore = await Promise.all(runners.map((r) => cpuMs(r.pid)));
    await delay(IDLE_WINDOW_MS);
    const idleCpu = await Promise.all(runners.map(async (r, i) => (await cpuMs(r.pid)) - idleBefore[i]!));
    const rss = await Promise.all(runners.map((r) => rssBytes(r.pid)));

    console.log(
      `bench:fleet — ${EXECUTIONS} executions at once over ${RUNNERS} runners × ${SLOTS} slots, chatty:${STEPS} each` +
        `, sandbox ${mode ?? 'default (auto)'}`,
    );
    console.log(`  wall time               ${(wallMs / 1000).toFixed(1)} s`);
    console.log(`  events stored           ${events} (${((events / wallMs) * 1000).toFixed(0)} events/s)`);
    console.log(`  lost or doubled events  ${lost}${lost === 0 ? ' (none)' : ' — INVARIANT BROKEN'}`);
    console.log(`  not succeeded           ${failed}`);
    console.log(`  executions per runner   ${[...perRunner.values()].join(', ')}`);
    console.log(
      `  control plane CPU       ${(cpuUsedMs / 1000).toFixed(1)} s (${((cpuUsedMs / wallMs) * 100).toFixed(0)}% of one core), ` +
        `${((cpuUsedMs / events) * 1000).toFixed(0)} µs per event, ${(cpuUsedMs / EXECUTIONS).toFixed(0)} ms per execution ` +
        '(wrangler dev: workerd and its local proxy)',
    );
    console.log(`  runner idle RSS         ${rss.map((b) => `${(b / 1024 / 1024).toFixed(0)} MiB`).join(', ')}`);
    console.log(
      `  runner idle CPU         ${idleCpu.map((ms) => `${((ms / IDLE_WINDOW_MS) * 100).toFixed(2)}%`).join(', ')} over ${IDLE_WINDOW_MS / 1000} s`,
    );
    if (lost > 0) process.exitCode = 1;
    return (events / wallMs) * 1000;
  } finally {
    // The next batch gets runners of its own: these must not take its executions.
    await Promise.all(runners.map((runner) => runner.stop()));
  }
}

await main();
