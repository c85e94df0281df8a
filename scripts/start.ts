// `npm start`: the whole of ClaudeOps on this machine, as a home install. Applies the D1 migrations, starts the
// control plane (`wrangler dev`, local D1 and Durable Objects), builds the production dashboard and the runner
// when their builds are missing or stale, serves the dashboard on one origin with the API (scripts/
// dashboard-server.ts), starts a local runner (registered on the first start) and keeps it running: a runner that
// dies is restarted with backoff while everything else stays up, so its execution goes `lost` and is retried as on
// any host. When the control plane dies (or the runner fails fast over and over) everything stops: without the
// control plane nothing else is of use. `npm run dev` (--dev) serves the dashboard from Vite's dev server instead.
// No token goes on a command line: wrangler reads the admin token from a 0600 env file, the runner its
// registration token from its environment.
import net from 'node:net';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { resolveAdminToken } from './admin-token';
import { buildRunner, runnerBuildStaleness } from './build-runner';
import {
  DASHBOARD_DIR,
  VITE_BIN,
  dashboardBuildArgs,
  dashboardBuildStaleness,
  markDashboardBuilt,
  serveDashboard,
  type DashboardServer,
} from './dashboard-server';
import { writeDevVars } from './dev-vars';
import { leasedExecutions, onlineRunner, planLocalRunner, runnerArgs, runnerEnv, sandboxText } from './local-runner';
import { type Exit, Supervisor, describeExit } from './supervisor';
import { REPO_ROOT, WRANGLER_CLI, WRANGLER_ENV } from './wrangler';

const DEV = process.argv.includes('--dev');
/** Tokens, the runner's identity and (with CLAUDEOPS_STATE_DIR) the local database live here. */
const STATE_DIR = path.resolve(process.env.CLAUDEOPS_STATE_DIR?.trim() || path.join(REPO_ROOT, '.claudeops'));
const RUNNER_STATE_DIR = path.join(STATE_DIR, 'runner');
/** wrangler's local D1 and Durable Objects: .wrangler/state as before, unless a state dir was chosen. */
const PERSIST_DIR = process.env.CLAUDEOPS_STATE_DIR?.trim() ? path.join(STATE_DIR, 'wrangler') : null;
const HEALTH_TIMEOUT_MS = 120_000;
const DASHBOARD_TIMEOUT_MS = 60_000;
const RUNNER_TIMEOUT_MS = 60_000;
/** The longest a runner restart waits for its executions to be declared lost (a lease is 3 heartbeats, 30 s). */
const LEASE_WAIT_MS = 120_000;
/** The control plane's secrets for wrangler dev (mode 0600): the admin token stays off wrangler's command line. */
const DEV_VARS_FILE = path.join(STATE_DIR, 'control-plane.env');

/** A path relative to here when it lies below here, else as it is (a state dir in /tmp is not ../../tmp/…). */
function shortPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

/** Something the person has to fix: printed as one sentence, without a stack. */
class StartError extends Error {}

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new StartError(`${name} must be a port number (1-65535), got ${JSON.stringify(raw)}`);
  }
  return port;
}

async function assertPortFree(port: number, variable: string): Promise<void> {
  const server = net.createServer();
  const free = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
  if (free) await new Promise((resolve) => server.close(resolve));
  else throw new StartError(`port ${port} on 127.0.0.1 is in use; stop what uses it or set ${variable}`);
}

/** Polls until `probe` holds; gives up at the deadline or as soon as `failed` says a child died. */
async function waitUntil(what: string, timeoutMs: number, failed: () => boolean, probe: () => Promise<boolean>) {
  const deadline = Date.now() + timeoutMs;
  while (!failed()) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new StartError(`${what} did not come up within ${timeoutMs / 1000} s`);
    await delay(250);
  }
  throw new StartError(`stopped waiting for ${what}`);
}

/** The environment for the runner and the dashboard: everything we got (ANTHROPIC_*, CLAUDE_CODE_*, ...) but the admin token. */
function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.CLAUDEOPS_ADMIN_TOKEN;
  return env;
}

function banner(
  dashboardUrl: string,
  apiUrl: string,
  token: string,
  tokenNote: string,
  sandbox: string,
  dev: boolean,
): string {
  const bold = (text: string) => (process.stdout.isTTY ? `\u001b[1m${text}\u001b[0m` : text);
  const line = '─'.repeat(78);
  return [
    '',
    line,
    bold('  ClaudeOps is running'),
    '',
    `  Dashboard    ${bold(dashboardUrl)}${dev ? ' (Vite dev server)' : ''}`,
    `  API          ${apiUrl}/api/v1`,
    `  Admin token  ${bold(token)}`,
    `               ${tokenNote}`,
    `  Sandbox      ${sandbox}`,
    '',
    '  Sign in to the dashboard with the admin token, or use the CLI from this repository:',
    `    export CLAUDEOPS_URL=${apiUrl} CLAUDEOPS_TOKEN=${token}`,
    `    npx claudeops run "Say hello" -f`,
    '  or call the API with it:',
    `    curl -H 'authorization: Bearer ${token}' \\`,
    `         -H 'content-type: application/json' -d '{"prompt":"Say hello"}' ${apiUrl}/api/v1/executions`,
    '',
    '  The local runner is restarted if it dies. Ctrl-C stops everything.',
    line,
    '',
  ].join('\n');
}

/**
 * Before the local runner is restarted: waits until the control plane has marked what it was running `lost` (one
 * lease: three missed heartbeats), so those executions are retried as they would be on any host, instead of being
 * closed as failed by the restarted runner. Gives up waiting after LEASE_WAIT_MS or when the API does not answer.
 */
async function leasesEnded(apiUrl: string, adminToken: string, stopping: () => boolean): Promise<void> {
  const deadline = Date.now() + LEASE_WAIT_MS;
  let said = false;
  while (!stopping() && Date.now() < deadline) {
    const leased = await leasedExecutions(apiUrl, adminToken, RUNNER_STATE_DIR).catch(() => []);
    if (leased.length === 0) return;
    if (!said) {
      said = true;
      console.log(
        `start: the runner was running ${leased.join(', ')}; restarting it once the control plane has marked ` +
          `${leased.length === 1 ? 'it' : 'them'} lost, so ${leased.length === 1 ? 'it is' : 'they are'} retried`,
      );
    }
    await delay(500);
  }
}

/** CLAUDEOPS_RUNNER_MAX_CONCURRENT for the local runner: the person's choice, else 2 slots. */
function runnerSlots(): string {
  const raw = process.env.CLAUDEOPS_RUNNER_MAX_CONCURRENT?.trim();
  if (!raw) return '2';
  const slots = Number(raw);
  if (!Number.isInteger(slots) || slots < 1 || slots > 64) {
    throw new StartError(
      `CLAUDEOPS_RUNNER_MAX_CONCURRENT must be a whole number from 1 to 64, got ${JSON.stringify(raw)}`,
    );
  }
  return String(slots);
}

async function main(): Promise<number> {
  const port = portFromEnv('PORT', 8787);
  const dashboardPort = portFromEnv('DASHBOARD_PORT', 5173);
  if (port === dashboardPort) throw new StartError('PORT and DASHBOARD_PORT must differ');
  const slots = runnerSlots();
  await assertPortFree(port, 'PORT');
  await assertPortFree(dashboardPort, 'DASHBOARD_PORT');
  const apiUrl = `http://127.0.0.1:${port}`;
  const dashboardUrl = `http://127.0.0.1:${dashboardPort}`;
  const admin = await resolveAdminToken(STATE_DIR);

  let failure: string | null = null;
  let wake: () => void = () => {};
  const finished = new Promise<void>((resolve) => (wake = resolve));
  const supervisor = new Supervisor({
    color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
    labelWidth: 'dashboard'.length,
    onUnexpectedExit: (name, exit) => {
      failure ??= `${name} ${describeExit(exit)}`;
      wake();
    },
  });
  let dashboard = null as DashboardServer | null;
  let signalled: NodeJS.Signals | null = null;
  const failed = () => failure !== null || signalled !== null || supervisor.stopping;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      // A second Ctrl-C: the person is not waiting for graceful shutdowns any more.
      supervisor.killAllNow();
      process.exit(130);
    }
    signalled = signal;
    console.log(`\nstart: ${signal}, stopping everything…`);
    wake();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', () => supervisor.killAllNow());

  const wranglerEnv = { ...process.env, ...WRANGLER_ENV, CI: 'true' };
  const persist = PERSIST_DIR ? ['--persist-to', PERSIST_DIR] : [];
  const wrangler = (name: string, args: string[]) => ({
    name,
    command: process.execPath,
    args: ['--no-warnings', WRANGLER_CLI, ...args],
    cwd: REPO_ROOT,
    env: wranglerEnv,
  });

  /** The production dashboard build, made when missing or older than its sources (not in --dev). */
  const buildDashboard = async () => {
    if (DEV) return;
    const why = await dashboardBuildStaleness();
    if (!why) return;
    console.log(`start: building the dashboard (${why}); this takes a minute`);
    const startedAt = Date.now();
    const built = await supervisor.run({
      name: 'build',
      command: process.execPath,
      args: dashboardBuildArgs(),
      cwd: DASHBOARD_DIR,
      env: { ...childEnv(), NODE_ENV: 'production' },
    });
    if (signalled) return;
    if (built.code !== 0) throw new StartError(`building the dashboard failed (vite build ${describeExit(built)})`);
    await markDashboardBuilt(startedAt);
  };

  /** The runner's ahead-of-time build (less memory, faster start than tsx), made when missing or stale. */
  const buildLocalRunner = async () => {
    const why = await runnerBuildStaleness();
    if (!why) return;
    console.log(`start: building the runner (${why})`);
    await buildRunner().catch((error: unknown) => {
      // The bin falls back to the TypeScript sources: slower, but it runs.
      console.log(`start: building the runner failed, running it from source: ${(error as Error).message}`);
    });
  };

  const boot = async () => {
    const builds = Promise.all([buildDashboard(), buildLocalRunner()]);
    // Nothing waits on it yet: a failure must not go unhandled before then.
    builds.catch(() => {});
    console.log(`start: applying D1 migrations to the local database (${PERSIST_DIR ?? '.wrangler/state'})`);
    const migrated: Exit = await supervisor.run(
      wrangler('migrate', ['d1', 'migrations', 'apply', 'claudeops', '--local', ...persist]),
    );
    if (signalled) return;
    if (migrated.code !== 0) {
      throw new StartError(`applying the D1 migrations failed (wrangler ${describeExit(migrated)})`);
    }

    const origins = [`http://localhost:${dashboardPort}`, `http://127.0.0.1:${dashboardPort}`].join(',');
    const devVars = await writeDevVars(DEV_VARS_FILE, { CLAUDEOPS_ADMIN_TOKEN: admin.token });
    const inspector = process.env.CLAUDEOPS_INSPECTOR_PORT?.trim();
    const heartbeat = process.env.CLAUDEOPS_HEARTBEAT_INTERVAL_MS?.trim();
    supervisor.start(
      wrangler('api', [
        'dev',
        '--ip',
        '127.0.0.1',
        '--port',
        String(port),
        ...(inspector ? ['--inspector-port', inspector] : []),
        ...persist,
        '--show-interactive-dev-session=false',
        '--live-reload=false',
        ...devVars,
        '--var',
        `CLAUDEOPS_DASHBOARD_ORIGINS:${origins}`,
        // How often runners heartbeat; a lost runner's executions go `lost` after three missed beats (default 10 s).
        ...(heartbeat ? ['--var', `CLAUDEOPS_HEARTBEAT_INTERVAL_MS:${heartbeat}`] : []),
      ]),
    );
    await waitUntil('the control plane', HEALTH_TIMEOUT_MS, failed, async () => {
      return (await fetch(`${apiUrl}/api/v1/health`)).ok;
    });
    await builds;
    if (failed()) return;

    const plan = await planLocalRunner(apiUrl, admin.token, RUNNER_STATE_DIR);
    const env = { ...childEnv(), CLAUDEOPS_RUNNER_MAX_CONCURRENT: slots };
    if (plan.kind === 'reregister') {
      console.log(
        `start: the control plane does not know runner ${plan.staleRunnerId}; registering the local runner again`,
      );
      const registered = await supervisor.run({
        name: 'runner',
        command: process.execPath,
        args: runnerArgs('register', apiUrl, RUNNER_STATE_DIR),
        cwd: REPO_ROOT,
        env: runnerEnv(env, plan.registrationToken),
      });
      if (registered.code !== 0) {
        throw new StartError(`registering the local runner failed (${describeExit(registered)})`);
      }
    } else if (plan.kind === 'register') {
      console.log(`start: registering a local runner (its token goes to ${RUNNER_STATE_DIR})`);
    }
    // Kept running: restarted after a crash, an OOM kill or a SIGKILL, with backoff (scripts/supervisor.ts).
    // The runner uses the registration token only while its state dir holds no runner token: a restart after it
    // registered ignores it, one after a crash before registering still registers.
    const token = plan.kind === 'register' ? plan.registrationToken : undefined;
    supervisor.keep(
      () => ({
        name: 'runner',
        command: process.execPath,
        args: runnerArgs('start', apiUrl, RUNNER_STATE_DIR),
        cwd: REPO_ROOT,
        env: runnerEnv(env, token),
      }),
      { beforeRestart: () => leasesEnded(apiUrl, admin.token, failed) },
      (pid, restarts) => {
        console.log(`start: local runner ${restarts === 0 ? 'started' : 'restarted'} (pid ${pid}, ${slots} slots)`);
      },
    );

    if (DEV) {
      supervisor.start({
        name: 'dashboard',
        command: process.execPath,
        args: [VITE_BIN, 'dev', '--host', '127.0.0.1', '--port', String(dashboardPort), '--strictPort'],
        cwd: DASHBOARD_DIR,
        env: childEnv({ CLAUDEOPS_API_URL: apiUrl }),
      });
      await waitUntil('the dashboard', DASHBOARD_TIMEOUT_MS, failed, async () => (await fetch(dashboardUrl)).ok);
    } else {
      dashboard = await serveDashboard({ apiUrl, port: dashboardPort });
    }
    // How the runner confines jobs, as it announced it to the control plane (RunnerView.sandbox).
    let sandbox = '';
    await waitUntil('the local runner', RUNNER_TIMEOUT_MS, failed, async () => {
      const runner = await onlineRunner(apiUrl, admin.token, RUNNER_STATE_DIR);
      if (runner) sandbox = sandboxText(runner.sandbox);
      return runner !== null;
    });

    const note =
      admin.source === 'env'
        ? '(from CLAUDEOPS_ADMIN_TOKEN)'
        : `(kept in ${shortPath(admin.file ?? '')}; set CLAUDEOPS_ADMIN_TOKEN to choose your own)`;
    console.log(banner(dashboardUrl, apiUrl, admin.token, note, sandbox, DEV));
  };

  const booted = boot().then(
    () => null,
    (error: unknown) => error,
  );
  const bootError = await Promise.race([booted, finished.then(() => null)]);
  if (bootError) failure ??= bootError instanceof Error ? bootError.message : String(bootError);
  else if (!failure && !signalled) await finished;

  await dashboard?.close();
  await supervisor.stopAll();
  if (failure) {
    console.error(`start: ${failure}; stopped everything`);
    return 1;
  }
  console.log('start: stopped');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(
      `start: ${error instanceof StartError ? error.message : error instanceof Error ? error.stack : error}`,
    );
    process.exit(1);
  },
);
