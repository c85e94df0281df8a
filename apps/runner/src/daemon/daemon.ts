// The runner daemon: registration, the control connection, the job runner, one log streamer per job and the model
// proxy every job's Claude Code calls the model through, wired together. startRunner() is the programmatic entry
// (CLI, e2e tests); runDaemon() adds signal handling for the CLI.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { agentEnvironment, claudeCodeSettings, modelUpstream } from '../agent/agent-env';
import { customHeaders, modelCredentialSource } from '../proxy/model-credential';
import { loadRunnerSecrets } from '../secrets/runner-secrets';
import { uploadPatch } from '../stream/api-client';
import { sleep, type BackoffOptions } from '../support/backoff';
import type { RunnerConfig } from './config';
import { ControlConnection, type HelloFrame } from '../stream/connection';
import { StatusReporter, statusSnapshot } from './daemon-status';
import { JobRunner, type StartAgent } from '../jobs/job-runner';
import { LogStreamer, type StreamHandlers } from '../stream/log-streamer';
import { createLogger, errorMessage } from '../support/logger';
import { createMetricsSource, type MetricsSource } from '../health/metrics';
import { startModelProxy } from '../proxy/model-proxy';
import { configuredSecrets, createRedactor } from '../secrets/redactor';
import { Recovery } from './recovery';
import { ensureRegistered } from './registration';
import { lockStateDir, RunRecords } from './run-records';
import { Spool } from '../stream/spool';
import { RUNNER_VERSION } from './version';
import { Workspaces } from '../workspace/workspace';
import { Sandbox } from '../sandbox/sandbox';

const log = createLogger('daemon');

export interface RunnerDeps {
  /** The agent starter; the real Claude Code one (agent.ts) when absent. */
  startAgent?: StartAgent;
  metrics?: MetricsSource;
  /**
   * Where ANTHROPIC_* / CLAUDE_CODE_* for Claude Code come from (process.env when absent); its ANTHROPIC_BASE_URL is
   * where the model proxy forwards to.
   */
  env?: NodeJS.ProcessEnv;
  backoff?: BackoffOptions;
  /** How long stop() waits for cancelled jobs to end and their events to reach the hub. */
  shutdownTimeoutMs?: number;
  /** Where runDaemon() listens for SIGINT/SIGTERM (the process when absent). */
  signals?: NodeJS.EventEmitter;
}

export interface RunningRunner {
  readonly runnerId: string;
  /** Stops taking jobs, cancels running ones, flushes their events, closes the control socket. Idempotent. */
  stop(): Promise<void>;
  /** Resolves after stop(); rejects when the runner stops on its own (its token was refused). */
  readonly done: Promise<void>;
  readonly jobs: JobRunner;
  /**
   * Graceful stop (SIGTERM): rejects new offers and reports no free slot, lets running jobs finish for up to
   * `timeoutMs` (config.drainTimeoutMs, default 10 min), then stops as stop() does. Idempotent.
   */
  drain(timeoutMs?: number): Promise<void>;
  /** Forced stop (a second signal): kills Claude Code now, flushes briefly (the spool keeps the rest), stops. */
  force(): Promise<void>;
}

export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 15_000;
export const DEFAULT_DRAIN_TIMEOUT_MS = 10 * 60_000;
/** After a forced stop: how long events may take to reach the hub (the spool replays the rest on the next start). */
const FORCE_FLUSH_MS = 2_000;
/** After a second signal the process exits within this, whatever is still winding down. */
const FORCE_EXIT_MS = 5_000;

export async function startRunner(config: RunnerConfig, deps: RunnerDeps = {}): Promise<RunningRunner> {
  // First: a second runner on this state dir would take the first one's Claude Code for orphans of its own.
  const unlock = lockStateDir(config.stateDir);
  // Decided once, before registering: the hello says it, and requireSandbox jobs go only to a bubblewrap runner.
  const sandbox = await Sandbox.start({
    mode: config.sandbox ?? 'auto',
    hide: [
      ...(config.sandboxHide ?? []),
      ...(config.secretsFile ? [config.secretsFile] : []),
      ...(config.jobSecretsFile ? [config.jobSecretsFile] : []),
    ],
    stateDir: config.stateDir,
    workspacesDir: config.workspacesDir,
    reposDir: join(config.stateDir, 'repos'),
    log: log.child('sandbox'),
  }).catch((error: unknown) => {
    unlock();
    throw error;
  });
  const sandboxText = sandbox.why ? `none (${sandbox.why})` : sandbox.kind;
  const registration = await ensureRegistered(config);
  await mkdir(config.workspacesDir, { recursive: true });
  const startAgent = deps.startAgent ?? (await import('../agent/agent')).startAgent;
  const token = registration.runnerToken;

  const agentOptions: { graceMs?: number; pathToClaudeCodeExecutable?: string } = {};
  if (config.cancelGraceMs !== undefined) agentOptions.graceMs = config.cancelGraceMs;
  if (config.claudeCodePath !== undefined) agentOptions.pathToClaudeCodeExecutable = config.claudeCodePath;

  const env = deps.env ?? process.env;
  // The real model credential stays here: Claude Code gets a placeholder, the proxy adds the credential to each call.
  const credential = modelCredentialSource(env);
  const agentEnv = agentEnvironment(env, credential.current() !== null);
  if (!credential.current()) log.warn('no model credentials: Claude Code cannot reach a model from this runner');
  // Secrets a template may name; a missing or world-readable one stops the runner here, before any job.
  const runnerSecrets = await loadRunnerSecrets(config, env);
  // Every model call of every job passes here, so it can wait for the control plane's permit (budgets).
  const modelProxy = await startModelProxy({
    upstream: modelUpstream(env),
    execution: (executionId) => jobs.proxiedExecution(executionId),
    credential: () => credential.current(),
    headers: customHeaders(env),
    // A 429 or 529 pauses the execution (rate_limited) until the call goes on by itself: not a failure.
    onRateLimited: (executionId, info) => jobs.rateLimited(executionId, info.until),
    onRateLimitCleared: (executionId) => jobs.rateLimitCleared(executionId),
  });
  const secretsFile = config.secretsFile ? await readSecretsFile(config.secretsFile) : undefined;
  // One redactor for everything that leaves the runner: every event (before it is spooled), commit messages, patches.
  const redactor = createRedactor(
    configuredSecrets({
      agentEnv: claudeCodeSettings(env),
      env,
      secretsFile,
      runnerSecrets: runnerSecrets.values(),
      extra: [token, config.registrationToken, credential.current()?.value],
    }),
  );
  const spoolRoot = join(config.stateDir, 'spool');
  const runRecords = new RunRecords(join(config.stateDir, 'runs'));
  const openLog = (executionId: string, handlers: StreamHandlers, spool: Spool | undefined) =>
    new LogStreamer({
      url: config.url,
      token,
      executionId,
      handlers,
      redactor,
      ...(spool && { spool }),
      ...(deps.backoff && { backoff: deps.backoff }),
    });
  // Before any new job: kill what a previous life left running, then replay and close its executions.
  const recovery = await Recovery.start({
    records: runRecords,
    spoolRoot,
    openStream: (executionId, spool, handlers) => openLog(executionId, handlers, spool),
  });
  const workspaces = new Workspaces({
    workspacesDir: config.workspacesDir,
    reposDir: join(config.stateDir, 'repos'),
    ...(config.worktreeMaxAgeMs !== undefined && { maxAgeMs: config.worktreeMaxAgeMs }),
    ...(config.worktreeMaxCount !== undefined && { maxCount: config.worktreeMaxCount }),
    // The commit message and the patch go through the runner's redactor before they are committed or uploaded.
    redact: (text) => redactor.redactText(text),
    uploadPatch: (executionId, patch) => uploadPatch(config.url, token, executionId, patch),
  });
  // Workspaces a previous life left past the policy go now; jobs do not wait for it.
  void workspaces
    .cleanup()
    .catch((error: unknown) => log.warn('workspace cleanup failed', { error: errorMessage(error) }));
  const jobs: JobRunner = new JobRunner({
    maxConcurrent: config.maxConcurrent,
    workspacesDir: config.workspacesDir,
    workspaces,
    startAgent,
    agentEnv,
    runnerSecrets,
    redact: (text) => redactor.redactText(text),
    modelBaseUrl: (executionId) => modelProxy.baseUrl(executionId),
    agentOptions,
    send: (frame) => {
      if (!connection.send(frame)) log.debug('control socket down; the next hello restates it', { type: frame.type });
    },
    runRecords,
    sandbox,
    ...(config.localModelUrl && { localModelUrl: config.localModelUrl }),
    openStream: (executionId, handlers) => openLog(executionId, handlers, openSpool(spoolRoot, executionId)),
  });
  let draining = false;
  const running = () => [...jobs.running(), ...recovery.running()].slice(0, 64);
  const hello = (): HelloFrame => ({
    type: 'runner.hello',
    version: RUNNER_VERSION,
    name: config.name,
    labels: config.labels,
    // Draining: exactly the slots in use, so the Fleet sees none free.
    maxConcurrent: draining ? Math.max(1, jobs.running().length) : config.maxConcurrent,
    running: running(),
    sandbox: sandbox.kind,
  });
  const connection: ControlConnection = new ControlConnection({
    url: config.url,
    token,
    hello,
    running,
    onJobFrame: (frame) => {
      // An execution a previous life ran is being closed here; it must not start again beside its own replay.
      if (frame.type === 'job.offer' && recovery.running().includes(frame.job.executionId)) return;
      jobs.handleFrame(frame);
    },
    metrics: deps.metrics ?? createMetricsSource({ diskPath: config.workspacesDir }),
    ...(deps.backoff && { backoff: deps.backoff }),
  });

  const controller = new AbortController();
  log.info('starting', {
    runnerId: registration.runnerId,
    url: config.url,
    name: config.name,
    labels: config.labels.join(',') || undefined,
    maxConcurrent: config.maxConcurrent,
    sandbox: sandboxText,
  });
  const loop = connection.run(controller.signal);
  let state = 'running';
  const status = new StatusReporter({
    stateDir: config.stateDir,
    version: RUNNER_VERSION,
    snapshot: () =>
      statusSnapshot({ runnerId: registration.runnerId, config, state, sandbox: sandboxText, connection, jobs }),
  });
  status.start();
  const shutdownTimeoutMs = deps.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;

  const drainWait = new AbortController();
  let drainingDone: Promise<void> | undefined;
  const drain = (timeoutMs = config.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS): Promise<void> =>
    (drainingDone ??= (async () => {
      draining = true;
      state = 'draining';
      jobs.stopAccepting();
      connection.send(hello());
      log.info('draining: no new jobs; running ones may finish', { running: jobs.running().length, timeoutMs });
      await Promise.race([jobs.idle(), sleep(timeoutMs, drainWait.signal)]);
      if (jobs.running().length > 0 && !drainWait.signal.aborted) log.warn('drain timeout; cancelling running jobs');
      await stop();
    })());
  const force = (): Promise<void> => {
    log.warn('forced stop: killing running Claude Code now', { running: jobs.running().length });
    jobs.killAll();
    void jobs.shutdown(FORCE_FLUSH_MS);
    return stop();
  };

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      log.info('stopping: no new jobs, cancelling running ones', { running: jobs.running().length });
      state = 'stopping';
      void status.refresh();
      drainWait.abort();
      recovery.stop();
      // The control socket stays up while jobs wind down, so their leases are renewed until the end.
      await jobs.shutdown(shutdownTimeoutMs);
      controller.abort();
      await loop.catch(() => undefined);
      await modelProxy.close();
      await status.stop();
      unlock();
      log.info('stopped');
    })());

  const done = loop.then(
    () => stop(),
    async (error: unknown) => {
      log.error('stopping', { error: errorMessage(error) });
      await stop();
      throw error;
    },
  );
  // Callers that only use stop() must not see an unhandled rejection.
  done.catch(() => undefined);
  return { runnerId: registration.runnerId, stop, done, jobs, drain, force };
}

async function readSecretsFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the secrets file ${path}: ${errorMessage(error)}`);
  }
}

/** The execution's spool; without one (the disk refuses) events stay in memory only, and a restart loses them. */
function openSpool(root: string, executionId: string): Spool | undefined {
  try {
    return Spool.open(root, executionId);
  } catch (error) {
    log.error('cannot open the spool; events stay in memory only', { executionId, error: errorMessage(error) });
    return undefined;
  }
}

/**
 * Runs until SIGINT/SIGTERM or a refused token; resolves an exit code. The first signal drains (0 once stopped); a
 * second one forces (130, within FORCE_EXIT_MS).
 */
export async function runDaemon(config: RunnerConfig, deps: RunnerDeps = {}): Promise<number> {
  const runner = await startRunner(config, deps);
  const signals = deps.signals ?? process;
  let received = 0;
  let exitNow: (code: number) => void = () => undefined;
  const forced = new Promise<number>((resolve) => (exitNow = resolve));
  const onSignal = (signal: NodeJS.Signals) => {
    received += 1;
    if (received === 1) {
      log.info('signal received; draining (a second signal cancels running jobs now)', { signal });
      void runner.drain();
    } else if (received === 2) {
      log.warn('second signal; stopping now', { signal });
      void runner.force().then(() => exitNow(130));
      setTimeout(() => exitNow(130), FORCE_EXIT_MS).unref();
    } else {
      exitNow(130);
    }
  };
  signals.on('SIGINT', onSignal);
  signals.on('SIGTERM', onSignal);
  try {
    return await Promise.race([runner.done.then(() => (received > 1 ? 130 : 0)), forced]);
  } catch (error) {
    process.stderr.write(`claudeops-runner: ${errorMessage(error)}\n`);
    return 1;
  } finally {
    signals.off('SIGINT', onSignal);
    signals.off('SIGTERM', onSignal);
  }
}
