// HTTP API v1 bodies, queries and responses: executions, runners, sessions, budgets and costs (approvals.ts,
// agents.ts and account.ts hold the rest). The dashboard, the runner and outside clients share these.
import { z } from 'zod';
import {
  AgentName,
  ApprovalTimeoutSeconds,
  BudgetPeriod,
  BudgetScope,
  BudgetState,
  ExecutionId,
  ExecutionStatus,
  IsoTime,
  Label,
  Labels,
  GitRef,
  OnHardLimit,
  PausedReason,
  PermissionPolicy,
  RepoRef,
  RunnerId,
} from './common';
import { ExecutionEvent } from './events';
import { NetworkPolicy, ResourceLimits, SandboxKind } from './sandbox';
import { RunnerMetrics } from './frames';
import { GithubTarget, PullRequestRef, ReportState, Trigger, TriggerKind } from './triggers';
import { Breakpoints, Checks, ReviewConfig, SUPERVISION_EVENT_DATA } from './supervision';

export const Health = z.object({ ok: z.literal(true), version: z.string() });

/** Values for a template's `{{name}}` placeholders. */
export const TemplateInputs = z.record(
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'input names are letters, digits and _'),
  z.string().max(100_000),
);

/**
 * Either a `prompt`, or an `agent` template with its `inputs` (the template's prompt with each `{{name}}` filled).
 * Fields given beside `agent` override the template's; `permissions` merge over the template's (lists joined).
 * An input named `repo` (or `ref`) also sets the worktree's repository (or ref) when the body has none.
 */
export const CreateExecutionBody = z
  .strictObject({
    prompt: z.string().trim().min(1, 'prompt must not be empty').max(100_000).optional(),
    agent: AgentName.optional(),
    inputs: TemplateInputs.optional(),
    model: z.string().min(1).max(200).optional(),
    maxBudgetUsd: z.number().positive().max(100_000).optional(),
    labels: Labels.optional(),
    /** Run in a worktree of this repository (on branch claudeops/<execution id>). */
    repo: RepoRef.optional(),
    /** Base ref for the worktree (default: the repository's default branch). Needs `repo`. */
    ref: GitRef.optional(),
    /** Attempts in all, the first included (default 2: one automatic retry after `lost`). */
    maxAttempts: z.number().int().min(1).max(10).optional(),
    /** Tool calls allowed, asked about or refused; none here or on the template: every tool runs without asking. */
    permissions: PermissionPolicy.optional(),
    /** How long an approval waits for a person before it is denied (default: the template's, else 600). */
    approvalTimeoutSeconds: ApprovalTimeoutSeconds.optional(),
    maxTurns: z.number().int().min(1).max(10_000).optional(),
    /** What its processes may reach (default: the template's, else `open`). */
    network: NetworkPolicy.optional(),
    /** Memory, CPUs and processes it may use (default: the template's, else none). */
    limits: ResourceLimits.optional(),
    /** Offer it only to runners that confine it (a template's `true` cannot be turned off here). */
    requireSandbox: z.boolean().optional(),
    /** Push the worktree's branch when the run succeeds and open a pull request for it (needs a GitHub `repo` and
     * CLAUDEOPS_GITHUB_TOKEN on the control plane). */
    openPullRequest: z.boolean().optional(),
    /** Commands run in the workspace once Claude Code finishes (replace the template's). */
    checks: Checks.optional(),
    /** Ask a reviewer for a verdict once Claude Code finishes (replaces the template's; null: none). */
    review: ReviewConfig.nullable().optional(),
    /** Rules that pause the run for a person (added to the template's). */
    breakpoints: Breakpoints.optional(),
  })
  .refine((b) => b.prompt !== undefined || b.agent !== undefined, {
    message: 'give a `prompt`, or an `agent` template with its `inputs`',
    path: ['prompt'],
  })
  .refine((b) => b.prompt === undefined || b.agent === undefined, {
    message: 'give either `prompt` or `agent` (the template has its prompt: fill it with `inputs`)',
    path: ['prompt'],
  })
  .refine((b) => b.inputs === undefined || b.agent !== undefined, {
    message: '`inputs` needs `agent`',
    path: ['inputs'],
  })
  .refine((b) => b.ref === undefined || b.repo !== undefined || b.agent !== undefined, {
    message: '`ref` needs `repo`',
    path: ['ref'],
  });
export type CreateExecutionBody = z.infer<typeof CreateExecutionBody>;

/** A `limit` query parameter: 1 to max, `dflt` when absent. */
export const limit = (max: number, dflt: number) => z.coerce.number().int().min(1).max(max).default(dflt);

export const ListExecutionsQuery = z.strictObject({
  status: ExecutionStatus.optional(),
  limit: limit(200, 50),
  cursor: z.string().min(1).max(500).optional(),
  agent: AgentName.optional(),
  runner: RunnerId.optional(),
  label: Label.optional(),
  /** Words the prompt contains (case-insensitive, each of them). */
  q: z.string().trim().min(1).max(200).optional(),
  /** What started it: api, schedule, webhook, followup, mcp or retry. */
  trigger: TriggerKind.optional(),
  /** Started by this schedule or webhook (sch_…, wh_…), or continuing this execution (followup, retry). */
  triggerId: z.string().min(1).max(100).optional(),
});

export const EventsQuery = z.strictObject({
  after: z.coerce.number().int().min(0).default(0),
  limit: limit(5000, 1000),
});

export const ExecutionResult = z.object({
  subtype: z.string(),
  isError: z.boolean(),
  text: z.string().optional(),
  totalCostUsd: z.number(),
  numTurns: z.number(),
  durationMs: z.number(),
  sessionId: z.string(),
  /** The template's structured output (schema-valid): a PR review, a health report… */
  structured: z.unknown().optional(),
  /** Present when the runner's totalCostUsd was below what its usage had already charged: the figure the budgets
   * (and costUsd) keep, and a warning saying so. */
  chargedUsd: z.number().optional(),
  costWarning: z.string().optional(),
});
export type ExecutionResult = z.infer<typeof ExecutionResult>;

export const Execution = z.object({
  id: ExecutionId,
  status: ExecutionStatus,
  statusReason: z.string().nullable(),
  prompt: z.string(),
  model: z.string().nullable(),
  maxBudgetUsd: z.number().nullable(),
  labels: z.array(Label),
  runnerId: RunnerId.nullable(),
  createdAt: IsoTime,
  startedAt: IsoTime.nullable(),
  finishedAt: IsoTime.nullable(),
  /** Live while running (the price table applied to each API message), then Claude Code's own total_cost_usd. */
  costUsd: z.number().nullable(),
  /** The live estimate, kept after reconciliation so the difference stays visible. */
  costEstimatedUsd: z.number().nullable(),
  /** Some model was priced by its family rather than an exact price row. */
  costIsEstimate: z.boolean(),
  /** The agent template the execution was started from (`default`: none, a plain prompt). */
  agent: z.string(),
  /** Why the execution is `blocked` (which budget), or why a `queued` one waits (no runner with the sandbox its
   * requireSandbox needs is connected); else null. */
  blockedReason: z.string().nullable(),
  repo: RepoRef.nullable(),
  ref: GitRef.nullable(),
  /** 1 for the first attempt; a retry (automatic after `lost`, or POST …/retry) is a new execution. */
  attempt: z.number().int().min(1),
  maxAttempts: z.number().int().min(1),
  /** The attempt this one retries, and the first attempt of the chain (itself for a first attempt). */
  retryOf: ExecutionId.nullable(),
  rootId: ExecutionId,
  cancelRequestedAt: IsoTime.nullable(),
  cancelReason: z.string().nullable(),
  result: ExecutionResult.nullable(),
  /** The policy the runner applies (the template's merged with the POST's); null: every tool runs without asking. */
  permissions: PermissionPolicy.nullable(),
  /** The template inputs it was started with. */
  inputs: z.record(z.string(), z.string()).nullable(),
  /** How the runner confined it: `bubblewrap`, or `none` (unconfined); null until a runner takes it. */
  sandbox: SandboxKind.nullable(),
  network: NetworkPolicy,
  limits: ResourceLimits.nullable(),
  requireSandbox: z.boolean(),
  /** Names of the runner secrets it gets (from its template). */
  secrets: z.array(z.string()),
  /** What started it (the API, a schedule, a webhook, a follow-up, the MCP server, a retry). */
  trigger: Trigger,
  /** The execution this one follows up (POST …/messages on an ended one), and the conversation's first execution
   * (itself when it starts one). */
  followupOf: ExecutionId.nullable(),
  conversationId: ExecutionId,
  /** Only this runner may take it (a follow-up resumes a session kept on that runner). */
  pinnedRunnerId: RunnerId.nullable(),
  openPullRequest: z.boolean(),
  pullRequest: PullRequestRef.nullable(),
  /** Where it comments when it ends (a webhook-started run), and how that went. */
  reportTo: GithubTarget.nullable(),
  report: ReportState.nullable(),
  checks: z.array(z.string()),
  review: ReviewConfig.nullable(),
  breakpoints: Breakpoints,
  /** Why a `paused` execution waits (null when it is not paused), what the pause says (the breakpoint, the budget, the
   * rate limit), and when a rate-limited one goes on by itself. */
  pausedReason: PausedReason.nullable(),
  pauseMessage: z.string().nullable(),
  resumeAt: IsoTime.nullable(),
  /** The reviewer's last verdict and what came of it (null: no review ran). */
  reviewResult: SUPERVISION_EVENT_DATA.review.nullable(),
});
export type Execution = z.infer<typeof Execution>;

/** POST …/review's answer: the decided execution, and the follow-up feedback started. */
export const ReviewDecisionResult = z.object({ execution: Execution, followup: Execution.nullable() });
export type ReviewDecisionResult = z.infer<typeof ReviewDecisionResult>;
/** POST …/rewind's answer: the execution rewound, and its follow-up (null while a running one is being stopped). */
export const RewindResult = z.object({ execution: Execution, followup: Execution.nullable() });
export type RewindResult = z.infer<typeof RewindResult>;

export const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

/** A page of events, oldest first: at most `limit` of them and MAX_EVENTS_PAGE_BYTES of their JSON. `hasMore`: the
 * log holds events past this page (stored so far; a running execution adds more); ask again with
 * `after=nextAfter` (the last seq of this page, or the `after` asked with when the page is empty). */
export const EventsResponse = z.object({
  events: z.array(ExecutionEvent),
  hasMore: z.boolean(),
  nextAfter: z.number().int().min(0),
});
export type EventsResponse = z.infer<typeof EventsResponse>;

export const RunnerView = z.object({
  id: RunnerId,
  name: z.string(),
  status: z.enum(['online', 'offline']),
  labels: z.array(Label),
  maxConcurrent: z.number().int(),
  runningExecutions: z.array(ExecutionId),
  freeSlots: z.number().int(),
  version: z.string().nullable(),
  lastHeartbeatAt: IsoTime.nullable(),
  createdAt: IsoTime,
  /** How it confines jobs, as its last hello said; null before its first hello. */
  sandbox: SandboxKind.nullable(),
  /** When DELETE /api/v1/runners/:id revoked it (its token is refused, it gets no jobs); null while it is trusted.
   * The control plane always sends it; optional so clients built before it still type-check. */
  revokedAt: IsoTime.nullable().optional(),
});
export type RunnerView = z.infer<typeof RunnerView>;

export const CreateRegistrationTokenBody = z.strictObject({
  /** How long the token can be used, in seconds (default one hour). */
  ttlSeconds: z
    .number()
    .int()
    .min(60)
    .max(30 * 24 * 3600)
    .optional(),
  /** The labels and slots the runner registered with this token gets, whatever it asks for (later hellos cannot
   * widen them); absent: what the runner asks for at registration. */
  labels: Labels.optional(),
  maxConcurrent: z.number().int().min(1).max(64).optional(),
});
export const RegistrationToken = z.object({
  token: z.string(),
  expiresAt: IsoTime,
  labels: Labels.nullable(),
  maxConcurrent: z.number().int().nullable(),
});

export const RegisterRunnerBody = z.strictObject({
  registrationToken: z.string().min(1),
  name: z.string().trim().min(1).max(200),
  labels: Labels.default([]),
  maxConcurrent: z.number().int().min(1).max(64).default(1),
});
export const RegisteredRunner = z.object({ runnerId: RunnerId, runnerToken: z.string() });

export const CreateSessionBody = z.strictObject({ token: z.string().min(1).max(500) });

export const ListRunnersQuery = z.strictObject({
  limit: limit(200, 100),
  cursor: z.string().min(1).max(500).optional(),
});

/** POST /api/v1/executions/:id/cancel takes no fields; an empty body or `{}`. */
export const CancelExecutionBody = z.strictObject({});

/** POST /api/v1/sessions answers with when the cookie it set expires. */
export const Session = z.object({ expiresAt: IsoTime });

// ---------------------------------------------------------------------------------------------------------------
// Budgets and costs.

const Usd = z.number().nonnegative().max(10_000_000);

export const PutBudgetBody = z
  .strictObject({
    period: BudgetPeriod,
    softLimitUsd: Usd.optional(),
    hardLimitUsd: Usd.optional(),
    /** At the hard limit: `cancel` the scope's running executions, or `pause` them until the limit is raised or a
     * person resumes them. Absent: as it was (`cancel` for a new budget). */
    onHardLimit: OnHardLimit.optional(),
  })
  .refine((b) => b.softLimitUsd === undefined || b.hardLimitUsd === undefined || b.softLimitUsd <= b.hardLimitUsd, {
    message: 'softLimitUsd must not exceed hardLimitUsd',
    path: ['softLimitUsd'],
  });
export type PutBudgetBody = z.infer<typeof PutBudgetBody>;

export const Budget = z.object({
  scope: BudgetScope,
  period: BudgetPeriod,
  softLimitUsd: z.number().nullable(),
  hardLimitUsd: z.number().nullable(),
  spentUsd: z.number(),
  /** hardLimitUsd − spentUsd (never below 0), or null without a hard limit. */
  remainingUsd: z.number().nullable(),
  periodStart: IsoTime,
  /** When the period resets (null for `total`). */
  periodEnd: IsoTime.nullable(),
  state: BudgetState,
  /** Executions running in this scope now. */
  activeExecutions: z.number().int(),
  onHardLimit: OnHardLimit,
});
export type Budget = z.infer<typeof Budget>;

export const COST_GROUPS = ['day', 'model', 'agent', 'runner'] as const;
export const CostSummaryQuery = z
  .strictObject({
    from: IsoTime.optional(),
    to: IsoTime.optional(),
    groupBy: z.enum(COST_GROUPS).default('day'),
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), {
    message: '`from` must be before `to`',
    path: ['from'],
  });

export const CostSummaryRow = z.object({
  /** The group: a UTC day (YYYY-MM-DD), a model id, an agent name or a runner id (`unassigned` for none). */
  key: z.string(),
  executions: z.number().int(),
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  cacheReadInputTokens: z.number().int(),
  cacheCreation5mInputTokens: z.number().int(),
  cacheCreation1hInputTokens: z.number().int(),
  costUsd: z.number(),
  /** Part of costUsd priced by model family (unknown model). */
  estimatedCostUsd: z.number(),
});
export const CostSummary = z.object({
  groupBy: z.enum(COST_GROUPS),
  from: IsoTime.nullable(),
  to: IsoTime.nullable(),
  items: z.array(CostSummaryRow),
  totalUsd: z.number(),
});

/** GET /api/v1/executions/:id: the execution and every attempt of its chain, oldest first. */
export const AttemptSummary = z.object({
  id: ExecutionId,
  attempt: z.number().int(),
  status: ExecutionStatus,
  statusReason: z.string().nullable(),
  runnerId: RunnerId.nullable(),
  createdAt: IsoTime,
});
export type AttemptSummary = z.infer<typeof AttemptSummary>;
export const ExecutionDetail = Execution.extend({ attempts: z.array(AttemptSummary) });
export type ExecutionDetail = z.infer<typeof ExecutionDetail>;

export const MetricsQuery = z
  .strictObject({ from: IsoTime.optional(), to: IsoTime.optional(), limit: limit(5000, 500) })
  .refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), {
    message: '`from` must be before `to`',
    path: ['from'],
  });

/** POST /api/v1/executions/:id/retry takes no fields; an empty body or `{}`. */
export const RetryExecutionBody = z.strictObject({});

/** GET /api/v1/runners/:id: the runner and its latest heartbeat metrics (null before the first). */
export const RunnerDetail = RunnerView.extend({ metrics: RunnerMetrics.nullable() });
export type RunnerDetail = z.infer<typeof RunnerDetail>;

/** GET /api/v1/runners/:id/metrics: samples oldest first (the latest `limit` in the range); one page only. */
export const RunnerMetricsSample = z.object({ ts: IsoTime, metrics: RunnerMetrics });
export const RunnerMetricsPage = z.object({ items: z.array(RunnerMetricsSample), nextCursor: z.null() });

/** Largest patch PUT /api/v1/executions/:id/patch stores (the runner truncates before uploading). */
export const MAX_PATCH_BYTES = 1024 * 1024;
/** Header on the patch PUT and GET: `true` when the runner cut the patch at MAX_PATCH_BYTES. */
export const PATCH_TRUNCATED_HEADER = 'x-claudeops-patch-truncated';
