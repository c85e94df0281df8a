// `npm run bench:lighthouse`: Lighthouse 12.2.3 (mobile profile, its default) with Debian's Chromium against the
// overview, the executions list and an execution page as `npm start` serves them (the real `npm start`, started as
// the home-install e2e test starts it, logged in with a session cookie minted through POST /api/v1/sessions and
// sent as an extra header). Prints performance, accessibility, best practices, LCP, requests and bytes per page
// beside the targets (performance ≥ 90, accessibility 100, best practices ≥ 95), and for a missed target the
// audits that cost the points (full reports in test-results/lighthouse/). BENCH_CHROMIUM overrides /usr/bin/chromium.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { launch } from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { startHomeInstall } from '../tests/fixtures/home-install';
import { waitFor } from '../tests/fixtures/wait';
import { REPO_ROOT } from '../scripts/wrangler';

/** Each page's full Lighthouse report (JSON), for a closer look at what a score is made of. */
const REPORTS = path.join(REPO_ROOT, 'test-results', 'lighthouse');
const CHROMIUM = process.env.BENCH_CHROMIUM ?? '/usr/bin/chromium';
const TARGETS = { performance: 90, accessibility: 100, 'best-practices': 95 } as const;
type Category = keyof typeof TARGETS;

interface Audit {
  id: string;
  title: string;
  score: number | null;
  scoreDisplayMode: string;
  numericValue?: number;
  displayValue?: string;
  details?: { items?: unknown[] };
}
interface Lhr {
  categories: Record<Category, { score: number | null; auditRefs: Array<{ id: string; weight: number }> }>;
  audits: Record<string, Audit>;
  runtimeError?: { message: string };
}

const score = (lhr: Lhr, category: Category) => Math.round((lhr.categories[category].score ?? 0) * 100);

/** The audits of a category that lost points, heaviest first. */
function costs(lhr: Lhr, category: Category): string[] {
  return lhr.categories[category].auditRefs
    .map((ref) => ({ ref, audit: lhr.audits[ref.id]! }))
    .filter(({ ref, audit }) => ref.weight > 0 && audit.score !== null && audit.score < 1)
    .sort((a, b) => b.ref.weight * (1 - (b.audit.score ?? 0)) - a.ref.weight * (1 - (a.audit.score ?? 0)))
    .map(
      ({ ref, audit }) =>
        `${audit.id} (${audit.title}; score ${Math.round((audit.score ?? 0) * 100)}, weight ${ref.weight}` +
        `${audit.displayValue ? `, ${audit.displayValue}` : ''})`,
    );
}

/** Where the main thread went (bootup-time): the scripts behind a long Total Blocking Time. */
function busiestScripts(lhr: Lhr): string[] {
  const items = (lhr.audits['bootup-time']?.details?.items ?? []) as Array<{
    url: string;
    total: number;
    scripting: number;
  }>;
  return items
    .slice(0, 5)
    .map(
      (item) =>
        `main thread: ${item.url.replace(/^https?:\/\/[^/]+/, '')} ${item.total.toFixed(0)} ms (scripting ${item.scripting.toFixed(0)} ms)`,
    );
}

async function main() {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install -y chromium)`);
  console.log('bench:lighthouse — starting npm start (builds the dashboard when stale)…');
  const home = await startHomeInstall();
  const chrome = await launch({
    chromePath: CHROMIUM,
    chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  try {
    const created = await home.api.createExecution({ prompt: 'Say hello [script:echo]' });
    await waitFor(async () => ['succeeded', 'failed'].includes((await home.api.getExecution(created.id)).status), {
      timeoutMs: 120_000,
      what: 'the execution to finish',
    });
    const login = await fetch(`${home.dashboardUrl}/api/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: home.dashboardUrl },
      body: JSON.stringify({ token: home.adminToken }),
    });
    const cookie = login.headers.get('set-cookie')?.split(';')[0];
    if (login.status !== 201 || !cookie) throw new Error(`logging in answered ${login.status}`);

    const pages = [
      ['overview', '/'],
      ['executions', '/executions'],
      ['execution', `/executions/${created.id}`],
    ] as const;
    const missed: string[] = [];
    console.log(
      `\n  page         perf  a11y  best   LCP      requests  bytes     (targets: perf ≥ ${TARGETS.performance}, ` +
        `a11y ${TARGETS.accessibility}, best practices ≥ ${TARGETS['best-practices']})`,
    );
    for (const [name, pathname] of pages) {
      const result = await lighthouse(`${home.dashboardUrl}${pathname}`, {
        port: chrome.port,
        output: 'json',
        logLevel: 'error',
        onlyCategories: Object.keys(TARGETS),
        extraHeaders: { Cookie: cookie },
      });
      const lhr = result?.lhr as unknown as Lhr | undefined;
      if (!lhr) throw new Error(`lighthouse returned nothing for ${name}`);
      await mkdir(REPORTS, { recursive: true });
      await writeFile(path.join(REPORTS, `${name}.json`), JSON.stringify(lhr));
      if (lhr.runtimeError) throw new Error(`lighthouse on ${name}: ${lhr.runtimeError.message}`);
      const lcp = lhr.audits['largest-contentful-paint']?.numericValue ?? NaN;
      const requests = lhr.audits['network-requests']?.details?.items?.length ?? 0;
      const bytes = lhr.audits['total-byte-weight']?.numericValue ?? 0;
      const [perf, a11y, best] = [score(lhr, 'performance'), score(lhr, 'accessibility'), score(lhr, 'best-practices')];
      const mark = (value: number, category: Category) => `${value}${value >= TARGETS[category] ? ' ' : '!'}`;
      console.log(
        `  ${name.padEnd(12)} ${mark(perf, 'performance').padEnd(5)} ${mark(a11y, 'accessibility').padEnd(5)} ` +
          `${mark(best, 'best-practices').padEnd(6)} ${(lcp / 1000).toFixed(1).padStart(4)} s   ${String(requests).padStart(8)}  ` +
          `${(bytes / 1024).toFixed(0).padStart(5)} KiB`,
      );
      for (const category of Object.keys(TARGETS) as Category[]) {
        if (score(lhr, category) >= TARGETS[category]) continue;
        missed.push(`${name} ${category} ${score(lhr, category)} < ${TARGETS[category]}:`);
        for (const cost of costs(lhr, category).slice(0, 8)) missed.push(`      ${cost}`);
        if (category === 'performance') missed.push(...busiestScripts(lhr).map((line) => `        ${line}`));
      }
    }
    if (missed.length) {
      console.log('\n  targets missed (the audits that cost the points):');
      for (const line of missed) console.log(`    ${line}`);
      process.exitCode = 1;
    } else console.log('\n  every target met');
  } finally {
    chrome.kill();
    await home.stop();
  }
}

await main();
