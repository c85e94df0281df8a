// The local runner `npm start` runs: which arguments its `claudeops-runner` gets, registering it on the first
// start (a registration token from the admin API) and again when the control plane no longer knows its saved
// token (say .wrangler/ was deleted). Used by scripts/start.ts.
import path from 'node:path';
import { RegistrationToken, RunnerView, page } from '@claudeops/control-plane/protocol';
import { loadRegistration } from '../apps/runner/src/daemon/state';
import { REPO_ROOT } from './wrangler';

export const RUNNER_BIN = path.join(REPO_ROOT, 'apps', 'runner', 'bin', 'claudeops-runner.js');

const RunnerPage = page(RunnerView);

export type RunnerPlan =
  /** A saved token the control plane knows: just start. */
  | { kind: 'reuse'; runnerId: string }
  /** No saved token: `start --registration-token`, which registers first. */
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

/** Arguments for `claudeops-runner <command>`; the registration token only when this start must register. */
export function runnerArgs(command: 'start' | 'register', apiUrl: string, stateDir: string, token?: string): string[] {
  const args = [RUNNER_BIN, command, '--url', apiUrl, '--state-dir', stateDir];
  return token ? [...args, '--registration-token', token] : args;
}
