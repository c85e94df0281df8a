// The /webhooks pages in real Chromium against the whole local stack: create a GitHub webhook in the form, read its
// secret from the once-only panel, send a signed `issues` labeled delivery to its endpoint from the test, then see
// the delivery (outcome, matched rule, execution link) on the webhook's page and redeliver it; axe-clean on the way.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hmacHex } from '../../apps/control-plane/src/webhooks/signatures';
import { describeViolations, DESKTOP, openPage, seriousViolations, signIn } from '../fixtures/browser';
import { type BrowserStack, startBrowserStack } from './support';

const FIXTURE = new URL('../../apps/control-plane/test/fixtures/github/issues-labeled.json', import.meta.url);

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

describe('webhooks journey', () => {
  it('creates a webhook, receives a signed GitHub delivery, shows it and redelivers it', async () => {
    await page.goto('/webhooks');
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    await page.getByLabel('Name').fill('journey-github');
    await page.getByLabel('Sender').selectOption('github');
    await page.getByLabel('Deliveries a minute, at most').fill('30');
    await page.getByRole('button', { name: 'Create webhook' }).click();
    await page.getByText('you will not see this secret again').waitFor();
    const secret = await page.getByLabel('Secret', { exact: true }).inputValue();
    const endpoint = await page.getByLabel('Endpoint', { exact: true }).inputValue();
    expect(secret.length).toBeGreaterThan(20);
    const hookPath = new URL(endpoint).pathname;
    expect(hookPath).toMatch(/^\/hooks\/wh_/);
    await page.getByText(/This minute: 0 of 30/).waitFor();
    const violations = await seriousViolations(page);
    expect(violations, describeViolations(violations)).toEqual([]);

    // The sender: GitHub's documented headers and HMAC-SHA256 signature over the raw body.
    const body = await readFile(FIXTURE, 'utf8');
    const delivery = randomUUID();
    const res = await fetch(`${env.stack.controlPlane.url}${hookPath}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'issues',
        'x-github-delivery': delivery,
        'x-hub-signature-256': `sha256=${await hmacHex(secret, body)}`,
      },
      body,
    });
    const answer = (await res.json()) as { outcome: string; executionId?: string };
    expect(res.status, JSON.stringify(answer)).toBe(201);
    expect(answer.outcome).toBe('created');
    const executionId = answer.executionId!;

    // The secret is not shown again once the panel is gone; the list links the webhook's page.
    await page.getByRole('button', { name: 'I have stored it' }).click();
    await page.getByRole('link', { name: 'journey-github' }).click();
    await page.getByRole('heading', { name: 'journey-github', level: 1 }).waitFor();
    await expect.poll(async () => page.getByText('you will not see this secret again').count()).toBe(0);
    const row = page.locator('tr.delivery').filter({ hasText: 'issues.labeled' });
    await row.getByText('started an execution').waitFor();
    await row.getByRole('link', { name: executionId }).waitFor();
    await page.getByText('Rules (built in)').waitFor();
    await page.getByText(/1 of 30/).waitFor();
    const detail = await seriousViolations(page);
    expect(detail, describeViolations(detail)).toEqual([]);

    await page.getByRole('button', { name: `Redeliver ${delivery}` }).click();
    await page
      .getByText(/^Redelivered: /)
      .first()
      .waitFor();
    await expect.poll(async () => page.locator('tr.delivery').count()).toBe(2);
    await page.locator('tr.delivery').filter({ hasText: 'redelivery' }).first().waitFor();
    await page.getByRole('link', { name: executionId }).click();
    await page.waitForURL(`**/executions/${executionId}`);
  });
});
