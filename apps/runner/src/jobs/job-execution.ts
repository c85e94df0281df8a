// One accepted job's run, for the job runner: its execute path (workspace, the host snapshot of a health run, Claude
// Code behind the approval gate, the checked result, the commit, the final status, the wait for its log to drain).
// Claude Code's config dir is the workspace's session dir, so a follow-up resumes its session (Job.resumeSessionId).
// The job's state and its transitions are RunningJob's (running-job.ts).
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import type { EventDraft, HostSnapshot, Job } from '@claudeops/control-plane/protocol';
import type { AgentOptions, AgentOutcome, startAgent } from '../agent/agent';
import { MissingSecretError, throughModelProxy, withRunnerSecrets } from '../agent/agent-env';
import { ApprovalGate } from '../permissions/approval-gate';
import { hasModelCredentials, promptWithSnapshot, skippedResult } from '../health/health-run';
import { collectHostSnapshot } from '../health/host-snapshot';
import { errorMessage, type Logger } from '../support/logger';
import { newRunCookie, type RunRecords } from '../daemon/run-records';
import { ResultShaper } from '../agent/structured-output';
import { WorkspaceError, type Workspace, type Workspaces } from '../workspace/workspace';
import { hasClaudeSession, recordSessionCost, sessionCost } from '../workspace/session-dir';
import { confineJob } from '../sandbox/job-sandbox';
import { SandboxError, type ConfinedRun, type Sandbox } from '../sandbox/sandbox';
import { statusDraft, type RunningJob } from './running-job';
import { toolBreakpoint } from '../permissions/breakpoints';
import { TurnSupervisor } from '../supervise/supervisor';
import type { SpawnCommand } from '../sandbox/confinement';
import { applyRewind, checkpointsOf, Transcript, turnCheckpoints } from './job-checkpoints';

export type StartAgent = typeof startAgent;

/** What executeJob needs of the job runner (its options, its workspaces and its logger). */
export interface JobExecutionDeps {
  startAgent: StartAgent;
  workspaces: Workspaces;
  agentEnv?: Record<string, string>;
  modelBaseUrl?: (executionId: string) => string;
  /** Secrets a template may name (Job.secrets); a job gets only those it names. */
  runnerSecrets?: ReadonlyMap<string, string>;
  /** The runner's redactor, for text Claude Code's events cut to size (redacted before the cut). */
  redact?: (text: string) => string;
  agentOptions?: AgentOptions;
  runRecords?: RunRecords;
  /** Confines each run's Claude Code (absent: unconfined, as in most unit tests). */
  sandbox?: Sandbox;
  /** Reads the host for a health run (host-snapshot.ts by default). */
  collectHostSnapshot?: () => Promise<HostSnapshot>;
  /** The runner's `--local-model-url`: an Anthropic-compatible endpoint for `review.endpoint: "local"`. */
  localModelUrl?: string;
  log: Logger;
}

/** Runs one job to its final status; resolves once the hub has every event of it (or the stream gave up). */
export async function executeJob(active: RunningJob, deps: JobExecutionDeps): Promise<void> {
  const { job, stream } = active;
  stream.start();
  stream.emit(statusDraft('running'));
  let outcome: AgentOutcome;
  let workspace: Workspace | undefined;
  try {
    workspace = await deps.workspaces.prepare(job, (draft) => stream.emit(draft), active.abort.signal);
    outcome = active.ending ? active.stopped() : await runAgent(active, deps, workspace);
  } catch (error) {
    outcome = active.cancelReason
      ? active.stopped()
      : error instanceof WorkspaceError || error instanceof MissingSecretError
        ? { status: 'failed', reason: error.message }
        : { status: 'failed', reason: `the runner could not run Claude Code: ${errorMessage(error)}` };
  }
  // A run its checks or reviewer did not pass waits for a person: not terminal, and its branch is not pushed.
  const review = outcome.status === 'succeeded' ? active.needsReview : null;
  // The commit and the `git` event come before the final status, which closes the log.
  const finished = { status: outcome.status, result: active.result, publish: !active.logClosed, held: review !== null };
  await workspace?.finish(finished);
  const reason = active.finish(outcome);
  stream.emit(review === null ? statusDraft(outcome.status, reason) : statusDraft('needs_review', review));
  deps.log.info('job finished', { executionId: job.executionId, status: outcome.status, reason });
  // The slot stays taken until the hub has every event: the execution is not over for anyone watching before then.
  await stream.drained();
  stream.stop();
}

/** Claude Code's run (after a health run's host snapshot), or the snapshot alone when no model can be asked. */
async function runAgent(active: RunningJob, deps: JobExecutionDeps, workspace: Workspace): Promise<AgentOutcome> {
  const { job, stream } = active;
  const { cwd, sessionDir } = workspace;
  await mkdir(sessionDir, { recursive: true, mode: 0o700 });
  if (job.resumeSessionId && !(await hasClaudeSession(sessionDir, job.resumeSessionId))) {
    const of = job.workspaceOf ? ` of ${job.workspaceOf}` : '';
    return {
      status: 'failed',
      reason: `the Claude Code session ${job.resumeSessionId}${of} is not on this runner any more; start a new execution`,
    };
  }
  const started = Date.now();
  let prompt = job.prompt;
  let snapshot: HostSnapshot | null = null;
  if (job.hostSnapshot) {
    snapshot = await (deps.collectHostSnapshot ?? collectHostSnapshot)();
    stream.emit({ type: 'host.snapshot', ts: new Date().toISOString(), data: { snapshot } });
    prompt = promptWithSnapshot(prompt, snapshot);
    if (active.ending) return active.stopped();
    if (!hasModelCredentials(deps.agentEnv ?? {})) {
      active.result = skippedResult(snapshot, Date.now() - started, `skipped-${randomUUID()}`);
      stream.emit({ type: 'result', ts: new Date().toISOString(), data: active.result });
      return { status: 'succeeded' };
    }
  }
  // Before anything starts: a secret the template names and this runner lacks fails the run, saying which.
  const env = { ...agentEnv(deps, job), CLAUDE_CONFIG_DIR: sessionDir };
  const transcript = new Transcript();
  const emit = (draft: EventDraft) => {
    transcript.note(draft);
    return stream.emit(draft);
  };
  const checkpoint = turnCheckpoints(active, workspace, deps, emit);
  const rewound = await applyRewind(job, workspace, emit);
  if (rewound !== null) return rewound;
  const shaper = new ResultShaper(job, snapshot);
  let lastProblem: string | null = null;
  // A resumed session's total counts the earlier runs' cost again: this run reports its own.
  const earlierUsd = job.resumeSessionId ? await sessionCost(sessionDir, job.resumeSessionId) : 0;
  let reported: { sessionId: string; totalCostUsd: number } | null = null;
  const gate = new ApprovalGate({
    policy: job.permissions,
    timeoutMs: job.approvalTimeoutSeconds * 1000,
    emit,
    cwd,
    onStatus: (status) => active.pause.gateStatus(status),
    breakpoint: (tool, input) => {
      const hit = toolBreakpoint(job.breakpoints, tool, input, cwd);
      return hit === null ? null : active.pause.breakpoint(hit);
    },
  });
  active.openGate(gate);
  let sandbox: ConfinedRun | undefined;
  try {
    const modelBaseUrl = deps.modelBaseUrl?.(job.executionId);
    sandbox =
      deps.sandbox &&
      (await confineJob({ sandbox: deps.sandbox, job, cwd, configDir: sessionDir, env, modelBaseUrl, emit }));
  } catch (error) {
    active.closeGate('the execution ended');
    if (error instanceof SandboxError) return { status: 'failed', reason: error.message };
    throw error;
  }
  if (active.ending) {
    await sandbox?.dispose();
    return active.stopped();
  }
  const modelBaseUrl = deps.modelBaseUrl?.(job.executionId);
  const supervisor = new TurnSupervisor({
    job,
    cwd,
    env,
    ...(sandbox && { wrap: (spawn: SpawnCommand) => sandbox.wrap(spawn) }),
    redact: deps.redact ?? ((text) => text),
    emit,
    diff: async () => {
      await checkpoint();
      return workspace.git ? checkpointsOf(job, workspace.git, deps).diffFromBase() : '';
    },
    transcript: () => transcript.events,
    ...(modelBaseUrl && { modelBaseUrl }),
    ...(deps.localModelUrl && { localModelUrl: deps.localModelUrl }),
    signal: active.abort.signal,
  });
  // After each turn that would end the run: its checkpoint, then the checks and the reviewer (which may send the
  // findings back as the next turn, or leave the run for a person).
  active.input.superviseWith(async () => {
    await checkpoint();
    if (!supervisor.active || active.ending) return null;
    const feedback = await supervisor.afterTurn();
    active.needsReview = supervisor.needsReview;
    return feedback;
  });
  const handle = deps.startAgent(
    {
      executionId: job.executionId,
      prompt,
      model: job.model,
      // Claude Code checks its cap against the resumed session's total: the earlier runs' cost is on top of it.
      maxBudgetUsd: job.maxBudgetUsd === null ? null : job.maxBudgetUsd + earlierUsd,
      cwd,
      env,
      ...(sandbox && { sandbox }),
      ...recordRun(deps, job.executionId),
      canUseTool: gate.canUseTool,
      disallowedTools: job.permissions?.deny ?? [],
      tools: job.tools,
      maxTurns: job.maxTurns,
      appendSystemPrompt: job.appendSystemPrompt,
      outputSchema: job.outputSchema,
      ...(deps.redact && { redact: deps.redact }),
      input: active.input,
      resumeSessionId: job.resumeSessionId,
      resumeSessionAt: job.rewind?.messageId ?? null,
      onChainEntry: (uuid) => (active.lastChainEntry = uuid),
    },
    (draft) => {
      if (draft.type !== 'result') return emit(draft);
      const { sessionId, totalCostUsd } = draft.data;
      reported = { sessionId, totalCostUsd };
      const own = { ...draft.data, totalCostUsd: Math.max(0, totalCostUsd - earlierUsd) };
      const { data, problem } = shaper.shape(own);
      if (problem) emit({ type: 'log', ts: draft.ts, data: { level: 'error', message: problem } });
      // One result per turn: the last one is the run's (a person's messages add turns).
      active.result = data;
      lastProblem = problem;
      return emit({ ...draft, data });
    },
    deps.agentOptions,
  );
  active.agentStarted(handle);
  const outcome = await handle.done.finally(() => sandbox?.dispose());
  active.closeGate('the execution ended');
  await noteSessionCost(deps, sessionDir, reported);
  // Claude Code succeeded, but what its last turn returned cannot be recorded as the template's result.
  return outcome.status === 'succeeded' && lastProblem ? { status: 'failed', reason: lastProblem } : outcome;
}

/** What the session's total stood at, for the cost its next resume reports again. */
async function noteSessionCost(
  deps: JobExecutionDeps,
  sessionDir: string,
  reported: { sessionId: string; totalCostUsd: number } | null,
): Promise<void> {
  if (!reported) return;
  await recordSessionCost(sessionDir, reported.sessionId, reported.totalCostUsd).catch((error: unknown) =>
    deps.log.warn('could not note the session cost', { error: errorMessage(error) }),
  );
}

/** Records the run before Claude Code starts: a restarted runner reaps its processes by this cookie. */
function recordRun(deps: JobExecutionDeps, executionId: string): { cookie?: string; onSpawn?: (pid: number) => void } {
  const records = deps.runRecords;
  if (!records) return {};
  const cookie = newRunCookie(executionId);
  records.begin(executionId, cookie);
  const onSpawn = (pid: number) => {
    try {
      records.spawned(executionId, pid);
    } catch (error) {
      deps.log.warn('could not record the Claude Code process', { executionId, error: errorMessage(error) });
    }
  };
  return { cookie, onSpawn };
}

/** Claude Code's environment for the job: the runner's agent env, the secrets its template names, the model proxy. */
function agentEnv(deps: JobExecutionDeps, job: Job): Record<string, string> {
  const env = withRunnerSecrets({ ...deps.agentEnv }, deps.runnerSecrets ?? new Map(), job.secrets ?? []);
  return deps.modelBaseUrl ? throughModelProxy(env, deps.modelBaseUrl(job.executionId)) : env;
}
