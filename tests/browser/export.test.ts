// The execution page's Download menu in real Chromium against the whole local stack: it opens and closes from the
// keyboard, passes axe open, and its HTML link downloads the export bundle, which opens as one inert page that reads
// on a phone (what the agent wrote shows as text; nothing runs).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeViolations, DESKTOP, openPage, PHONE, seriousViolations, signIn } from '../fixtures/browser';
import { type BrowserStack, startBrowserStack } from './support';

const MODEL = 'claude-sonnet-4-5';
const HOSTILE = 'Exported <img src="x" onerror="window.__xss = 1"> <script>window.__xss = 2</script> fine.';
let env: BrowserStack;
let id: string;
const pages: Page[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  env = await startBrowserStack({
    scripts: { 'export-hostile': () => ({ blocks: [{ type: 'text', text: HOSTILE }] }) },
  });
  const created = await env.stack.api.createExecution({ prompt: 'Say it [script:export-hostile]', model: MODEL });
  id = created.id;
  expect((await env.stack.waitForEnd(id)).status).toBe('succeeded');
});

afterAll(async () => {
  for (const page of pages) await page.context().close();
  await env?.dispose();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function executionPage(viewport: typeof PHONE | typeof DESKTOP): Promise<Page> {
  const page = await openPage(env.browser, viewport, env.dashboard.url);
  pages.push(page);
  await signIn(page, env.stack.controlPlane.adminToken);
  await page.goto(`/executions/${id}`);
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  return page;
}

describe('the Download menu', () => {
  it('opens and closes from the keyboard and passes axe while open, light and dark', async () => {
    const page = await executionPage(DESKTOP);
    const button = page.getByRole('button', { name: 'Download' });
    await button.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => button.getAttribute('aria-expanded')).toBe('true');
    const list = page.getByRole('list', { name: 'Download this execution as' });
    for (const name of [/HTML page/, /Markdown/, /JSON/]) await list.getByRole('link', { name }).waitFor();
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      const violations = await seriousViolations(page);
      expect(violations, `${colorScheme}: ${describeViolations(violations)}`).toEqual([]);
    }
    await page.emulateMedia({ colorScheme: 'light' });

    await page.keyboard.press('Tab');
    await expect.poll(() => page.evaluate('document.activeElement?.textContent ?? ""')).toMatch(/HTML page/);
    await page.keyboard.press('Escape');
    await expect.poll(() => button.getAttribute('aria-expanded')).toBe('false');
    await expect.poll(() => list.count()).toBe(0);
    await expect.poll(() => page.evaluate('document.activeElement?.textContent ?? ""')).toMatch(/Download/);
  });

  it('downloads the HTML bundle, which opens as an inert page that fits a phone', async () => {
    const page = await executionPage(PHONE);
    await page.getByRole('button', { name: 'Download' }).click();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: /HTML page/ }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`claudeops-${id}.html`);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'claudeops-export-download-'));
    dirs.push(dir);
    const file = path.join(dir, download.suggestedFilename());
    await download.saveAs(file);
    const html = await readFile(file, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain(`<dd>${id}</dd>`);
    expect(html).toContain('Exported &lt;img src=&quot;x&quot;');
    expect(html).not.toMatch(/<script/i);

    // Opened as a file is opened: the agent's markup is text, nothing ran, and it reads at 390 px.
    const viewer = await openPage(env.browser, PHONE, env.dashboard.url);
    pages.push(viewer);
    await viewer.goto(`file://${file}`);
    await viewer.getByRole('heading', { name: 'Transcript' }).waitFor();
    await viewer.getByText(HOSTILE).first().waitFor();
    expect(await viewer.evaluate('window.__xss')).toBeUndefined();
    expect(await viewer.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    expect(await viewer.evaluate('document.querySelectorAll("script, link, img, iframe").length')).toBe(0);
  });
});
