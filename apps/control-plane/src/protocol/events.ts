// Execution events: what a runner records about one Claude Code run. Stored by the ExecutionHub, replayed to viewers.
import { z } from 'zod';
import {
  ApprovalDecision,
  ApprovalId,
  ApprovalStatus,
  BudgetScope,
  ExecutionStatus,
  IsoTime,
  MAX_REASON_CHARS,
  PausedReason,
  RememberScope,
  Seq,
} from './common';
import {
  boundedAmount,
  boundedCount,
  MAX_APPROVAL_TIMEOUT_MS,
  MAX_BYTES,
  MAX_COUNT,
  MAX_DURATION_MS,
  MAX_TOKENS,
  MAX_USD,
} from './limits';
import { HostSnapshot } from './reports';
import { SUPERVISION_EVENT_DATA } from './supervision';

const Tokens = boundedCount(MAX_TOKENS);
const TokenUsage = z.object({
  inputTokens: Tokens,
  outputTokens: Tokens,
  cacheReadInputTokens: Tokens,
  cacheCreationInputTokens: Tokens,
});
export type TokenUsage = z.infer<typeof TokenUsage>;

/** Per event type, the shape of `data`. */
export const EVENT_DATA = {
  /** Lifecycle as the runner (or, when no runner can, the hub) sees it. */
  status: z.object({
    status: ExecutionStatus,
    reason: z.string().max(MAX_REASON_CHARS).optional(),
    /** With `paused`: why, and when a rate-limited run goes on by itself. */
    pausedReason: PausedReason.optional(),
    resumeAt: IsoTime.optional(),
  }),
  /** Claude Code's init message: the session it opened and what it can use. */
  'system.init': z.object({
    sessionId: z.string(),
    model: z.string(),
    cwd: z.string(),
    tools: z.array(z.string()),
    permissionMode: z.string(),
    claudeCodeVersion: z.string().optional(),
  }),
  'assistant.text': z.object({ messageId: z.string(), text: z.string() }),
  'assistant.thinking': z.object({ messageId: z.string(), text: z.string() }),
  'tool.call': z.object({ messageId: z.string(), toolUseId: z.string(), name: z.string(), input: z.unknown() }),
  'tool.result': z.object({
    toolUseId: z.string(),
    isError: z.boolean(),
    /** Text of the result, truncated by the runner to keep one event small. */
    content: z.string(),
    truncated: z.boolean().optional(),
  }),
  /** One API message's usage, counted once per message id (Claude Code repeats it per content block). */
  usage: TokenUsage.extend({
    messageId: z.string(),
    model: z.string(),
    /** The split of cacheCreationInputTokens by cache lifetime, as the API reports it. */
    cacheCreation5mInputTokens: Tokens.optional(),
    cacheCreation1hInputTokens: Tokens.optional(),
    // Usage fields besides tokens that change the price (Claude Code's as well), present when the API reports them.
    /** Server-side web searches, priced per request. */
    webSearchRequests: boundedCount(MAX_COUNT).optional(),
    /** The API's inference_geo: `us` (US-only inference) costs 1.1× for tokens. */
    inferenceGeo: z.string().max(32).optional(),
    /** The API's speed: `fast` (fast mode) is priced at the model's fast-mode prices. */
    speed: z.string().max(32).optional(),
    /** Set by the hub from the price table when it stores the event: this message's cost and the running total. */
    costUsd: boundedAmount(MAX_USD).optional(),
    totalCostUsd: boundedAmount(MAX_USD).optional(),
    /** The model was priced by its family, not an exact price row. */
    estimated: z.boolean().optional(),
  }),
  /** A budget this execution falls in crossed its soft or hard limit (hard: the execution is being cancelled). */
  'budget.alert': z.object({
    /** A budget scope, or `execution` for the execution's own maxBudgetUsd. */
    scope: z.union([BudgetScope, z.literal('execution')]),
    level: z.enum(['soft', 'hard']),
    spentUsd: boundedAmount(MAX_USD),
    limitUsd: boundedAmount(MAX_USD),
    alertId: z.string().max(200),
  }),
  /** Claude Code's final result; `totalCostUsd` is its own `total_cost_usd`. */
  result: z.object({
    subtype: z.string(),
    isError: z.boolean(),
    text: z.string().optional(),
    totalCostUsd: boundedAmount(MAX_USD),
    numTurns: boundedCount(MAX_COUNT),
    durationMs: boundedAmount(MAX_DURATION_MS),
    durationApiMs: boundedAmount(MAX_DURATION_MS).optional(),
    sessionId: z.string(),
    usage: TokenUsage.optional(),
    /** The JSON Claude returned for the template's output schema, validated against it by the runner. */
    structured: z.unknown().optional(),
    /** Set by the hub when totalCostUsd is below what it already charged from the usage events: the figure the
     * budgets keep, and why (a runner's report never gives spend back). */
    chargedUsd: boundedAmount(MAX_USD).optional(),
    costWarning: z.string().max(1000).optional(),
  }),
  /**
   * Claude Code wants to run a tool the permission policy does not allow: the run waits for a person (the hub stores
   * it as an approval, GET /api/v1/approvals). `input` is what Claude Code asked for, redacted like every event.
   */
  'approval.requested': z.object({
    approvalId: ApprovalId,
    tool: z.string().max(200),
    input: z.unknown(),
    /** Readable: the command, the diff of an edit, the file and its first lines. */
    summary: z.string().max(16_000),
    /** The rule `remember` grants: `Bash(npm test)`, `Write`, `WebFetch(domain:example.com)`. */
    pattern: z.string().max(1000),
    toolUseId: z.string().max(200).optional(),
    /** After this long without an answer the hub denies it (status `expired`). */
    timeoutMs: z.number().int().positive().max(MAX_APPROVAL_TIMEOUT_MS),
  }),
  /** The answer reached Claude Code (recorded by the runner once the hub's decision arrived). */
  'approval.decided': z.object({
    approvalId: ApprovalId,
    status: ApprovalStatus.exclude(['pending']),
    decision: ApprovalDecision,
    decidedBy: z.string().max(200),
    message: z.string().max(MAX_REASON_CHARS).nullable(),
    remember: RememberScope.nullable(),
    /** Why it was denied without a person (timeout, the execution ended). */
    reason: z.string().max(MAX_REASON_CHARS).nullable(),
  }),
  /** A snapshot of the runner's host (system-health-reporter), taken before Claude Code starts. */
  'host.snapshot': z.object({ snapshot: HostSnapshot }),
  /** The worktree's changes, committed by the runner on branch claudeops/<execution id> after Claude Code ran. */
  git: z.object({
    /** The repository as the execution named it (never with credentials). */
    repo: z.string(),
    baseRef: z.string(),
    baseCommit: z.string(),
    branch: z.string(),
    /** Null when Claude Code changed nothing (nothing to commit). */
    commit: z.string().nullable(),
    message: z.string().nullable(),
    files: z
      .array(z.object({ path: z.string(), insertions: boundedCount(MAX_COUNT), deletions: boundedCount(MAX_COUNT) }))
      .max(1000),
    insertions: boundedCount(MAX_COUNT),
    deletions: boundedCount(MAX_COUNT),
    /** Size of the whole patch; GET /api/v1/executions/:id/patch serves it up to the cap. */
    patchBytes: boundedCount(MAX_BYTES),
    patchTruncated: z.boolean(),
  }),
  /**
   * A person's message that reached the live session as its next user turn (POST /api/v1/executions/:id/messages
   * while it runs); recorded by the runner when it hands the text to Claude Code, once per messageId.
   */
  'user.message': z.object({
    messageId: z.string().min(1).max(100),
    text: z.string().max(100_000),
    /** Who sent it (the actor the audit log names). */
    from: z.string().max(200),
  }),
  /** The runner pushed the execution's branch (openPullRequest) with the host's git credentials, or failed to. */
  'git.push': z.object({
    /** The repository as the execution named it (never with credentials). */
    repo: z.string(),
    branch: z.string(),
    commit: z.string().nullable(),
    ok: z.boolean(),
    error: z.string().max(MAX_REASON_CHARS).optional(),
  }),
  /** Runner-side diagnostics (Claude Code's stderr, workspace notes) a person may need to read. */
  log: z.object({ level: z.enum(['debug', 'info', 'warn', 'error']), message: z.string() }),
  ...SUPERVISION_EVENT_DATA,
} as const;

export type EventType = keyof typeof EVENT_DATA;
export const EVENT_TYPES = Object.keys(EVENT_DATA) as EventType[];

const envelope = <T extends EventType>(type: T) =>
  z.object({ seq: Seq, ts: IsoTime, type: z.literal(type), data: EVENT_DATA[type] });

export const ExecutionEvent = z.discriminatedUnion('type', [
  envelope('status'),
  envelope('system.init'),
  envelope('assistant.text'),
  envelope('assistant.thinking'),
  envelope('tool.call'),
  envelope('tool.result'),
  envelope('usage'),
  envelope('budget.alert'),
  envelope('result'),
  envelope('git'),
  envelope('log'),
  envelope('approval.requested'),
  envelope('approval.decided'),
  envelope('host.snapshot'),
  envelope('user.message'),
  envelope('git.push'),
  envelope('check'),
  envelope('review'),
  envelope('checkpoint'),
]);
export type ExecutionEvent = z.infer<typeof ExecutionEvent>;
export type EventData<T extends EventType> = z.infer<(typeof EVENT_DATA)[T]>;
/** An event before the streamer numbers it. */
export type EventDraft = { [T in EventType]: { type: T; ts: string; data: EventData<T> } }[EventType];

/** Bytes of one serialised event above which the hub refuses it (runners truncate tool output well below). */
export const MAX_EVENT_BYTES = 64 * 1024;
/** Events in one `exec.events` frame. */
export const MAX_EVENTS_PER_FRAME = 256;
/** Bytes of events (their JSON, as stored) in one page of GET /api/v1/executions/:id/events and in one replay
 * `events` frame of a viewer socket; a page holds at least one event, and one event is at most MAX_EVENT_BYTES. */
export const MAX_EVENTS_PAGE_BYTES = 1024 * 1024;
