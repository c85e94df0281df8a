// The local runner `npm start` runs: which arguments its `claudeops-runner` gets, registering it on the first
// start (a registration token from the admin API) and again when the control plane no longer knows its saved
// token (say .wrangler/ was deleted), and how it confines jobs once it is online. The registration token goes to
// the runner in its environment, never on its command line (`ps` shows that to every user). Used by
// scripts/start.ts.
import path from 'node:path';
import { Execution, RegistrationToken, RunnerView, page } from '@claudeops/control-plane/protocol';
import { loadRegistration } from '../apps/runner/src/daemon/state';
import { REPO_ROOT } from './wrangler';

export const RUNNER_BIN = path.join(REPO_ROOT, 'apps', 'runner', 'bin', 'claudeops-runner.js');

const RunnerPage = page(RunnerView);
const ExecutionPage = page(Execution);

export type RunnerPlan =
  /** A saved token the control plane knows: just start. */
  | { kind: 'reuse'; runnerId: string }
  /** No saved token: `start` with the registration token in its environment, which registers first. */
  | { kind: 'register'; registrationToken: string }
  /** A saved token for a runner the control plane has never heard of: `register` again (it replaces the saved one). */
  | { kind: 'reregister'; registrationToken: string; staleRunnerId: string };

async function adminFetch(apiUrl: string, adminToken: string, pathname: string, init: RequestInit = {}) {
  const response = await fetch(`${apiUrl}/api/v1${pathname}`, {
    ...init,
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json', ...init.headers },
  });
  if (!response.ok) {
    throw new Error(`${init.method ?? 'GET'} /api/v1${pathname} answered ${response.status}: ${await response.text()}`);
  }
  return (await response.json()) as unknown;
}

async function runnerIsKnown(apiUrl: string, adminToken: string, runnerId: string): Promise<boolean> {
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `?limit=200&cursor=${encodeURIComponent(cursor)}` : '?limit=200';
    const runners = RunnerPage.parse(await adminFetch(apiUrl, adminToken, `/runners${query}`));
    if (runners.items.some((runner) => runner.id === runnerId)) return true;
    cursor = runners.nextCursor;
  } while (cursor);
  return false;
}

async function createRegistrationToken(apiUrl: string, adminToken: string): Promise<string> {
  const body = JSON.stringify({ ttlSeconds: 600 });
  const created = await adminFetch(apiUrl, adminToken, '/runners/registration-tokens', { method: 'POST', body });
  return RegistrationToken.parse(created).token;
}

export async function planLocalRunner(apiUrl: string, adminToken: string, stateDir: string): Promise<RunnerPlan> {
  const saved = await loadRegistration(stateDir, apiUrl);
  if (saved && (await runnerIsKnown(apiUrl, adminToken, saved.runnerId))) {
    return { kind: 'reuse', runnerId: saved.runnerId };
  }
  const registrationToken = await createRegistrationToken(apiUrl, adminToken);
  return saved
    ? { kind: 'reregister', registrationToken, staleRunnerId: saved.runnerId }
    : { kind: 'register', registrationToken };
}

/** Arguments for `claudeops-runner <command>`: never a token (runnerEnv carries it). */
export function runnerArgs(command: 'start' | 'register', apiUrl: string, stateDir: string): string[] {
  return [RUNNER_BIN, command, '--url', apiUrl, '--state-dir', stateDir];
}

/**
 * The runner's environment on top of `base`: the registration token when this start must register (what
 * `claudeops-runner` reads as CLAUDEOPS_REGISTRATION_TOKEN), and no stale one of the caller's otherwise.
 */
export function runnerEnv(base: NodeJS.ProcessEnv, token?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  delete env.CLAUDEOPS_REGISTRATION_TOKEN;
  if (token) env.CLAUDEOPS_REGISTRATION_TOKEN = token;
  return env;
}

/** The runner once the control plane sees it online (its id from the state dir, where registering saved it). */
export async function onlineRunner(apiUrl: string, adminToken: string, stateDir: string): Promise<RunnerView | null> {
  const saved = await loadRegistration(stateDir, apiUrl);
  if (!saved) return null;
  const runner = RunnerView.parse(
    await adminFetch(apiUrl, adminToken, `/runners/${encodeURIComponent(saved.runnerId)}`),
  );
  return runner.status === 'online' && runner.sandbox !== null ? runner : null;
}

/** The banner's line on how the local runner confines jobs (RunnerView.sandbox, as the runner announced it). */
export function sandboxText(sandbox: RunnerView['sandbox'], env: NodeJS.ProcessEnv = process.env): string {
  if (sandbox === 'bubblewrap') return 'bubblewrap (each job sees only its workspace; the host is read-only)';
  return env.CLAUDEOPS_RUNNER_SANDBOX?.trim() === 'off'
    ? 'none (CLAUDEOPS_RUNNER_SANDBOX=off: jobs run unconfined, as you)'
    : "none (bubblewrap does not work on this host: jobs run unconfined, as you; the runner's log says why)";
}

/** Statuses of an execution a runner holds a lease for. */
const LEASED = ['assigned', 'running', 'awaiting_approval'] as const;

/**
 * The executions the local runner (its id from the state dir) still holds: after it died, the control plane marks
 * them `lost` once their lease runs out and retries them. A runner restarted before that would close them as
 * `failed` instead (apps/runner/src/daemon/recovery.ts), so start.ts restarts it only once this is empty.
 */
export async function leasedExecutions(apiUrl: string, adminToken: string, stateDir: string): Promise<string[]> {
  const saved = await loadRegistration(stateDir, apiUrl);
  if (!saved) return [];
  const ids: string[] = [];
  for (const status of LEASED) {
    const query = `?status=${status}&runner=${encodeURIComponent(saved.runnerId)}&limit=200`;
    const found = ExecutionPage.parse(await adminFetch(apiUrl, adminToken, `/executions${query}`));
    ids.push(...found.items.map((execution) => execution.id));
  }
  return ids;
}
