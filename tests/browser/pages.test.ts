// Every page of the dashboard at 390×844 and 1280×800, with real data behind it: a screenshot of each (saved under
// test-results/screenshots/, the README's come from here) and an axe check with no serious or critical violation,
// in the light theme and, for the busiest pages, the dark one.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeViolations,
  DESKTOP,
  openPage,
  PHONE,
  screenshot,
  seriousViolations,
  signIn,
  type Viewport,
} from '../fixtures/browser';
import { hmacHex } from '../../apps/control-plane/src/webhooks/signatures';
import { putBudget } from '../fixtures/budgets';
import { waitFor } from '../fixtures/wait';
import { type BrowserStack, startBrowserStack } from './support';

const MODEL = 'claude-sonnet-4-5';
let env: BrowserStack;
let repo: string;
const ids: Record<string, string> = {};

beforeAll(async () => {
  env = await startBrowserStack();
  const { api } = env.stack;
  repo = await mkdtemp(path.join(os.tmpdir(), 'claudeops-pages-repo-'));
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', repo, '-c', 'user.name=T', '-c', 'user.email=t@localhost', ...args]);
  git('init', '-q', '-b', 'main');
  await writeFile(path.join(repo, 'app.js'), 'export const version = 1;\n');
  git('add', '.');
  git('commit', '-q', '-m', 'initial');
  git('checkout', '-q', '-b', 'feature');
  await writeFile(path.join(repo, 'app.js'), 'export const version = 2;\nexport const name = "app";\n');
  git('commit', '-q', '-am', 'feature');
  git('checkout', '-q', 'main');

  await putBudget(api, 'global', { period: 'day', softLimitUsd: 5, hardLimitUsd: 10 });
  await putBudget(api, 'agent:bug-fixer', { period: 'month', hardLimitUsd: 50 });
  const review = await api.createExecution({
    agent: 'pr-reviewer',
    inputs: { repo, ref: 'feature', base: 'main' },
    model: MODEL,
  });
  const health = await api.createExecution({ agent: 'system-health-reporter', inputs: {}, model: MODEL });
  const change = await api.createExecution({
    agent: 'code-task',
    inputs: { task: 'Greet [script:write-file:hello.txt]', repo },
    model: MODEL,
  });
  ids.review = review.id;
  ids.health = health.id;
  ids.change = change.id;
  // code-task asks before its Bash command: allow it, so the run commits a diff to show.
  const approval = await waitFor(async () => (await api.approvals({ executionId: change.id, status: 'pending' }))[0], {
    timeoutMs: 60_000,
    what: 'the code-task approval',
  });
  await api.decide(approval.id, { decision: 'allow', message: 'fine' });
  for (const id of Object.values(ids)) await env.stack.waitForEnd(id);
  // One approval left waiting, for the approvals page and the banner.
  const waiting = await api.createExecution({
    prompt: 'Create later.txt [script:write-tool:later.txt]',
    model: MODEL,
    permissions: { allow: [], ask: ['Write'], deny: [] },
  });
  ids.waiting = waiting.id;
  // A GitHub webhook with one delivery that no rule matches (issues opened), for the webhooks pages.
  const hook = await api.json<{ id: string; secret: string }>('POST', '/api/v1/webhooks', {
    name: 'pages-github',
    kind: 'github',
  });
  ids.webhook = hook.id;
  const hookBody = JSON.stringify({ action: 'opened', issue: { number: 1, title: 'A question', labels: [] } });
  const delivered = await fetch(`${env.stack.controlPlane.url}/hooks/${hook.id}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'issues',
      'x-github-delivery': 'pages-delivery-1',
      'x-hub-signature-256': `sha256=${await hmacHex(hook.secret, hookBody)}`,
    },
    body: hookBody,
  });
  if (delivered.status !== 202) throw new Error(`the webhook delivery answered ${delivered.status}`);
  await waitFor(async () => (await api.approvals({ executionId: waiting.id, status: 'pending' }))[0], {
    timeoutMs: 60_000,
    what: 'a pending approval',
  });
});

afterAll(async () => {
  if (ids.waiting) await env?.stack.api.cancel(ids.waiting);
  await env?.dispose();
  if (repo) await rm(repo, { recursive: true, force: true });
});

async function runnerId(): Promise<string> {
  const { items } = await env.stack.api.json<{ items: Array<{ id: string }> }>('GET', '/api/v1/runners');
  return items[0]!.id;
}

/** Every page, with what must be on it before the screenshot. */
const PAGES: Array<{ name: string; path: string | (() => Promise<string> | string); shows: RegExp }> = [
  { name: 'overview', path: '/', shows: /overview/i },
  { name: 'executions', path: '/executions', shows: /executions/i },
  { name: 'executions-by-trigger', path: '/executions?trigger=api', shows: /started by/i },
  { name: 'execution-review', path: () => `/executions/${ids.review}`, shows: /verdict|review/i },
  { name: 'execution-health', path: () => `/executions/${ids.health}`, shows: /health|status/i },
  { name: 'execution-diff', path: () => `/executions/${ids.change}`, shows: /hello\.txt/ },
  { name: 'execution-waiting', path: () => `/executions/${ids.waiting}`, shows: /later\.txt/ },
  { name: 'approvals', path: '/approvals', shows: /approvals/i },
  { name: 'costs', path: '/costs', shows: /costs|spend/i },
  { name: 'runners', path: '/runners', shows: /runners/i },
  { name: 'runner', path: async () => `/runners/${await runnerId()}`, shows: /cpu/i },
  { name: 'templates', path: '/templates', shows: /templates/i },
  { name: 'template-edit', path: '/templates/pr-reviewer', shows: /pr-reviewer/ },
  { name: 'template-new', path: '/templates/new', shows: /new template|template/i },
  { name: 'settings', path: '/settings', shows: /notifications/i },
  { name: 'schedules', path: '/schedules', shows: /system-health-reporter/ },
  { name: 'schedule', path: '/schedules/system-health-reporter', shows: /every day at 07:00/ },
  { name: 'webhooks', path: '/webhooks', shows: /pages-github/ },
  { name: 'webhook', path: () => `/webhooks/${ids.webhook}`, shows: /issues\.opened/ },
];

async function visit(page: Page, target: (typeof PAGES)[number]) {
  const url = typeof target.path === 'function' ? await target.path() : target.path;
  await page.goto(url);
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  await page.getByText(target.shows).filter({ visible: true }).first().waitFor();
}

describe.each([
  ['phone', PHONE],
  ['desktop', DESKTOP],
] as Array<[string, Viewport]>)('every page on a %s', (_name, viewport) => {
  let page: Page;

  beforeAll(async () => {
    page = await openPage(env.browser, viewport, env.dashboard.url);
  });

  afterAll(async () => {
    await page?.context().close();
  });

  it('the sign-in page', async () => {
    await page.goto('/login');
    await page.getByLabel(/token/i).waitFor();
    await screenshot(page, 'login', viewport);
    const violations = await seriousViolations(page);
    expect(violations, describeViolations(violations)).toEqual([]);
    await signIn(page, env.stack.controlPlane.adminToken);
  });

  it.each(PAGES.map((p) => [p.name, p] as const))('%s', async (_page, target) => {
    await visit(page, target);
    await screenshot(page, target.name, viewport);
    const violations = await seriousViolations(page);
    expect(violations, describeViolations(violations)).toEqual([]);
  });

  it('the dark theme passes the same checks on the busiest pages', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    try {
      for (const target of PAGES.filter((p) => ['overview', 'execution-diff', 'approvals', 'costs'].includes(p.name))) {
        await visit(page, target);
        await screenshot(page, `${target.name}-dark`, viewport);
        const violations = await seriousViolations(page);
        expect(violations, `${target.name}: ${describeViolations(violations)}`).toEqual([]);
      }
    } finally {
      await page.emulateMedia({ colorScheme: 'light' });
    }
  });
});

/** Delivers a push message to the page's service worker (as a push service would, through Chromium's DevTools
 * protocol) and checks the notification it shows. */
async function showsPushMessages(page: Page): Promise<void> {
  const origin = new URL(page.url()).origin;
  await page.context().grantPermissions(['notifications'], { origin });
  const cdp = await page.context().newCDPSession(page);
  const registration = new Promise<string>((resolve) => {
    cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
      const found = registrations.find((r) => r.scopeURL.startsWith(origin) && !r.isDeleted);
      if (found) resolve(found.registrationId);
    });
  });
  await cdp.send('ServiceWorker.enable');
  const payload = {
    topic: 'approval',
    title: 'Approval needed: Write',
    body: 'later.txt (new file)',
    url: `/executions/${ids.waiting}`,
    tag: 'approval-test',
  };
  await cdp.send('ServiceWorker.deliverPushMessage', {
    origin,
    registrationId: await registration,
    data: JSON.stringify(payload),
  });
  const shown = () =>
    page.evaluate(
      `navigator.serviceWorker.ready.then((r) => r.getNotifications()).then((all) => all.map((n) => ({ title: n.title, body: n.body, tag: n.tag, url: n.data && n.data.url })))`,
    );
  await expect
    .poll(shown)
    .toContainEqual({ title: payload.title, body: payload.body, tag: payload.tag, url: payload.url });
  await cdp.detach();
}

describe('the installable app', () => {
  it('has a manifest with its icons, and a service worker that shows push messages and starts the app offline', async () => {
    const page = await openPage(env.browser, PHONE, env.dashboard.url);
    try {
      await signIn(page, env.stack.controlPlane.adminToken);
      const manifest = (await page.evaluate(
        `fetch(document.querySelector('link[rel="manifest"]').href).then((r) => r.json())`,
      )) as { display: string; start_url: string; icons: Array<{ src: string; sizes: string; type: string }> };
      expect(manifest).toMatchObject({ display: 'standalone', start_url: '/' });
      for (const size of ['192x192', '512x512']) {
        const icon = manifest.icons.find((i) => i.sizes === size && i.type === 'image/png');
        expect(icon, `a ${size} PNG icon`).toBeDefined();
        const response = await page.request.get(icon!.src);
        expect(response.headers()['content-type']).toContain('image/png');
      }
      // Registered by SvelteKit; once it is active and controls the page, the shell comes from its cache.
      await page.evaluate('navigator.serviceWorker.ready.then(() => true)');
      await page.reload();
      await expect.poll(() => page.evaluate('Boolean(navigator.serviceWorker.controller)')).toBe(true);
      await showsPushMessages(page);
      await page.context().setOffline(true);
      try {
        await page.goto('/runners');
        await page.getByRole('navigation', { name: 'Main' }).waitFor();
        await page
          .getByRole('link', { name: /approvals/i })
          .first()
          .waitFor();
      } finally {
        await page.context().setOffline(false);
      }
    } finally {
      await page.context().close();
    }
  });
});
