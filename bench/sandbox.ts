// `npm run bench:sandbox`: what the sandbox costs at the start of a run. Claude Code spawned by the runner's
// startAgent → its first event, unconfined vs in bubblewrap (open network) vs in bubblewrap with model-only's network
// bridge, runs interleaved so the host's load falls on all alike; p50s and the ratio to unconfined (target ≤ 1.2×).
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NetworkPolicy } from '@claudeops/control-plane/protocol';
import { startAgent } from '../apps/runner/src/agent/agent';
import { Sandbox, type ConfinedRun } from '../apps/runner/src/sandbox/sandbox';
import { configureLogging, createLogger } from '../apps/runner/src/support/logger';
import { startScriptedAnthropic } from '../tests/fixtures/scripted-anthropic';
import { percentile } from './proc-stats';

const RUNS = Number(process.env.BENCH_RUNS ?? 10);
type Mode = 'unconfined' | 'bubblewrap' | 'bubblewrap, model-only';
const MODES: Array<{ mode: Mode; network: NetworkPolicy | null }> = [
  { mode: 'unconfined', network: null },
  { mode: 'bubblewrap', network: 'open' },
  { mode: 'bubblewrap, model-only', network: 'model-only' },
];

async function main() {
  configureLogging({ level: 'warn' });
  const root = await mkdtemp(join(tmpdir(), 'claudeops-bench-sandbox-'));
  const api = await startScriptedAnthropic();
  const stateDir = join(root, 'state');
  const home = join(root, 'home');
  await mkdir(home, { recursive: true });
  try {
    const sandbox = await Sandbox.start({
      mode: 'bubblewrap',
      stateDir,
      workspacesDir: join(stateDir, 'workspaces'),
      reposDir: join(stateDir, 'repos'),
      log: createLogger('bench'),
    });
    const samples = new Map<Mode, number[]>(MODES.map(({ mode }) => [mode, []]));
    let n = 0;
    for (let run = 0; run < RUNS; run += 1) {
      for (const { mode, network } of MODES) {
        const executionId = `ex_bench${String((n += 1)).padStart(22, '0')}`;
        const cwd = join(stateDir, 'workspaces', executionId);
        await mkdir(cwd, { recursive: true });
        const env = {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: home,
          ANTHROPIC_BASE_URL: api.url,
          ANTHROPIC_API_KEY: 'sk-ant-bench',
          CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        };
        let confined: ConfinedRun | undefined;
        const started = performance.now();
        if (network) {
          confined = await sandbox.prepare({ executionId, network, limits: null, cwd, env, modelBaseUrl: api.url });
        }
        let first: number | undefined;
        const handle = startAgent(
          {
            executionId,
            prompt: `Say hello [script:echo]`,
            model: 'claude-sonnet-4-5',
            maxBudgetUsd: null,
            cwd,
            env,
            ...(confined && { sandbox: confined }),
          },
          () => (first ??= performance.now()),
        );
        const outcome = await handle.done;
        await confined?.dispose();
        if (outcome.status !== 'succeeded' || first === undefined) {
          throw new Error(`${mode} run ${run} ended ${outcome.status}: ${outcome.reason ?? 'no event'}`);
        }
        samples.get(mode)!.push(first - started);
      }
    }
    const base = percentile(samples.get('unconfined')!, 0.5);
    console.log(`bench:sandbox — Claude Code spawn → first event, ${RUNS} runs of each, interleaved`);
    for (const { mode } of MODES) {
      const p50 = percentile(samples.get(mode)!, 0.5);
      const ratio = p50 / base;
      console.log(
        `  ${mode.padEnd(24)} p50 ${p50.toFixed(0).padStart(5)} ms  ${ratio.toFixed(2)}×` +
          (mode === 'unconfined' ? '' : ratio <= 1.2 ? '  (target ≤ 1.2×: met)' : '  (target ≤ 1.2×: MISSED)'),
      );
    }
  } finally {
    await api.close();
    await rm(root, { recursive: true, force: true });
  }
}

await main();
