// HTTP API v1 bodies, queries and responses. The dashboard, the runner and outside clients share these.
import { z } from 'zod';
import {
  AgentName,
  ApprovalDecision,
  ApprovalId,
  ApprovalStatus,
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
  PermissionPolicy,
  RememberScope,
  RepoRef,
  RunnerId,
} from './common';
import { ExecutionEvent } from './events';
import { RunnerMetrics } from './frames';

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

const limit = (max: number, dflt: number) => z.coerce.number().int().min(1).max(max).default(dflt);

export const ListExecutionsQuery = z.strictObject({
  status: ExecutionStatus.optional(),
  limit: limit(200, 50),
  cursor: z.string().min(1).max(500).optional(),
  agent: AgentName.optional(),
  runner: RunnerId.optional(),
  label: Label.optional(),
  /** Words the prompt contains (case-insensitive, each of them). */
  q: z.string().trim().min(1).max(200).optional(),
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
  /** The agent template the execution was started from (`default` until templates exist). */
  agent: z.string(),
  /** Why the execution is `blocked` (which budget), else null. */
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
});
export type Execution = z.infer<typeof Execution>;

export const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export const EventsResponse = z.object({ events: z.array(ExecutionEvent) });

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
});
export const RegistrationToken = z.object({ token: z.string(), expiresAt: IsoTime });

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
  .strictObject({ period: BudgetPeriod, softLimitUsd: Usd.optional(), hardLimitUsd: Usd.optional() })
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

// ---------------------------------------------------------------------------------------------------------------
// Approvals and the audit log.

export const Approval = z.object({
  id: ApprovalId,
  executionId: ExecutionId,
  /** The execution's agent template. */
  agent: z.string(),
  tool: z.string(),
  input: z.unknown(),
  summary: z.string(),
  /** What `remember` grants: `Bash(npm test)`, `Write`… */
  pattern: z.string(),
  status: ApprovalStatus,
  createdAt: IsoTime,
  /** When it is denied if nobody answers. */
  expiresAt: IsoTime,
  decision: ApprovalDecision.nullable(),
  /** Who answered: `admin` (API token), `dashboard` (a session), `timeout`, `system` (the execution ended). */
  decidedBy: z.string().nullable(),
  decidedAt: IsoTime.nullable(),
  message: z.string().nullable(),
  remember: RememberScope.nullable(),
  reason: z.string().nullable(),
});
export type Approval = z.infer<typeof Approval>;

export const ListApprovalsQuery = z.strictObject({
  status: ApprovalStatus.optional(),
  executionId: ExecutionId.optional(),
  limit: limit(200, 50),
  cursor: z.string().min(1).max(500).optional(),
});

export const ApprovalDecisionBody = z.strictObject({
  decision: ApprovalDecision,
  /** Told to Claude with a denial (and recorded with either answer). */
  message: z.string().trim().max(2000).optional(),
  remember: RememberScope.optional(),
});
export type ApprovalDecisionBody = z.infer<typeof ApprovalDecisionBody>;

export const AUDIT_ACTIONS = [
  'approval.allowed',
  'approval.denied',
  'approval.expired',
  'approval.cancelled',
  'agent.created',
  'agent.updated',
  'agent.deleted',
] as const;
export const AuditAction = z.enum(AUDIT_ACTIONS);

export const AuditEntry = z.object({
  id: z.string(),
  at: IsoTime,
  /** Who: `admin`, `dashboard`, `timeout`, `system`. */
  actor: z.string(),
  action: AuditAction,
  /** The approval id or agent name the entry is about. */
  subject: z.string(),
  executionId: ExecutionId.nullable(),
  /** For approvals: tool, input, decision, message, remember, pattern, reason; for agents: the template after it. */
  details: z.record(z.string(), z.unknown()),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const ListAuditQuery = z.strictObject({
  action: AuditAction.optional(),
  executionId: ExecutionId.optional(),
  subject: z.string().min(1).max(200).optional(),
  limit: limit(500, 100),
  cursor: z.string().min(1).max(500).optional(),
});

// ---------------------------------------------------------------------------------------------------------------
// Agent templates.

const AgentFields = {
  description: z.string().max(2000),
  /** The prompt, with `{{name}}` placeholders filled from an execution's `inputs`. */
  prompt: z.string().trim().min(1, 'prompt must not be empty').max(100_000),
  model: z.string().min(1).max(200).nullable(),
  permissions: PermissionPolicy.nullable(),
  maxTurns: z.number().int().min(1).max(10_000).nullable(),
  maxBudgetUsd: z.number().positive().max(100_000).nullable(),
  /** Labels a runner must carry (added to the execution's). */
  labels: Labels,
  /** Repository used when the execution names none. */
  repo: RepoRef.nullable(),
  ref: GitRef.nullable(),
  appendSystemPrompt: z.string().max(100_000).nullable(),
  /** JSON Schema (an object schema) of the structured result; stored as `result.structured`. */
  outputSchema: z
    .record(z.string(), z.unknown())
    .refine((s) => s.type === 'object', { message: 'outputSchema must be a JSON Schema with "type": "object"' })
    .nullable(),
  /** Claude Code's built-in tools offered (empty: none); null: its standard set. */
  tools: z.array(z.string().min(1).max(200)).max(200).nullable(),
  approvalTimeoutSeconds: ApprovalTimeoutSeconds.nullable(),
  /** The runner collects a snapshot of its host for Claude first (system-health-reporter). */
  hostSnapshot: z.boolean(),
};

export const CreateAgentBody = z.strictObject({
  name: AgentName.refine((n) => n !== 'default', { message: '`default` names executions without a template' }),
  description: AgentFields.description.default(''),
  prompt: AgentFields.prompt,
  model: AgentFields.model.optional(),
  permissions: AgentFields.permissions.optional(),
  maxTurns: AgentFields.maxTurns.optional(),
  maxBudgetUsd: AgentFields.maxBudgetUsd.optional(),
  labels: AgentFields.labels.default([]),
  repo: AgentFields.repo.optional(),
  ref: AgentFields.ref.optional(),
  appendSystemPrompt: AgentFields.appendSystemPrompt.optional(),
  outputSchema: AgentFields.outputSchema.optional(),
  tools: AgentFields.tools.optional(),
  approvalTimeoutSeconds: AgentFields.approvalTimeoutSeconds.optional(),
  hostSnapshot: AgentFields.hostSnapshot.default(false),
});
export type CreateAgentBody = z.infer<typeof CreateAgentBody>;

/** PATCH /api/v1/agents/:name: the fields given replace the template's (null clears an optional one). */
export const UpdateAgentBody = z
  .strictObject({
    description: AgentFields.description.optional(),
    prompt: AgentFields.prompt.optional(),
    model: AgentFields.model.optional(),
    permissions: AgentFields.permissions.optional(),
    maxTurns: AgentFields.maxTurns.optional(),
    maxBudgetUsd: AgentFields.maxBudgetUsd.optional(),
    labels: AgentFields.labels.optional(),
    repo: AgentFields.repo.optional(),
    ref: AgentFields.ref.optional(),
    appendSystemPrompt: AgentFields.appendSystemPrompt.optional(),
    outputSchema: AgentFields.outputSchema.optional(),
    tools: AgentFields.tools.optional(),
    approvalTimeoutSeconds: AgentFields.approvalTimeoutSeconds.optional(),
    hostSnapshot: AgentFields.hostSnapshot.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'give at least one field to change' });
export type UpdateAgentBody = z.infer<typeof UpdateAgentBody>;

export const Agent = z.object({
  name: AgentName,
  ...AgentFields,
  /** The `{{name}}` placeholders of the prompt, in order of first use: what an execution must give. */
  inputs: z.array(z.string()),
  /** Seeded by the migrations (still editable). */
  builtin: z.boolean(),
  createdAt: IsoTime,
  updatedAt: IsoTime,
});
export type Agent = z.infer<typeof Agent>;

export const ListAgentsQuery = z.strictObject({
  limit: limit(200, 100),
  cursor: z.string().min(1).max(500).optional(),
});

// ---------------------------------------------------------------------------------------------------------------
// Who is signed in, and Web Push.

/** GET /api/v1/me: who the request is from (the dashboard shows it; the audit log records `actor`). */
export const Me = z.object({
  /** `admin` (API token), `dashboard` (a session), or the Cloudflare Access identity's email. */
  actor: z.string(),
  via: z.enum(['bearer', 'session', 'access']),
});
export type Me = z.infer<typeof Me>;

/** What a device can be notified of: an approval needed, an execution finished or failed, a budget alert. */
export const PUSH_TOPICS = ['approval', 'finished', 'failed', 'budget'] as const;
export const PushTopic = z.enum(PUSH_TOPICS);
export type PushTopic = z.infer<typeof PushTopic>;

const Base64Url = z
  .string()
  .min(1)
  .max(500)
  .regex(/^[A-Za-z0-9_-]+={0,2}$/, 'must be base64url');

/** GET /api/v1/push/vapid: the application server key a browser subscribes with (base64url, uncompressed P-256). */
export const VapidKey = z.object({ publicKey: z.string() });

/** POST /api/v1/push/subscriptions: a browser's PushSubscription (its toJSON()) and the topics it wants. */
export const PushSubscriptionBody = z.strictObject({
  endpoint: z
    .url({ protocol: /^https?$/ })
    .max(2000)
    .refine((v) => v.startsWith('https://') || /^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(v), {
      message: 'a push endpoint must be https',
    }),
  expirationTime: z.number().nullable().optional(),
  keys: z.strictObject({ p256dh: Base64Url, auth: Base64Url }),
  topics: z
    .array(PushTopic)
    .min(1)
    .max(PUSH_TOPICS.length)
    .default([...PUSH_TOPICS]),
});
export type PushSubscriptionBody = z.infer<typeof PushSubscriptionBody>;

export const PushSubscriptionView = z.object({
  endpoint: z.string(),
  topics: z.array(PushTopic),
  createdAt: IsoTime,
});
export type PushSubscriptionView = z.infer<typeof PushSubscriptionView>;

/** DELETE /api/v1/push/subscriptions: the endpoint to forget. */
export const DeletePushSubscriptionBody = z.strictObject({ endpoint: z.string().min(1).max(2000) });

/** The JSON a push message carries (encrypted, RFC 8291); the service worker shows it as a notification. */
export const PushPayload = z.object({
  topic: PushTopic,
  title: z.string(),
  body: z.string(),
  /** Dashboard path to open on click: /executions/ex_…, /approvals… */
  url: z.string(),
  /** Collapses repeated notifications about the same thing. */
  tag: z.string(),
});
export type PushPayload = z.infer<typeof PushPayload>;
