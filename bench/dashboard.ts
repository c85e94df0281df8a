// `npm run bench:dashboard`: (1) the gzipped JavaScript the execution page loads (entry + layout + the
// /executions/[id] node and their static imports, from the Vite manifest) against a 100 KB target; (2) the execution
// page in headless Chromium against `vite preview` of that build, the API mocked and the viewer socket replaying
// 100,000 events: navigation → last event rendered, then frame times while scrolling the log, beside the same
// scroll over a static page of the same size (the browser's own floor) measured in the same run.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Page } from 'playwright-core';
import { percentile } from './proc-stats';

const ROOT = path.resolve(import.meta.dirname, '..');
const APP = path.join(ROOT, 'apps/dashboard');
const CLIENT = path.join(APP, '.svelte-kit/output/client');
const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const TARGET_KB = 100;
const FRAME_TARGET_MS = 1000 / 60;
const ID = 'ex_0123456789abcdefghijklmnop';

interface ManifestChunk {
  file: string;
  imports?: string[];
  isEntry?: boolean;
}

/** The chunks the execution page loads before it can render: the app entries, root layout, route node, imports. */
function pageChunks(): string[] {
  const manifest = JSON.parse(readFileSync(path.join(CLIENT, '.vite/manifest.json'), 'utf8')) as Record<
    string,
    ManifestChunk
  >;
  const nodesDir = path.join(APP, '.svelte-kit/generated/client-optimized/nodes');
  const routeNode = readdirSync(nodesDir).find((file) =>
    readFileSync(path.join(nodesDir, file), 'utf8').includes('routes/executions/[id]/+page'),
  );
  if (!routeNode) throw new Error('no /executions/[id] node in the build');
  const roots = Object.keys(manifest).filter(
    (key) =>
      (manifest[key]!.isEntry && !key.includes('/nodes/')) ||
      key.endsWith(`client-optimized/nodes/0.js`) ||
      key.endsWith(`client-optimized/nodes/${routeNode}`),
  );
  const seen = new Set<string>();
  const visit = (key: string) => {
    if (seen.has(key) || !manifest[key]) return;
    seen.add(key);
    for (const imported of manifest[key]!.imports ?? []) visit(imported);
  };
  roots.forEach(visit);
  return [...seen].map((key) => manifest[key]!.file).filter((file) => file.endsWith('.js'));
}

function bundleSize(): number {
  let total = 0;
  for (const file of pageChunks()) total += gzipSync(readFileSync(path.join(CLIENT, file)), { level: 9 }).length;
  return total / 1024;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('port'))));
    });
  });
}

async function startPreview(port: number): Promise<ChildProcess> {
  const child = spawn('npx', ['vite', 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
    cwd: APP,
    detached: true,
    stdio: 'ignore',
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const up = await fetch(`http://127.0.0.1:${port}/`).then(
      () => true,
      () => false,
    );
    if (up) return child;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('vite preview did not start');
}

const ts = (seq: number) => new Date(Date.UTC(2026, 0, 1) + seq * 50).toISOString();

/** A plausible run: Claude's text, tool calls and their results, usage per message, the odd log line. */
function makeEvents(count: number): object[] {
  const events: object[] = [{ seq: 1, ts: ts(1), type: 'status', data: { status: 'running' } }];
  let total = 0;
  for (let seq = 2; seq <= count; seq += 1) {
    const n = seq % 7;
    const id = `tu_${seq - (n === 3 ? 1 : 0)}`;
    let event: object;
    if (seq === count || n === 0 || n === 5) {
      event = {
        type: 'assistant.text',
        data: { messageId: `m${seq}`, text: `Step ${seq}: checking **the tests** and \`src/file-${seq % 97}.ts\`.` },
      };
    } else if (n === 2) {
      event = {
        type: 'tool.call',
        data: { messageId: `m${seq}`, toolUseId: id, name: 'Bash', input: { command: `npm test -- --shard ${seq}` } },
      };
    } else if (n === 3) {
      event = {
        type: 'tool.result',
        data: {
          toolUseId: id,
          isError: seq % 70 === 3,
          content: `PASS src/file-${seq}.test.ts\n  ✓ works (${seq % 40} ms)\n\nTests: 12 passed`,
        },
      };
    } else if (n === 6) {
      event = { type: 'log', data: { level: 'info', message: `workspace note ${seq}` } };
    } else {
      total += 0.0001;
      event = {
        type: 'usage',
        data: {
          messageId: `m${seq}`,
          model: 'claude-sonnet-4-5',
          inputTokens: 1200,
          outputTokens: 80,
          cacheReadInputTokens: 900,
          cacheCreationInputTokens: 0,
          costUsd: 0.0001,
          totalCostUsd: total,
        },
      };
    }
    events.push({ seq, ts: ts(seq), ...event });
  }
  return events;
}

function detail() {
  return {
    id: ID,
    status: 'running',
    statusReason: null,
    prompt: 'Run the test suite and fix what fails',
    model: 'claude-sonnet-4-5',
    maxBudgetUsd: 25,
    labels: [],
    runnerId: null,
    createdAt: ts(0),
    startedAt: ts(1),
    finishedAt: null,
    costUsd: 0,
    costEstimatedUsd: null,
    costIsEstimate: false,
    agent: 'default',
    blockedReason: null,
    repo: null,
    ref: null,
    attempt: 1,
    maxAttempts: 2,
    retryOf: null,
    rootId: ID,
    cancelRequestedAt: null,
    cancelReason: null,
    result: null,
    permissions: null,
    inputs: null,
    attempts: [{ id: ID, attempt: 1, status: 'running', statusReason: null, runnerId: null, createdAt: ts(0) }],
  };
}

async function mockApi(page: Page, frames: string[]): Promise<void> {
  await page.route('**/api/v1/**', async (route) => {
    const url = new URL(route.request().url());
    const json = (body: unknown, status = 200) =>
      route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) });
    if (url.pathname === '/api/v1/me') return json({ actor: 'admin', via: 'session' });
    if (url.pathname === `/api/v1/executions/${ID}`) return json(detail());
    if (url.pathname.endsWith('/patch')) return json({ error: { code: 'NOT_FOUND', message: 'no patch' } }, 404);
    return json({ items: [], nextCursor: null });
  });
  await page.routeWebSocket(/\/api\/v1\/executions\/.+\/events/, (ws) => {
    ws.onMessage((message) => {
      if (message === 'ping') ws.send('pong');
    });
    for (const frame of frames) ws.send(frame);
    ws.send(JSON.stringify({ type: 'ready', lastSeq: EVENTS, status: 'running' }));
  });
}

/** Scrolls `selector` through `steps` positions, one per animation frame; returns the frame intervals in ms. */
async function scrollFrames(page: Page, selector: string, steps: number, stride: number | null): Promise<number[]> {
  // A string, not a function: tsx would wrap named functions in a helper the page does not have.
  const script = `new Promise((resolve) => {
    const el = document.querySelector(${JSON.stringify(selector)});
    el.scrollTop = 0;
    const times = [];
    let step = 0;
    const frame = (now) => {
      times.push(now);
      if (step >= ${steps}) return resolve(times.slice(1).map((t, i) => t - times[i]));
      step += 1;
      const max = el.scrollHeight - el.clientHeight;
      el.scrollTop = ${stride === null ? `(max * step) / ${steps}` : `Math.min(max, step * ${stride})`};
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(() => requestAnimationFrame(frame));
  })`;
  return (await page.evaluate(script)) as number[];
}

const stats = (frames: number[]) => ({
  p50: percentile(frames, 0.5),
  p95: percentile(frames, 0.95),
  max: Math.max(...frames),
});
const ms = (value: number) => `${value.toFixed(1)} ms`;

async function main() {
  if (!process.env.BENCH_SKIP_BUILD)
    execFileSync('npm', ['run', 'build', '-w', 'apps/dashboard'], { cwd: ROOT, stdio: 'ignore' });
  const kb = bundleSize();
  console.log(
    `execution page JS (gzip -9): ${kb.toFixed(1)} KB (target ${TARGET_KB} KB) ${kb <= TARGET_KB ? 'ok' : 'OVER'}`,
  );

  const events = makeEvents(EVENTS);
  const frames: string[] = [];
  for (let i = 0; i < events.length; i += 256)
    frames.push(JSON.stringify({ type: 'events', events: events.slice(i, i + 256) }));

  const port = await freePort();
  const preview = await startPreview(port);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
  try {
    for (const viewport of [
      { width: 1280, height: 800 },
      { width: 390, height: 844 },
    ]) {
      const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
      const page = await context.newPage();
      page.setDefaultTimeout(Number(process.env.BENCH_TIMEOUT_MS ?? 120_000));
      page.on('pageerror', (error) => console.error('page error:', error.message));
      page.on('console', (message) => {
        if (message.type() === 'error') console.error('console:', message.text());
      });
      await mockApi(page, frames);
      await page.goto(`http://127.0.0.1:${port}/executions/${ID}`);
      const progress = process.env.BENCH_PROGRESS
        ? setInterval(() => {
            void page
              .evaluate(`document.querySelector('section[data-event-count]')?.getAttribute('data-event-count')`)
              .then(
                (count) => console.log('progress', count),
                () => {},
              );
          }, 2000)
        : undefined;
      const loadedMs = await page
        .waitForFunction(
          `document.querySelector('section[data-event-count="${EVENTS}"] li[data-key="${EVENTS}"]') ? performance.now() : false`,
          undefined,
          { polling: 'raf' },
        )
        .catch(async (error: unknown) => {
          const state = await page.evaluate(`({
            section: document.querySelector('section[data-event-count]')?.getAttribute('data-event-count'),
            lastKeys: [...document.querySelectorAll('li[data-key]')].slice(-3).map((li) => li.getAttribute('data-key')),
            text: document.body.innerText.slice(0, 600),
          })`);
          console.error('not rendered:', JSON.stringify(state));
          throw error;
        });
      clearInterval(progress);
      const renderedMs = (await loadedMs.jsonValue()) as number;
      const domRows = await page.locator('[data-testid="event-log"] li').count();
      const name = `${viewport.width}×${viewport.height}`;
      console.log(`${name}: navigation → event ${EVENTS} rendered: ${ms(renderedMs)} (${domRows} rows in the DOM)`);

      const log = '[data-testid="event-log"]';
      const app = {
        through: stats(await scrollFrames(page, log, 300, null)),
        smooth: stats(await scrollFrames(page, log, 300, 120)),
      };
      const height = await page.locator(log).evaluate((el) => [el.scrollHeight, el.clientHeight, el.clientWidth]);
      await page.setContent(
        `<div id="s" style="height:${height[1]}px;width:${height[2]}px;overflow:auto"><div style="height:${height[0]}px;background:repeating-linear-gradient(#fff 0 40px,#eee 40px 80px)"></div></div>`,
      );
      const base = {
        through: stats(await scrollFrames(page, '#s', 300, null)),
        smooth: stats(await scrollFrames(page, '#s', 300, 120)),
      };
      for (const kind of ['through', 'smooth'] as const) {
        const label = kind === 'through' ? 'whole log in 300 frames' : '120 px per frame';
        console.log(
          `${name} scroll (${label}): app p50 ${ms(app[kind].p50)} p95 ${ms(app[kind].p95)} max ${ms(app[kind].max)}` +
            ` | static page p50 ${ms(base[kind].p50)} p95 ${ms(base[kind].p95)} max ${ms(base[kind].max)}` +
            ` | target ${ms(FRAME_TARGET_MS)}; p95 ratio app/static ${(app[kind].p95 / base[kind].p95).toFixed(2)}`,
        );
      }
      await context.close();
    }
  } finally {
    await browser.close();
    if (preview.pid) process.kill(-preview.pid, 'SIGTERM');
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
