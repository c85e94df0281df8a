// The /schedules page in real Chromium against the whole local stack: create a schedule from the form (a prompt,
// quiet hours), run it now, and see the run on the schedule's page with its execution; axe-clean on the way.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeViolations, DESKTOP, openPage, seriousViolations, signIn } from '../fixtures/browser';
import { type BrowserStack, startBrowserStack } from './support';

let env: BrowserStack;
let page: Page;

beforeAll(async () => {
  env = await startBrowserStack();
  page = await openPage(env.browser, DESKTOP, env.dashboard.url);
  await signIn(page, env.stack.controlPlane.adminToken);
});

afterAll(async () => {
  await page?.context().close();
  await env?.dispose();
});

describe('schedules journey', () => {
  it('creates a schedule, runs it now and shows the run', async () => {
    await page.goto('/schedules');
    await page.getByRole('heading', { name: 'Schedules', level: 1 }).waitFor();
    await page.getByLabel('Name').fill('journey-nightly');
    await page.getByLabel('Cron (minute hour day month weekday)').fill('30 2 * * *');
    await page.getByText('every day at 02:30').waitFor();
    await page.getByLabel('Prompt').fill('Say hello [script:echo]');
    await page.getByLabel('Quiet hours from (optional)').fill('22:00');
    await page.getByLabel('Quiet hours until').fill('07:00');
    await page.getByRole('button', { name: 'Create schedule' }).click();
    await page.getByText('Created journey-nightly.').waitFor();
    const violations = await seriousViolations(page);
    expect(violations, describeViolations(violations)).toEqual([]);

    await page.getByRole('button', { name: 'Run now journey-nightly' }).click();
    const started = await page.getByText(/Started ex_/).textContent();
    const executionId = /ex_[0-9a-z]{26}/.exec(started ?? '')![0];

    await page.getByRole('link', { name: 'journey-nightly' }).click();
    await page.getByRole('heading', { name: 'journey-nightly', level: 1 }).waitFor();
    await page.getByRole('link', { name: executionId }).waitFor();
    await expect.poll(async () => page.getByText('run now').count()).toBeGreaterThan(0);
  });
});
