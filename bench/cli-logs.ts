// `npm run bench:cli-logs`: a 10,000-event run read to its end by the real `claudeops logs -f --json` binary and by a
// dashboard-style viewer socket (tests/fixtures/viewer.ts), the same events checked equal; throughput of each
// (events/s from the first event to the last, so process start-up is apart; the best of BENCH_ROUNDS rounds each) and
// the ratio against >= 0.9x.
import { spawnSync } from 'node:child_process';
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

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
/** The best round: on a shared machine the other processes only ever slow a round down, never speed it up. */
const best = (values: number[]) => Math.max(...values);

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
    for (let round = 0; round < ROUNDS; round += 1) {
      viewerRuns.push(await viaViewer(cp.url, cp.adminToken, id, last));
      cliRuns.push(await viaCli(cp.url, cp.adminToken, id, last));
    }
    for (const run of cliRuns) {
      if (!isDeepStrictEqual(run.events, viewerRuns[0]!.events)) {
        throw new Error('claudeops logs -f printed other events than the viewer socket delivered');
      }
    }
    if (process.env.BENCH_VERBOSE) {
      console.log('rounds (events/s): viewer', viewerRuns.map((r) => r.eventsPerSec.toFixed(0)).join(' '));
      console.log('rounds (events/s): cli   ', cliRuns.map((r) => r.eventsPerSec.toFixed(0)).join(' '));
    }
    const cli = best(cliRuns.map((r) => r.eventsPerSec));
    const viewer = best(viewerRuns.map((r) => r.eventsPerSec));
    const ratio = cli / viewer;
    const medianRatio = median(cliRuns.map((r) => r.eventsPerSec)) / median(viewerRuns.map((r) => r.eventsPerSec));
    console.log(
      `bench:cli-logs — one finished run of ${last} events (${TOTAL} logs + status), best of ${ROUNDS} rounds`,
    );
    console.log(`  same events: yes (${last} each, seq 1..${last}, deep-equal)`);
    console.log(
      `  viewer socket        ${viewer.toFixed(0).padStart(8)} events/s  (wall ${median(viewerRuns.map((r) => r.wallMs)).toFixed(0)} ms)`,
    );
    console.log(
      `  claudeops logs -f    ${cli.toFixed(0).padStart(8)} events/s  (wall ${median(cliRuns.map((r) => r.wallMs)).toFixed(0)} ms, process start included)`,
    );
    console.log(
      `  ratio                ${ratio.toFixed(2)}x (target >= ${TARGET}x)  ${ratio >= TARGET ? 'OK' : 'MISSED'}`,
    );
    console.log(`  (ratio of the medians ${medianRatio.toFixed(2)}x)`);
  } finally {
    producer.stop();
    await cp.dispose();
  }
}

await main();
