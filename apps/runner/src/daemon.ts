// The runner daemon: registration, the control connection, the job runner, one log streamer per job and the model
// proxy every job's Claude Code calls the model through, wired together. startRunner() is the programmatic entry
// (CLI, e2e tests); runDaemon() adds signal handling for the CLI.
import { mkdir } from 'node:fs/promises';
import { agentEnvironment, modelUpstream } from './agent-env';
import type { BackoffOptions } from './backoff';
import type { RunnerConfig } from './config';
import { ControlConnection } from './connection';
import { JobRunner, type StartAgent } from './job-runner';
import { LogStreamer } from './log-streamer';
import { createLogger, errorMessage } from './logger';
import { collectMetrics, type MetricsSource } from './metrics';
import { startModelProxy } from './model-proxy';
import { ensureRegistered } from './registration';
import { RUNNER_VERSION } from './version';

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
}

export interface RunningRunner {
  readonly runnerId: string;
  /** Stops taking jobs, cancels running ones, flushes their events, closes the control socket. Idempotent. */
  stop(): Promise<void>;
  /** Resolves after stop(); rejects when the runner stops on its own (its token was refused). */
  readonly done: Promise<void>;
  readonly jobs: JobRunner;
}

export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 15_000;

export async function startRunner(config: RunnerConfig, deps: RunnerDeps = {}): Promise<RunningRunner> {
  const registration = await ensureRegistered(config);
  await mkdir(config.workspacesDir, { recursive: true });
  const startAgent = deps.startAgent ?? (await import('./agent')).startAgent;
  const token = registration.runnerToken;

  const agentOptions: { graceMs?: number; pathToClaudeCodeExecutable?: string } = {};
  if (config.cancelGraceMs !== undefined) agentOptions.graceMs = config.cancelGraceMs;
  if (config.claudeCodePath !== undefined) agentOptions.pathToClaudeCodeExecutable = config.claudeCodePath;

  const env = deps.env ?? process.env;
  // Every model call of every job passes here, so it can wait for the control plane's permit (budgets).
  const modelProxy = await startModelProxy({
    upstream: modelUpstream(env),
    execution: (executionId) => jobs.proxiedExecution(executionId),
  });
  const jobs: JobRunner = new JobRunner({
    maxConcurrent: config.maxConcurrent,
    workspacesDir: config.workspacesDir,
    startAgent,
    agentEnv: agentEnvironment(env),
    modelBaseUrl: (executionId) => modelProxy.baseUrl(executionId),
    agentOptions,
    send: (frame) => {
      if (!connection.send(frame)) log.debug('control socket down; the next hello restates it', { type: frame.type });
    },
    openStream: (executionId, handlers) =>
      new LogStreamer({
        url: config.url,
        token,
        executionId,
        handlers,
        ...(deps.backoff && { backoff: deps.backoff }),
      }),
  });
  const connection: ControlConnection = new ControlConnection({
    url: config.url,
    token,
    hello: () => ({
      type: 'runner.hello',
      version: RUNNER_VERSION,
      name: config.name,
      labels: config.labels,
      maxConcurrent: config.maxConcurrent,
      running: jobs.running(),
    }),
    running: () => jobs.running(),
    onJobFrame: (frame) => jobs.handleFrame(frame),
    metrics: deps.metrics ?? collectMetrics,
    ...(deps.backoff && { backoff: deps.backoff }),
  });

  const controller = new AbortController();
  log.info('starting', {
    runnerId: registration.runnerId,
    url: config.url,
    name: config.name,
    labels: config.labels.join(',') || undefined,
    maxConcurrent: config.maxConcurrent,
  });
  const loop = connection.run(controller.signal);
  const shutdownTimeoutMs = deps.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      log.info('stopping: no new jobs, cancelling running ones', { running: jobs.running().length });
      // The control socket stays up while jobs wind down, so their leases are renewed until the end.
      await jobs.shutdown(shutdownTimeoutMs);
      controller.abort();
      await loop.catch(() => undefined);
      await modelProxy.close();
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
  return { runnerId: registration.runnerId, stop, done, jobs };
}

/** Runs until SIGINT/SIGTERM (graceful; a second signal exits at once) or a refused token; resolves an exit code. */
export async function runDaemon(config: RunnerConfig, deps: RunnerDeps = {}): Promise<number> {
  const runner = await startRunner(config, deps);
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      log.warn('second signal, exiting now', { signal });
      process.exit(130);
    }
    log.info('signal received', { signal });
    void runner.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await runner.done;
    return 0;
  } catch (error) {
    process.stderr.write(`claudeops-runner: ${errorMessage(error)}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
