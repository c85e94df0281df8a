// `npm start` as a home install, end to end: the real `npm start` serves the production dashboard build on one
// origin with the API, keeps its local runner running (SIGKILLed mid-run, it is restarted, its execution goes
// `lost` and the retry succeeds on the restarted runner) while the control plane keeps answering, and puts no
// token on any command line.
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecutionDetail } from '@claudeops/control-plane/protocol';
import { descendants, type HomeInstall, startHomeInstall } from '../fixtures/home-install';
import { waitFor } from '../fixtures/wait';

const HEARTBEAT_MS = 2_000;
let heldOnce = false;
let home: HomeInstall;

beforeAll(async () => {
  home = await startHomeInstall({
    env: { CLAUDEOPS_HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_MS), CLAUDEOPS_RUNNER_MAX_CONCURRENT: '3' },
    anthropic: {
      scripts: {
        // The first run to reach its second turn is held open (it loses its runner); the retry finishes.
        'hold-once': ({ turn }) => {
          if (turn === 0) {
            return {
              blocks: [{ type: 'tool_use', name: 'Bash', input: { command: 'echo started', description: 'x' } }],
            };
          }
          if (!heldOnce) {
            heldOnce = true;
            return { blocks: [{ type: 'text', text: 'never sent' }], delay: 'until-closed' };
          }
          return { blocks: [{ type: 'text', text: 'Finished on the restarted runner.' }] };
        },
      },
    },
  });
}, 360_000);

afterAll(async () => {
  await home?.stop();
});

describe('npm start as a home install', () => {
  it('serves the production dashboard build with long-lived hashed assets, and the API on the same origin', async () => {
    const page = await fetch(`${home.dashboardUrl}/executions`);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const html = await page.text();
    expect(html).not.toContain('/@vite/client');
    const asset = /\/_app\/immutable\/[^"]+\.js/.exec(html)?.[0];
    expect(asset).toBeDefined();
    const script = await fetch(`${home.dashboardUrl}${asset}`, { headers: { 'accept-encoding': 'br' } });
    expect(script.status).toBe(200);
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');

    const worker = await fetch(`${home.dashboardUrl}/service-worker.js`);
    expect(worker.headers.get('cache-control')).toBe('no-cache');

    // Logging in through the dashboard's origin sets the session cookie the API then accepts there.
    const login = await fetch(`${home.dashboardUrl}/api/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: home.dashboardUrl },
      body: JSON.stringify({ token: home.adminToken }),
    });
    expect(login.status).toBe(201);
    const cookie = login.headers.get('set-cookie')?.split(';')[0];
    expect(cookie).toMatch(/^claudeops_session=/);
    const runners = await fetch(`${home.dashboardUrl}/api/v1/runners`, {
      headers: { cookie: cookie!, origin: home.dashboardUrl },
    });
    expect(runners.status).toBe(200);
    const { items } = (await runners.json()) as { items: Array<{ status: string; maxConcurrent: number }> };
    expect(items).toEqual([expect.objectContaining({ status: 'online', maxConcurrent: 3 })]);

    // A webhook endpoint as the dashboard shows it (this origin) reaches the control plane, which checks the sender.
    const hook = await fetch(`${home.dashboardUrl}/hooks/wh_00000000000000000000000000`, {
      method: 'POST',
      body: '{}',
    });
    expect(hook.status).toBe(404);
    expect(((await hook.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });

  it('restarts a SIGKILLed runner while the control plane stays up; the execution goes lost and its retry succeeds', async () => {
    let healthFailures = 0;
    let healthChecks = 0;
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const ok = await fetch(`${home.apiUrl}/api/v1/health`).then(
          (r) => r.ok,
          () => false,
        );
        healthChecks += 1;
        if (!ok) healthFailures += 1;
        await delay(250); // the probe's pace, not a synchronisation
      }
    })();

    const created = await home.api.createExecution({ prompt: 'Work [script:hold-once]' });
    await home.anthropic.waitForRequest((r) => r.script === 'hold-once' && r.turn === 1, 120_000);
    const first = home.runnerPid();
    process.kill(first, 'SIGKILL');

    await home.child.waitForOutput(/runner was killed by SIGKILL; restarting it in 1 s/, 30_000);
    // Not before the control plane declared its execution lost: so it is retried, not failed by the recovery.
    await home.child.waitForOutput(new RegExp(`runner was running ${created.id}; restarting it once`), 30_000);
    await waitFor(() => home.runnerPid() !== first, { timeoutMs: 30_000, what: 'the restarted runner' });
    const lost = await waitFor(
      async () => {
        const execution = await home.api.getExecution(created.id);
        return execution.status === 'lost' ? execution : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 200, what: 'the execution to go lost' },
    ).catch(async (error: unknown) => {
      const now = await home.api.getExecution(created.id);
      throw new Error(`${(error as Error).message} (it is ${now.status})\n${home.child.output().slice(-5000)}`);
    });
    expect(lost.status).toBe('lost');

    const attempts = await waitFor(
      async () => {
        const detail = ExecutionDetail.parse(await home.api.json('GET', `/api/v1/executions/${created.id}`));
        return detail.attempts.length === 2 ? detail.attempts : undefined;
      },
      { timeoutMs: 60_000, what: 'the retry' },
    );
    const retry = await waitFor(
      async () => {
        const execution = await home.api.getExecution(attempts[1]!.id);
        return ['succeeded', 'failed', 'cancelled', 'lost'].includes(execution.status) ? execution : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 200, what: 'the retry to end' },
    );
    expect(retry.status).toBe('succeeded');
    expect(retry.runnerId).toBe(lost.runnerId);

    polling = false;
    await poller;
    expect(healthChecks).toBeGreaterThan(0);
    expect(healthFailures).toBe(0);
    // Nothing else stopped: the dashboard still serves.
    expect((await fetch(home.dashboardUrl)).status).toBe(200);
  });

  it('puts no token on the command line of anything npm start runs', async () => {
    const processes = await descendants(home.child.pid);
    const commands = processes.map((p) => p.cmdline).join('\n');
    // wrangler dev (and workerd), the runner, the start script itself.
    expect(commands).toMatch(/wrangler-dist\/cli\.js dev/);
    expect(commands).toMatch(/claudeops-runner\.js start/);
    expect(commands).toMatch(/scripts\/start\.ts/);
    const runnerToken = await home.runnerToken();
    for (const { pid, cmdline } of processes) {
      expect(cmdline, `pid ${pid}`).not.toContain(home.adminToken);
      expect(cmdline, `pid ${pid}`).not.toContain(runnerToken);
      // No admin, runner, registration or session token of any value.
      expect(cmdline, `pid ${pid}`).not.toMatch(/\bco[arsg]_[A-Za-z0-9_-]{20,}/);
    }
  });
});
