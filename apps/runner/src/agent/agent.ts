// Runs one execution's Claude Code through the Agent SDK (used by the runner's job runner): each tool call decided by
// the job's canUseTool (the approval gate; bypassPermissions is refused as root), the template's runtime options, SDK
// messages emitted as protocol event drafts, and a cancel that escalates from aborting the query to killing every
// process of the run. The prompt goes in as streaming input (agent-input.ts), so a person's messages become the next
// user turns of the live session; a follow-up resumes its earlier session (`resume`).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import type {
  CanUseTool,
  Options,
  query as sdkQuery,
  SDKResultMessage,
  SpawnedProcess,
  SpawnOptions,
} from '@anthropic-ai/claude-agent-sdk';
import {
  CANCEL_REASON_TEXT,
  MAX_REASON_CHARS,
  type CancelReason,
  type EventDraft,
} from '@claudeops/control-plane/protocol';
import { AgentEventMapper, truncateText } from './agent-events';
import { AgentInput, type LiveMessage } from './agent-input';
import { killRunProcesses, RUN_COOKIE_ENV, signalGroup } from './process-group';
import type { Confinement } from '../sandbox/confinement';

export interface AgentJob {
  executionId: string;
  prompt: string;
  model: string | null;
  maxBudgetUsd: number | null;
  /** The execution's workspace directory (exists). */
  cwd: string;
  /** The runner's ANTHROPIC_* and CLAUDE_CODE_* (and PATH/HOME) for Claude Code; nothing else reaches it. */
  env: Record<string, string>;
  /** Marks every process of the run (CLAUDEOPS_RUN_COOKIE); the job runner records it to reap orphans after a crash. */
  cookie?: string;
  /** Claude Code started as `pid` (leader of its own process group). */
  onSpawn?: (pid: number) => void;
  /** Decides each tool call Claude Code asks about (the approval gate); absent: every call is allowed. */
  canUseTool?: CanUseTool;
  /** Tools Claude Code refuses by itself (the policy's deny rules), also those it would run without asking. */
  disallowedTools?: string[];
  /** Claude Code's built-in tools to offer (empty: none); null or absent: its standard set. */
  tools?: string[] | null;
  maxTurns?: number | null;
  /** Appended to Claude Code's own system prompt. */
  appendSystemPrompt?: string | null;
  /** JSON Schema of the structured result Claude must return. */
  outputSchema?: Record<string, unknown> | null;
  /** The execution's sandbox (sandbox.ts): Claude Code runs inside it, and a limit it exceeds ends the run. */
  sandbox?: Confinement;
  /** The runner's redactor: text cut to fit an event is redacted first, so a cut cannot halve a secret. */
  redact?: (text: string) => string;
  /** The run's user turns after the prompt (a person's messages); absent: the prompt alone. */
  input?: AgentInput;
  /** The Claude Code session a follow-up resumes (its files are under the run's CLAUDE_CONFIG_DIR, same cwd). */
  resumeSessionId?: string | null;
  /** With resumeSessionId: resume the conversation only up to this entry (a rewind with `conversation`). */
  resumeSessionAt?: string | null;
  /** Each entry of the conversation's chain (an assistant or user message's uuid), as Claude Code streams it: a
   * checkpoint's `messageId` is the last one before it. */
  onChainEntry?: (uuid: string) => void;
}

const allowAll: CanUseTool = async (_toolName, input) => ({ behavior: 'allow', updatedInput: input });

export type AgentOutcome = { status: 'succeeded' | 'failed' | 'cancelled'; reason?: string };

export interface AgentHandle {
  /** Resolves (never rejects) once Claude Code and every process it started are gone. */
  readonly done: Promise<AgentOutcome>;
  /** Idempotent: abort the query and SIGTERM Claude Code's group, then after the grace period SIGKILL what is left. */
  cancel(reason: CancelReason): void;
  /** Claude Code's PID (and process group), once it has started. */
  readonly pid: number | undefined;
}

export interface AgentOptions {
  /** Time Claude Code gets to stop after an abort before its processes are killed; default 5000 ms. */
  graceMs?: number;
  pathToClaudeCodeExecutable?: string;
  /** The SDK's query (tests pass a double); default: the Agent SDK's, loaded with the first run. */
  query?: typeof sdkQuery;
}

/** Bytes of a message's text in its `user.message` event (Claude Code gets all of it). */
export const USER_MESSAGE_EVENT_BYTES = 32 * 1024;

const DEFAULT_GRACE_MS = 5_000;
/** Claude Code's stderr beyond this is dropped (one note says so), so a noisy CLI cannot flood the log. */
const STDERR_LIMIT_BYTES = 256 * 1024;

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));
const clip = (text: string) => (text.length > MAX_REASON_CHARS ? `${text.slice(0, MAX_REASON_CHARS - 1)}…` : text);

function outcomeOf(result: SDKResultMessage | undefined, failure: string | undefined): AgentOutcome {
  if (result?.subtype === 'success' && !result.is_error) return { status: 'succeeded' };
  if (result?.subtype === 'success') return { status: 'failed', reason: clip(result.result || 'Claude Code failed') };
  if (result) return { status: 'failed', reason: clip(`${result.subtype}: ${result.errors.join('; ')}`) };
  return { status: 'failed', reason: clip(failure ?? 'Claude Code ended without a result') };
}

/** The `user.message` event of a message handed to Claude Code: its text cut to fit (redacted before the cut). */
function userMessageDraft(message: LiveMessage, redact: ((text: string) => string) | undefined): EventDraft {
  const { text } = truncateText(message.text, USER_MESSAGE_EVENT_BYTES, redact);
  return {
    type: 'user.message',
    ts: new Date().toISOString(),
    data: { messageId: message.messageId, text, from: message.from },
  };
}

export function startAgent(job: AgentJob, emit: (draft: EventDraft) => void, options: AgentOptions = {}): AgentHandle {
  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
  const abortController = new AbortController();
  const cookie = job.cookie ?? `${job.executionId}.${randomUUID()}`;
  const mapper = new AgentEventMapper(undefined, job.redact);
  const input = job.input ?? new AgentInput();
  let pid: number | undefined;
  let exited: Promise<void> = Promise.resolve();
  let cancelReason: CancelReason | undefined;
  let graceTimer: NodeJS.Timeout | undefined;
  /** The resource limit the run exceeded (its statusReason); the run is stopped as a cancel would stop it. */
  let limitReason: string | undefined;
  let stopWatching: () => void = () => undefined;
  // After `done` resolves nothing more is emitted: the job runner has moved on to the final status.
  let settled = false;
  const send = (draft: EventDraft) => {
    if (settled) return;
    try {
      emit(draft);
    } catch (error) {
      // Some drafts arrive from stream callbacks, where a throw would take the whole runner down.
      console.error(`agent ${job.executionId}: emitting a ${draft.type} event failed:`, error);
    }
  };

  const spawnClaudeCode = (spawnOptions: SpawnOptions): SpawnedProcess => {
    const { command, args, env } = job.sandbox
      ? job.sandbox.wrap({ command: spawnOptions.command, args: spawnOptions.args, env: spawnOptions.env })
      : spawnOptions;
    // Detached: Claude Code leads its own process group (bwrap, when sandboxed, keeps it: no --new-session), so a
    // cancel can kill it and its tools in one signal.
    const child = spawn(command, args, {
      cwd: spawnOptions.cwd,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    pid = child.pid;
    if (pid !== undefined) job.onSpawn?.(pid);
    stopWatching = job.sandbox?.watch(stopForLimit) ?? stopWatching;
    exited = new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
    let stderrBytes = 0;
    createInterface({ input: child.stderr }).on('line', (line) => {
      if (stderrBytes > STDERR_LIMIT_BYTES) return;
      stderrBytes += Buffer.byteLength(line) + 1;
      send(mapper.log('warn', stderrBytes > STDERR_LIMIT_BYTES ? 'Claude Code stderr truncated' : line));
    });
    // The SDK aborts this only after closing stdin and waiting its own grace; then the group gets SIGTERM.
    spawnOptions.signal.addEventListener('abort', () => child.pid && signalGroup(child.pid, 'SIGTERM'), {
      once: true,
    });
    return child;
  };

  const queryOptions: Options = {
    cwd: job.cwd,
    ...(job.model ? { model: job.model } : {}),
    ...(job.maxBudgetUsd !== null ? { maxBudgetUsd: job.maxBudgetUsd } : {}),
    abortController,
    // The SDK hands Claude Code exactly this environment; the cookie marks every process of the run.
    env: { DISABLE_AUTOUPDATER: '1', ...job.env, [RUN_COOKIE_ENV]: cookie },
    settingSources: [],
    systemPrompt: {
      type: 'preset',
      preset: 'claude_code',
      ...(job.appendSystemPrompt ? { append: job.appendSystemPrompt } : {}),
    },
    ...(job.tools ? { tools: job.tools } : {}),
    ...(job.maxTurns ? { maxTurns: job.maxTurns } : {}),
    ...(job.outputSchema ? { outputFormat: { type: 'json_schema', schema: job.outputSchema } } : {}),
    ...(job.resumeSessionId ? { resume: job.resumeSessionId } : {}),
    ...(job.resumeSessionId && job.resumeSessionAt ? { resumeSessionAt: job.resumeSessionAt } : {}),
    includePartialMessages: true,
    // Explicit: left unset Claude Code may choose auto mode, whose classifier makes model calls of its own.
    permissionMode: 'default',
    // In default mode Claude Code runs read-only tools inside the cwd without asking canUseTool: the policy's deny
    // rules go to Claude Code as well, so it refuses those itself.
    ...(job.disallowedTools?.length ? { disallowedTools: job.disallowedTools } : {}),
    // Every other decision is the job's (the approval gate). Through canUseTool rather than allowedTools, whose
    // bare names would shadow the callback.
    canUseTool: job.canUseTool ?? allowAll,
    spawnClaudeCodeProcess: spawnClaudeCode,
    ...(options.pathToClaudeCodeExecutable ? { pathToClaudeCodeExecutable: options.pathToClaudeCodeExecutable } : {}),
  };

  const exitedWithin = async (ms: number) => {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
    clearTimeout(timer);
  };

  /** Claude Code exits by itself after its result (or after an abort); then nothing of the run may stay behind. */
  const endProcesses = async () => {
    if (pid === undefined) return;
    await exitedWithin(graceMs);
    clearTimeout(graceTimer);
    if (!(await killRunProcesses({ pgid: pid, cookie }))) {
      send(mapper.log('error', `processes of Claude Code (pid ${pid}) survived SIGKILL`));
    }
    await exitedWithin(graceMs);
  };

  const run = async (): Promise<AgentOutcome> => {
    let result: SDKResultMessage | undefined;
    let failure: string | undefined;
    try {
      // The Agent SDK (~30 MB once loaded) comes in with the first run, not at the runner's start.
      const query = options.query ?? (await import('@anthropic-ai/claude-agent-sdk')).query;
      const prompt = input.stream(job.prompt, (message) => send(userMessageDraft(message, job.redact)));
      for await (const message of query({ prompt, options: queryOptions })) {
        // One result per turn; the last one is the run's (its status, structured output and cost).
        if (message.type === 'result') result = message;
        if ((message.type === 'assistant' || message.type === 'user') && message.uuid) job.onChainEntry?.(message.uuid);
        for (const draft of mapper.map(message)) send(draft);
        if (message.type === 'result') input.resultSeen();
      }
    } catch (error) {
      failure = errorText(error);
    }
    // Messages that come now are not taken: the hub keeps them (it starts a follow-up with them).
    input.end();
    for (const draft of mapper.finish()) send(draft);
    // The SDK also throws after an error result; the result event already says it all.
    if (failure !== undefined && result === undefined && cancelReason === undefined && limitReason === undefined) {
      send(mapper.log('error', `Claude Code: ${failure}`));
    }
    await endProcesses();
    stopWatching();
    // A limit hit in the last moments (a tool's process OOM-killed) still fails the run.
    if (cancelReason === undefined && limitReason === undefined) {
      limitReason = (await job.sandbox?.exceeded()) ?? undefined;
    }
    if (cancelReason !== undefined) return { status: 'cancelled', reason: CANCEL_REASON_TEXT[cancelReason] };
    return limitReason === undefined ? outcomeOf(result, failure) : { status: 'failed', reason: limitReason };
  };

  /** Aborts the query and SIGTERMs the group now, SIGKILL after the grace: a cancel, or a limit exceeded. */
  const stopRun = () => {
    input.end();
    abortController.abort();
    // Do not wait for the SDK's own grace before signalling: a cancelled run (a budget crossed, above all) must
    // stop now. SIGTERM lets Claude Code end cleanly; the group gets SIGKILL if it is still there after graceMs.
    if (pid !== undefined) signalGroup(pid, 'SIGTERM');
    graceTimer = setTimeout(() => pid !== undefined && signalGroup(pid, 'SIGKILL'), graceMs);
  };
  function stopForLimit(reason: string): void {
    if (limitReason !== undefined || cancelReason !== undefined || settled) return;
    limitReason = reason;
    send(mapper.log('error', `${reason}; stopping Claude Code`));
    stopRun();
  }

  const done = run()
    .catch((error: unknown): AgentOutcome => ({ status: 'failed', reason: clip(errorText(error)) }))
    .then((outcome) => {
      settled = true;
      return outcome;
    });

  return {
    done,
    get pid() {
      return pid;
    },
    cancel(reason) {
      if (cancelReason !== undefined || settled) return;
      cancelReason = reason;
      stopRun();
    },
  };
}
