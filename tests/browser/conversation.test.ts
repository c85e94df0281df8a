// Follow-ups from the execution page, in real Chromium against the whole local stack (real runner, real Claude Code
// on the scripted API): a message typed into an ended execution's message box (Ctrl+Enter) starts a follow-up, the
// page goes there and shows both turns as one conversation (each prompt and answer, the current turn marked, axe-
// clean); the executions list's "Started by" filter keeps the follow-up and drops the first turn.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, openPage, screenshot, seriousViolations, signIn } from '../fixtures/browser';
import { followupScripts, recalledText, rememberedText } from '../fixtures/anthropic-followup-scripts';
import { type BrowserStack, startBrowserStack } from './support';

const MODEL = 'claude-sonnet-4-5';
let env: BrowserStack;
const pages: Page[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  env = await startBrowserStack({ scripts: followupScripts({ hold: Promise.resolve() }) });
});

afterAll(async () => {
  for (const page of pages.splice(0)) await page.context().close();
  await env?.dispose();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function testRepo(): Promise<string> {
  const repo = await mkdtemp(path.join(os.tmpdir(), 'claudeops-browser-followup-'));
  dirs.push(repo);
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', repo, '-c', 'user.name=T', '-c', 'user.email=t@localhost', ...args]);
  git('init', '-q', '-b', 'main');
  await writeFile(path.join(repo, 'README.md'), '# follow-ups\n');
  git('add', '.');
  git('commit', '-q', '-m', 'initial');
  return repo;
}

describe('conversations in the dashboard', () => {
  it('sends a follow-up from an ended execution’s page and shows both turns as one conversation', async () => {
    const repo = await testRepo();
    const word = `b${Date.now().toString(36)}`;
    const first = await env.stack.api.createExecution({
      prompt: `Remember the code word ${word} [script:remember:${word}]`,
      model: MODEL,
      repo,
    });
    const ended = await env.stack.waitForEnd(first.id);
    expect(ended.status, ended.statusReason ?? '').toBe('succeeded');

    const page = await openPage(env.browser, DESKTOP, env.dashboard.url);
    pages.push(page);
    await signIn(page, env.stack.controlPlane.adminToken);
    await page.goto(`/executions/${first.id}`);
    const box = page.getByLabel('Reply with a follow-up');
    await box.fill(`What was the code word? (${word}-q)`);
    await box.press('Control+Enter');
    await page.waitForURL((url) => url.pathname.startsWith('/executions/') && !url.pathname.endsWith(first.id));
    const followupId = page.url().split('/').at(-1)!;

    const conversation = page.getByRole('region', { name: 'Conversation' });
    await conversation.getByText(recalledText(word, word)).waitFor({ timeout: 120_000 });
    await conversation.getByText(rememberedText(word)).waitFor();
    await conversation.getByText(`What was the code word? (${word}-q)`).waitFor();
    const turns = conversation.getByRole('listitem');
    expect(await turns.count()).toBe(2);
    expect(await turns.nth(1).getAttribute('aria-current')).toBe('step');
    await conversation.getByRole('link', { name: /Full log of turn 1/ }).waitFor();
    // The header says what started it and links to the execution it follows up.
    const badge = page.locator('main header').getByRole('link', { name: /^Started by follow-up/ });
    await badge.waitFor();
    expect(await badge.getAttribute('href')).toBe(`/executions/${first.id}`);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'conversation', DESKTOP);

    const followup = await env.stack.api.getExecution(followupId);
    expect(followup).toMatchObject({ trigger: { kind: 'followup', id: first.id }, followupOf: first.id });

    // The trigger filter: the follow-up is listed, its first turn (started by the API) is not.
    await page.goto('/executions');
    await page.getByLabel('Started by').selectOption('followup');
    await page.waitForURL((url) => url.searchParams.get('trigger') === 'followup');
    await page.locator(`a[href="/executions/${followupId}"]`).waitFor();
    expect(await page.locator(`a[href="/executions/${first.id}"]`).count()).toBe(0);
  });
});
