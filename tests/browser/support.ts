// The whole local system for browser tests: the e2e stack (scripted Anthropic API, wrangler dev, a real runner with
// real Claude Code), the built dashboard in front of it, and Chromium. Everything stops in dispose().
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../fixtures/browser';
import { type Dashboard, dashboardPort, startDashboard } from '../fixtures/dashboard';
import type { ScriptedAnthropicOptions } from '../fixtures/scripted-anthropic';
import { type Stack, startStack } from '../fixtures/stack';

export interface BrowserStack {
  stack: Stack;
  dashboard: Dashboard;
  browser: Browser;
  dispose(): Promise<void>;
}

export async function startBrowserStack(anthropic: ScriptedAnthropicOptions = {}): Promise<BrowserStack> {
  const port = await dashboardPort();
  const origins = [`http://127.0.0.1:${port}`, `http://localhost:${port}`].join(',');
  const stack = await startStack({ anthropic, controlPlane: { vars: { CLAUDEOPS_DASHBOARD_ORIGINS: origins } } });
  let dashboard: Dashboard | undefined;
  let browser: Browser | undefined;
  try {
    await stack.startRunner({ maxConcurrent: 2 });
    dashboard = await startDashboard(stack.controlPlane.url, port);
    browser = await launchBrowser();
  } catch (error) {
    await dashboard?.stop();
    await stack.dispose();
    throw error;
  }
  const started = { dashboard, browser };
  return {
    stack,
    ...started,
    async dispose() {
      await started.browser.close();
      await started.dashboard.stop();
      await stack.dispose();
    },
  };
}
