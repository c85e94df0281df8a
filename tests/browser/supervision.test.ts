// Supervision from the execution page, in real Chromium against the whole local stack (real runner, real Claude
// Code on the scripted API): a failing check's review panel and Accept, a low-confidence reviewer's verdict and Send
// feedback (to the follow-up), Pause with its banner and Resume, and the checkpoint timeline of a repo run with its
// diffs and "Rewind here" (to the follow-up). Each state the user sees is axe-checked and screenshotted.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pausableScript } from '../fixtures/anthropic-supervision-scripts';
import { describeViolations, DESKTOP, openPage, screenshot, seriousViolations, signIn } from '../fixtures/browser';
import { type BrowserStack, startBrowserStack } from './support';

const MODEL = 'claude-sonnet-4-5';
let env: BrowserStack;
const pages: Page[] = [];
const dirs: string[] = [];

let releaseFirstTurn: () => void = () => undefined;
const firstTurnHeld = new Promise<void>((resolve) => (releaseFirstTurn = resolve));
/** Turn 0 (held until the test lets it go) runs a Bash echo; turn 1 answers. */
const pausable = pausableScript(firstTurnHeld);

beforeAll(async () => {
  env = await startBrowserStack({ scripts: { pausable } });
});

afterEach(async () => {
  for (const page of pages.splice(0)) await page.context().close();
});

afterAll(async () => {
  releaseFirstTurn();
  await env?.dispose();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function signedIn(): Promise<Page> {
  const page = await openPage(env.browser, DESKTOP, env.dashboard.url);
  pages.push(page);
  await signIn(page, env.stack.controlPlane.adminToken);
  return page;
}

async function testRepo(): Promise<string> {
  const repo = await mkdtemp(path.join(os.tmpdir(), 'claudeops-browser-supervision-'));
  dirs.push(repo);
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', repo, '-c', 'user.name=T', '-c', 'user.email=t@localhost', ...args]);
  git('init', '-q', '-b', 'main');
  await writeFile(path.join(repo, 'README.md'), '# supervision\n');
  git('add', '.');
  git('commit', '-q', '-m', 'initial');
  return repo;
}

/** The execution page's status, as the page shows it (the status badge in its header). */
const shownStatus = (page: Page, status: string) =>
  page.locator('main').getByText(status, { exact: true }).filter({ visible: true }).first();

/** The review panel, by its heading. */
const reviewPanel = (page: Page) => page.getByRole('region', { name: /Needs your review|Checks and review/ });

/** The follow-up the page navigated to, once it has left `fromId`'s page. */
async function followupPage(page: Page, fromId: string): Promise<string> {
  await page.waitForURL((url) => /^\/executions\/ex_/.test(url.pathname) && !url.pathname.endsWith(fromId));
  return page.url().split('/').at(-1)!;
}

async function expectAxeClean(page: Page, what: string): Promise<void> {
  const violations = await seriousViolations(page);
  expect(violations, `${what}: ${describeViolations(violations)}`).toEqual([]);
}

describe('supervision in the dashboard', () => {
  it('shows a failing check in the review panel and Accept makes the run succeed', async () => {
    const created = await env.stack.api.createExecution({
      prompt: 'Write the greeting [script:write-file:hello.txt]',
      model: MODEL,
      checks: ['false'],
    });
    await env.stack.waitForStatus(created.id, (e) => e.status === 'needs_review');
    const page = await signedIn();
    await page.goto(`/executions/${created.id}`);
    await shownStatus(page, 'needs review').waitFor();
    const panel = reviewPanel(page);
    await panel.getByRole('heading', { name: 'Needs your review' }).waitFor();
    const check = panel.getByRole('list', { name: 'Checks' }).getByRole('listitem').first();
    await check.locator('code', { hasText: /^false$/ }).waitFor();
    await check.getByText(/failed \(exit 1\)/).waitFor();
    await expectAxeClean(page, 'needs_review, light');
    await screenshot(page, 'supervision-needs-review', DESKTOP);
    await page.emulateMedia({ colorScheme: 'dark' });
    try {
      await expectAxeClean(page, 'needs_review, dark');
      await screenshot(page, 'supervision-needs-review-dark', DESKTOP);
    } finally {
      await page.emulateMedia({ colorScheme: 'light' });
    }

    await panel.getByRole('button', { name: 'Accept' }).click();
    await shownStatus(page, 'succeeded').waitFor({ timeout: 60_000 });
    // Decided: the panel stays as a read-only record, without the decision buttons.
    await panel.getByRole('heading', { name: 'Checks and review' }).waitFor();
    expect(await panel.getByRole('button', { name: 'Accept' }).count()).toBe(0);
    expect(await panel.getByRole('button', { name: 'Send feedback' }).count()).toBe(0);
    expect((await env.stack.api.getExecution(created.id)).status).toBe('succeeded');
  });

  it('shows the reviewer’s verdict and Send feedback opens the follow-up', async () => {
    const created = await env.stack.api.createExecution({
      prompt: 'Write the greeting [script:write-file:gate.txt] [review:0.3]',
      model: MODEL,
      review: { endpoint: 'claude', threshold: 0.7, mode: 'gate', maxRetries: 0 },
    });
    await env.stack.waitForStatus(created.id, (e) => e.status === 'needs_review');
    const page = await signedIn();
    await page.goto(`/executions/${created.id}`);
    const panel = reviewPanel(page);
    await panel.getByRole('heading', { name: 'Needs your review' }).waitFor();
    await panel.getByText(/Reviewer verdict fail, confidence 30%/).waitFor();
    const finding = panel.getByRole('list', { name: 'Findings' }).getByRole('listitem').first();
    await finding.getByText('hello.txt must end with a newline').waitFor();
    await finding.getByText('hello.txt:1').waitFor();
    await expectAxeClean(page, 'reviewer verdict');
    await screenshot(page, 'supervision-verdict', DESKTOP);

    await panel.getByLabel(/Feedback for the agent/).fill('Please end hello.txt with a newline');
    await panel.getByRole('button', { name: 'Send feedback' }).click();
    const followupId = await followupPage(page, created.id);
    const followup = await env.stack.api.getExecution(followupId);
    expect(followup).toMatchObject({ followupOf: created.id, prompt: 'Please end hello.txt with a newline' });
    expect((await env.stack.api.getExecution(created.id)).status).toBe('failed');
    // The follow-up is reviewed again (the task's marker still scores 0.3): it waits for a person too.
    await env.stack.waitForStatus(followupId, (e) => e.status === 'needs_review');
    await page.getByRole('heading', { name: 'Needs your review' }).waitFor();
  });

  it('pauses from the page, shows the banner, and Resume lets the run finish', async () => {
    const created = await env.stack.api.createExecution({ prompt: 'Pause me [script:pausable]', model: MODEL });
    await env.stack.anthropic.waitForRequest((r) => r.script === 'pausable' && r.turn === 0);
    const page = await signedIn();
    await page.goto(`/executions/${created.id}`);
    await shownStatus(page, 'running').waitFor();
    await page.getByRole('button', { name: 'Pause' }).click();
    const banner = page.getByRole('status').filter({ hasText: 'Paused by you' });
    await banner.waitFor({ timeout: 60_000 });
    await shownStatus(page, 'paused').waitFor();
    await expectAxeClean(page, 'paused');
    await screenshot(page, 'supervision-paused', DESKTOP);

    // The held turn ends and its tool runs; the next model call waits for the resume.
    releaseFirstTurn();
    await page.getByRole('button', { name: 'Resume' }).click();
    await shownStatus(page, 'succeeded').waitFor({ timeout: 120_000 });
    expect(await banner.count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Resume' }).count()).toBe(0);
    expect((await env.stack.api.getExecution(created.id)).status).toBe('succeeded');
  });

  it('lists a repo run’s two checkpoints with their diffs, and "Rewind here" opens the follow-up', async () => {
    const repo = await testRepo();
    const created = await env.stack.api.createExecution({
      prompt: 'Edit twice [script:two-edits]',
      model: MODEL,
      repo,
    });
    const ended = await env.stack.waitForEnd(created.id);
    expect(ended.status, ended.statusReason ?? '').toBe('succeeded');
    const page = await signedIn();
    await page.goto(`/executions/${created.id}`);
    const timeline = page.getByRole('region', { name: 'Checkpoints' });
    await timeline.getByText('Checkpoint 2', { exact: true }).waitFor();
    const items = timeline.locator('ol > li');
    expect(await items.count()).toBe(2);

    const second = items.nth(1);
    await second.getByText('Changes of checkpoint 2').click();
    await second.getByText('b.txt').first().waitFor();
    await second.getByText('extra').first().waitFor();
    await expectAxeClean(page, 'checkpoint timeline');
    await screenshot(page, 'supervision-checkpoints', DESKTOP);

    await timeline.getByRole('button', { name: 'Rewind here: checkpoint 1' }).click();
    const form = items.nth(0).locator('form');
    await form.getByLabel('Also rewind the conversation').check();
    await expectAxeClean(page, 'rewind form');
    await form.getByRole('button', { name: 'Rewind to checkpoint 1' }).click();
    const followupId = await followupPage(page, created.id);
    expect(await env.stack.api.getExecution(followupId)).toMatchObject({ followupOf: created.id });
    // The follow-up's page says what the rewind did, in its log.
    await page
      .getByText(`rewound the files to checkpoint 1 of ${created.id}`, { exact: false })
      .first()
      .waitFor({ timeout: 120_000 });
    await env.stack.waitForEnd(followupId);
  });
});
