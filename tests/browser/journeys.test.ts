// What a person does with the dashboard, in real Chromium against the whole local stack (real runner, real Claude
// Code on the scripted API): sign in and out, start from a template and watch it finish (and how it was sandboxed),
// approve from a phone, cancel, see a budget block and raise it, reload mid-run without losing a line.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, openPage, PHONE, screenshot, signIn } from '../fixtures/browser';
import { putBudget } from '../fixtures/budgets';
import { type BrowserStack, startBrowserStack } from './support';

const MODEL = 'claude-sonnet-4-5';
let env: BrowserStack;
const pages: Page[] = [];
const dirs: string[] = [];

/** Markdown from Claude with HTML a page must never run: it is shown as text, never executed. */
const HOSTILE = [
  '**Bold claim** and `code`.',
  '<img src="x" onerror="window.__xss = 1"> <script>window.__xss = 2</script>',
  '[click me](javascript:window.__xss=3) <a href="javascript:window.__xss=4">raw link</a>',
].join('\n\n');

beforeAll(async () => {
  env = await startBrowserStack({
    scripts: { hostile: () => ({ blocks: [{ type: 'text', text: HOSTILE }] }) },
  });
});

afterEach(async () => {
  for (const page of pages.splice(0)) await page.context().close();
});

afterAll(async () => {
  await env?.dispose();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function signedIn(viewport: typeof PHONE | typeof DESKTOP): Promise<Page> {
  const page = await openPage(env.browser, viewport, env.dashboard.url);
  pages.push(page);
  await signIn(page, env.stack.controlPlane.adminToken);
  return page;
}

const workspaceFile = (executionId: string, name: string) =>
  path.join(env.stack.runners[0]!.workspacesDir, executionId, name);

/** The execution page's status, as the page shows it (the status badge in its header). */
const shownStatus = (page: Page, status: string) =>
  page.locator('main').getByText(status, { exact: true }).filter({ visible: true }).first();

describe('the dashboard in a browser', () => {
  it('signs in with the token (no token in the URL or storage), shows the overview, and signs out', async () => {
    const page = await signedIn(DESKTOP);
    expect(new URL(page.url()).pathname).toBe('/');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).first().textContent()).toMatch(/overview/i);
    expect(page.url()).not.toContain(env.stack.controlPlane.adminToken);
    const stored = await page.evaluate('JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage })');
    expect(stored).not.toContain(env.stack.controlPlane.adminToken);
    const cookies = await page.context().cookies();
    expect(cookies.every((c) => c.httpOnly)).toBe(true);

    await page.locator('summary', { hasText: 'Account and theme' }).click();
    await page.getByText(/Signed in as/).waitFor();
    await page.getByRole('button', { name: /sign out/i }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/login'));
    await page.goto('/executions');
    await page.waitForURL((url) => url.pathname.startsWith('/login'));
  });

  it('starts an execution from a template with its inputs and watches it stream to completion', async () => {
    const repo = await mkdtemp(path.join(os.tmpdir(), 'claudeops-browser-repo-'));
    dirs.push(repo);
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', repo, '-c', 'user.name=T', '-c', 'user.email=t@localhost', ...args]);
    git('init', '-q', '-b', 'main');
    await writeFile(path.join(repo, 'README.md'), '# notes\n');
    git('add', '.');
    git('commit', '-q', '-m', 'initial');

    const page = await signedIn(DESKTOP);
    await page.goto('/executions');
    await page.getByRole('button', { name: 'New execution' }).click();
    const form = page.getByRole('form', { name: 'New execution' });
    await form.getByLabel('Template').selectOption('code-task');
    await form.getByLabel('task', { exact: true }).fill('Write the notes [script:write-tool:notes.txt]');
    await form.getByLabel('repo', { exact: true }).fill(repo);
    await form.getByRole('button', { name: 'Start execution' }).click();
    await page.waitForURL(/\/executions\/ex_[0-9a-z]{26}$/);
    const id = page.url().split('/').at(-1)!;

    await shownStatus(page, 'succeeded').waitFor({ timeout: 120_000 });
    await page
      .getByText(/Finished\. The tool call worked/)
      .first()
      .waitFor();
    await page.getByText('notes.txt').filter({ visible: true }).first().waitFor();
    const execution = await env.stack.api.getExecution(id);
    expect(execution).toMatchObject({ agent: 'code-task', status: 'succeeded', repo });
    // How it ran, as the API reports it, is in the page header: the badge's word and the sandbox itself.
    expect(['bubblewrap', 'none']).toContain(execution.sandbox);
    const header = page.locator('main header').first();
    const word = execution.sandbox === 'bubblewrap' ? 'sandboxed' : 'unconfined';
    await header.getByText(`Sandbox: ${word}`, { exact: true }).waitFor({ timeout: 10_000 });
    const sandboxRow = header.locator('dl > div').filter({ has: page.locator('dt', { hasText: /^Sandbox$/ }) });
    expect(await sandboxRow.locator('dd').textContent()).toContain(execution.sandbox);
    await screenshot(page, 'journey-template-run', DESKTOP);
  });

  it('approves a tool call from a phone', async () => {
    const created = await env.stack.api.createExecution({
      prompt: 'Create approved.txt [script:write-tool:approved.txt]',
      model: MODEL,
      permissions: { allow: ['Read'], ask: ['Write'], deny: [] },
    });
    const page = await signedIn(PHONE);
    // The banner on every page: one approval waiting, and it leads to the execution.
    const banner = page.getByRole('status').getByRole('link', { name: /approval/i });
    await banner.waitFor({ timeout: 60_000 });
    await banner.click();
    await page.waitForURL(new RegExp(`/executions/${created.id}$`));
    const card = page.getByRole('article').filter({ hasText: 'approved.txt' }).first();
    await card.getByText('written by claude').first().waitFor();
    await screenshot(page, 'journey-approval', PHONE);
    await card.getByRole('button', { name: 'Allow' }).click();

    await shownStatus(page, 'succeeded').waitFor({ timeout: 120_000 });
    expect(existsSync(workspaceFile(created.id, 'approved.txt'))).toBe(true);
    const [approval] = await env.stack.api.approvals({ executionId: created.id });
    expect(approval).toMatchObject({ status: 'allowed', decidedBy: 'dashboard' });
  });

  it('cancels a run', async () => {
    const created = await env.stack.api.createExecution({ prompt: 'Take your time [script:slow]', model: MODEL });
    await env.stack.waitForStatus(created.id, (e) => e.status === 'running');
    const page = await signedIn(DESKTOP);
    await page.goto(`/executions/${created.id}`);
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Cancel execution' }).click();
    await shownStatus(page, 'cancelled').waitFor({ timeout: 60_000 });
    expect((await env.stack.waitForEnd(created.id)).status).toBe('cancelled');
  });

  it('shows a budget block and starts the run once the limit is raised on the costs page', async () => {
    await putBudget(env.stack.api, 'label:browser-blocked', { period: 'total', hardLimitUsd: 0 });
    await env.stack.startRunner({ name: 'blocked-box', labels: ['browser-blocked'] });
    const created = await env.stack.api.createExecution({
      prompt: 'Write it [script:write-file:unblocked.txt]',
      model: MODEL,
      labels: ['browser-blocked'],
    });
    await env.stack.waitForStatus(created.id, (e) => e.status === 'blocked');
    const page = await signedIn(DESKTOP);
    await page.goto(`/executions/${created.id}`);
    await shownStatus(page, 'blocked').waitFor();
    await page
      .getByText(/label:browser-blocked/)
      .first()
      .waitFor();

    await page.goto('/costs');
    const budget = page.locator('section, article, li, tr').filter({ hasText: 'label:browser-blocked' }).last();
    await budget.getByRole('button', { name: /edit/i }).click();
    await budget.getByRole('textbox', { name: /hard limit/i }).fill('10');
    await budget.getByRole('button', { name: /save/i }).click();

    await page.goto(`/executions/${created.id}`);
    await shownStatus(page, 'succeeded').waitFor({ timeout: 120_000 });
  });

  it('reloads mid-run and shows every event once, with no gap', async () => {
    const created = await env.stack.api.createExecution({ prompt: 'Chat [script:chatty:120]', model: MODEL });
    const page = await signedIn(DESKTOP);
    await page.goto(`/executions/${created.id}`);
    const log = page.getByTestId('log-state');
    await expect
      .poll(async () => Number(await log.getAttribute('data-last-seq')), { timeout: 60_000 })
      .toBeGreaterThan(20);
    await page.reload();
    await shownStatus(page, 'succeeded').waitFor({ timeout: 120_000 });
    const events = await env.stack.api.allEvents(created.id);
    await expect.poll(async () => Number(await log.getAttribute('data-last-seq'))).toBe(events.at(-1)?.seq);
    expect(await log.getAttribute('data-events')).toBe(String(events.length));
    expect(await log.getAttribute('data-gaps')).toBe('0');
  });

  it('renders Claude’s Markdown and never runs the HTML in it', async () => {
    const created = await env.stack.api.createExecution({ prompt: 'Say it [script:hostile]', model: MODEL });
    await env.stack.waitForEnd(created.id);
    const page = await signedIn(DESKTOP);
    await page.goto(`/executions/${created.id}`);
    await page.locator('strong', { hasText: 'Bold claim' }).first().waitFor();
    expect(await page.evaluate('window.__xss ?? null')).toBeNull();
    expect(await page.locator('[onerror], script:not([src]):has-text("__xss")').count()).toBe(0);
    expect(await page.locator('a[href^="javascript:"]').count()).toBe(0);
  });

  it('approves with the keyboard alone: the skip link, then Tab to Allow and Enter', async () => {
    const created = await env.stack.api.createExecution({
      prompt: 'Create keyboard.txt [script:write-tool:keyboard.txt]',
      model: MODEL,
      permissions: { allow: [], ask: ['Write'], deny: [] },
    });
    await env.stack.waitForStatus(created.id, (e) => e.status === 'awaiting_approval');
    const page = await signedIn(DESKTOP);
    await page.goto(`/approvals`);
    await page.getByRole('button', { name: 'Allow' }).first().waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent?.trim()')).toBe('Skip to content');
    await page.keyboard.press('Enter');
    let focused = '';
    for (let presses = 0; presses < 60 && focused !== 'Allow'; presses += 1) {
      await page.keyboard.press('Tab');
      focused = String(await page.evaluate('document.activeElement?.textContent?.trim() ?? ""'));
    }
    expect(focused).toBe('Allow');
    await page.keyboard.press('Enter');
    expect((await env.stack.waitForEnd(created.id)).status).toBe('succeeded');
    expect(existsSync(workspaceFile(created.id, 'keyboard.txt'))).toBe(true);
  });
});
