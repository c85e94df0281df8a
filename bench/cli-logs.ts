// `npm run bench:cli-logs`: a 10,000-event run read to its end by the real `claudeops logs -f --json` binary and by a
// dashboard-style viewer socket (tests/fixtures/viewer.ts), the same events checked equal; throughput of each
// (events/s from the first event to the last, so process start-up is apart; median of BENCH_ROUNDS rounds) and the
// ratio against >= 0.9x. The CLI is a fresh process each round, so the viewer it is held to runs in one too.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import type { ExecutionEvent } from '@claudeops/control-plane/protocol';
import { REPO_ROOT } from '../scripts/wrangler';
import { ApiClient } from '../tests/fixtures/api-client';
import { startCli } from '../tests/fixtures/cli';
import { startControlPlane } from '../tests/fixtures/control-plane';
import { Viewer } from '../tests/fixtures/viewer';
import { BenchRunner, hubAck, hubFrame, stream } from './producer';

const TOTAL = Number(process.env.BENCH_EVENTS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const TARGET = 0.9;

interface Read {
  events: ExecutionEvent[];
  eventsPerSec: number;
  wallMs: number;
}

/** The CLI as a user runs it: `claudeops logs ID -f --json`, one NDJSON line per event, until it exits. */
async function viaCli(url: string, token: string, id: string, last: number): Promise<Read> {
  const started = performance.now();
  const cli = startCli(['logs', id, '-f', '--json'], { url, token });
  let first = 0;
  let end = 0;
  let tail = '';
  const marker = `{"seq":${last},`;
  cli.onStdout((chunk) => {
    const now = performance.now();
    if (first === 0) first = now;
    // The last event's line may straddle two chunks.
    tail = (tail + chunk).slice(-4096);
    if (end === 0 && tail.includes(marker)) end = now;
  });
  const result = await cli.done;
  if (result.code !== 0) throw new Error(`claudeops exited ${result.code}: ${result.stderr}`);
  if (end === 0) throw new Error(`claudeops logs -f ended before printing seq ${last}`);
  const events: ExecutionEvent[] = [];
  for (const line of result.stdout.split('\n')) if (line) events.push(JSON.parse(line) as ExecutionEvent);
  return { events, eventsPerSec: (events.length / (end - first)) * 1000, wallMs: performance.now() - started };
}

/** A dashboard-style viewer: from the first events frame to the last event of the run. */
async function viaViewer(url: string, token: string, id: string, last: number): Promise<Read> {
  const started = performance.now();
  const viewer = new Viewer(url, token, id);
  let first = 0;
  const connecting = viewer.connect(0);
  const firstSeen = setInterval(() => {
    if (first === 0 && viewer.events.length > 0) first = performance.now();
  }, 1);
  await connecting;
  clearInterval(firstSeen);
  const end = performance.now();
  viewer.disconnect();
  if (viewer.events.at(-1)?.seq !== last) throw new Error(`the viewer stopped at seq ${viewer.lastSeq}, not ${last}`);
  return {
    events: viewer.events,
    eventsPerSec: (viewer.events.length / (end - (first || started))) * 1000,
    wallMs: end - started,
  };
}

/** The same viewer in a fresh Node process, as cold as the CLI's (the in-process viewer is warm after round 1). */
async function viaViewerProcess(url: string, token: string, id: string, last: number): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--viewer-child'], {
    cwd: REPO_ROOT,
    // The token in the environment, never on a command line.
    env: { ...process.env, BENCH_URL: url, BENCH_TOKEN: token, BENCH_ID: id, BENCH_LAST: String(last) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0) throw new Error(`the viewer process exited ${code}`);
  return (JSON.parse(out) as { eventsPerSec: number }).eventsPerSec;
}

async function viewerChild(): Promise<void> {
  const { BENCH_URL, BENCH_TOKEN, BENCH_ID, BENCH_LAST } = process.env;
  const read = await viaViewer(BENCH_URL!, BENCH_TOKEN!, BENCH_ID!, Number(BENCH_LAST));
  process.stdout.write(JSON.stringify({ eventsPerSec: read.eventsPerSec }));
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main() {
  // The shipped path: bin/claudeops.js runs the bundle when it is fresh.
  const build = spawnSync('npm', ['run', 'build', '-w', 'apps/cli'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('npm run build -w apps/cli failed');
  const cp = await startControlPlane();
  const api = new ApiClient(cp.url, cp.adminToken);
  const producer = new BenchRunner(cp.url, api);
  try {
    await producer.start();
    const id = await producer.newExecution();
    const socket = await producer.openStream(id);
    await stream(socket, TOTAL, { batch: 32, window: 8, frame: hubFrame, ackOf: hubAck });
    const last = TOTAL + 1;
    socket.send(hubFrame([{ seq: last, ts: new Date().toISOString(), type: 'status', data: { status: 'succeeded' } }]));
    await new Promise<void>((resolve) => {
      socket.on('message', (raw) => {
        if (hubAck(raw.toString()) === last) resolve();
      });
    });
    socket.close();

    const cliRuns: Read[] = [];
    const viewerRuns: Read[] = [];
    const coldViewerRuns: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      viewerRuns.push(await viaViewer(cp.url, cp.adminToken, id, last));
      coldViewerRuns.push(await viaViewerProcess(cp.url, cp.adminToken, id, last));
      cliRuns.push(await viaCli(cp.url, cp.adminToken, id, last));
    }
    for (const run of cliRuns) {
      if (!isDeepStrictEqual(run.events, viewerRuns[0]!.events)) {
        throw new Error('claudeops logs -f printed other events than the viewer socket delivered');
      }
    }
    const rate = (runs: Read[]) => runs.map((r) => r.eventsPerSec);
    if (process.env.BENCH_VERBOSE) {
      const show = (values: number[]) => values.map((v) => v.toFixed(0)).join(' ');
      console.log(`rounds (events/s): warm viewer ${show(rate(viewerRuns))}`);
      console.log(`rounds (events/s): cold viewer ${show(coldViewerRuns)}`);
      console.log(`rounds (events/s): claudeops   ${show(rate(cliRuns))}`);
    }
    const cli = median(rate(cliRuns));
    const cold = median(coldViewerRuns);
    const warm = median(rate(viewerRuns));
    const ratio = cli / cold;
    const wall = (runs: Read[]) => median(runs.map((r) => r.wallMs)).toFixed(0);
    console.log(
      `bench:cli-logs — one finished run of ${last} events (${TOTAL} logs + status), median of ${ROUNDS} rounds`,
    );
    console.log(`  same events: yes (${last} each, seq 1..${last}, deep-equal)`);
    console.log(`  viewer socket, a fresh process     ${cold.toFixed(0).padStart(8)} events/s`);
    console.log(
      `  viewer socket, warm (bench process) ${warm.toFixed(0).padStart(8)} events/s  (wall ${wall(viewerRuns)} ms)`,
    );
    console.log(
      `  claudeops logs -f --json           ${cli.toFixed(0).padStart(8)} events/s  (wall ${wall(cliRuns)} ms, process start included)`,
    );
    console.log(
      `  ratio vs the fresh-process viewer  ${ratio.toFixed(2)}x (target >= ${TARGET}x)  ${ratio >= TARGET ? 'OK' : 'MISSED'}`,
    );
    console.log(`  ratio vs the warm viewer           ${(cli / warm).toFixed(2)}x`);
  } finally {
    producer.stop();
    await cp.dispose();
  }
}

if (process.argv[2] === '--viewer-child') await viewerChild();
else await main();
