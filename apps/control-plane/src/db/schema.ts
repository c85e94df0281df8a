// The D1 schema, in one place. drizzle-kit generates migrations/ from it; every query lives in db/queries/.
import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import type {
  ApprovalDecision,
  ApprovalStatus,
  Breakpoint,
  BudgetPeriod,
  JobRewind,
  OnHardLimit,
  PausedReason,
  ReviewConfig,
  ReviewResult,
  ExecutionStatus,
  GithubTarget,
  NetworkPolicy,
  PullRequestRef,
  ReportState,
  TriggerKind,
  PermissionPolicy,
  PushTopic,
  RememberScope,
  ResourceLimits,
  SandboxKind,
} from '../protocol';

/** Times are Unix epoch milliseconds; the API turns them into ISO 8601 strings. */
export const executions = sqliteTable(
  'executions',
  {
    id: text('id').primaryKey(),
    status: text('status').$type<ExecutionStatus>().notNull(),
    statusReason: text('status_reason'),
    prompt: text('prompt').notNull(),
    model: text('model'),
    maxBudgetUsd: real('max_budget_usd'),
    /** JSON array of labels a runner must carry to take the job. */
    labels: text('labels', { mode: 'json' }).$type<string[]>().notNull(),
    runnerId: text('runner_id'),
    createdAt: integer('created_at').notNull(),
    assignedAt: integer('assigned_at'),
    startedAt: integer('started_at'),
    finishedAt: integer('finished_at'),
    /** Live while running (the price table), then Claude Code's own total_cost_usd once the result arrives. */
    costUsd: real('cost_usd'),
    /** The live estimate from the price table, kept after reconciliation so the difference stays visible. */
    costEstimatedUsd: real('cost_estimated_usd'),
    /** Some model of this execution was priced by its family (no exact price row). */
    costIsEstimate: integer('cost_is_estimate', { mode: 'boolean' })
      .notNull()
      .default(sql`0`),
    /** The agent template it was started from; a budget scope (`agent:<name>`). */
    agent: text('agent').notNull().default('default'),
    /** Why it is `blocked`: the first budget that refused it. */
    blockedReason: text('blocked_reason'),
    cancelRequestedAt: integer('cancel_requested_at'),
    cancelReason: text('cancel_reason'),
    /** JSON of the final `result` event's summary (protocol ExecutionResult). */
    result: text('result', { mode: 'json' }),
    lastSeq: integer('last_seq').notNull().default(0),
    updatedAt: integer('updated_at').notNull(),
    /** A repository URL or a path on the runner: the job runs in a worktree of it. */
    repo: text('repo'),
    /** The worktree's base ref (null: the repository's default branch). */
    ref: text('ref'),
    /** 1 for a first attempt; each retry is its own row with the next number. */
    attempt: integer('attempt').notNull().default(1),
    /** Attempts in all (the first included) that losing a runner may use up. */
    maxAttempts: integer('max_attempts').notNull().default(2),
    /** The attempt this row retries. */
    retryOf: text('retry_of'),
    /** The chain's first attempt (its own id for a first attempt; null on rows from before retries existed). */
    rootId: text('root_id'),
    // A snapshot of the agent template (merged with the POST's fields) at creation: editing the template later never
    // changes a queued execution or its retries.
    /** protocol PermissionPolicy as JSON; null: every tool runs without asking. */
    permissions: text('permissions', { mode: 'json' }).$type<PermissionPolicy>(),
    /** The template inputs it was started with (JSON object of strings). */
    inputs: text('inputs', { mode: 'json' }).$type<Record<string, string>>(),
    maxTurns: integer('max_turns'),
    appendSystemPrompt: text('append_system_prompt'),
    /** JSON Schema of the structured result. */
    outputSchema: text('output_schema', { mode: 'json' }).$type<Record<string, unknown>>(),
    /** JSON array of Claude Code's built-in tools offered; null: its standard set. */
    tools: text('tools', { mode: 'json' }).$type<string[]>(),
    /** Null: the default (protocol DEFAULT_APPROVAL_TIMEOUT_SECONDS). */
    approvalTimeoutSeconds: integer('approval_timeout_seconds'),
    hostSnapshot: integer('host_snapshot', { mode: 'boolean' })
      .notNull()
      .default(sql`0`),
    /** protocol NetworkPolicy as JSON; null: `open`. */
    network: text('network', { mode: 'json' }).$type<NetworkPolicy>(),
    /** protocol ResourceLimits as JSON; null: none. */
    limits: text('limits', { mode: 'json' }).$type<ResourceLimits>(),
    /** Never offered to a runner that cannot confine it. */
    requireSandbox: integer('require_sandbox', { mode: 'boolean' })
      .notNull()
      .default(sql`0`),
    /** JSON array of the runner secrets (env names) the execution gets; null: none. */
    secrets: text('secrets', { mode: 'json' }).$type<string[]>(),
    /** How the runner that took it confined it (`bubblewrap` | `none`); null until a runner accepts it. */
    sandbox: text('sandbox').$type<SandboxKind>(),
    /** What started it (protocol Trigger): api, schedule, webhook, followup, mcp, retry. */
    triggerKind: text('trigger_kind').$type<TriggerKind>().notNull().default('api'),
    /** The schedule or webhook that started it, or the execution a follow-up or retry continues. */
    triggerId: text('trigger_id'),
    triggerDetail: text('trigger_detail'),
    /** The execution this one follows up; the conversation's first execution (null: its own id). */
    followupOf: text('followup_of'),
    conversationId: text('conversation_id'),
    /** A follow-up resumes this Claude Code session, in the workspace of `workspaceOf`, on `pinnedRunnerId` only. */
    resumeSessionId: text('resume_session_id'),
    workspaceOf: text('workspace_of'),
    pinnedRunnerId: text('pinned_runner_id'),
    openPullRequest: integer('open_pull_request', { mode: 'boolean' })
      .notNull()
      .default(sql`0`),
    pullRequest: text('pull_request', { mode: 'json' }).$type<PullRequestRef>(),
    /** Where it comments when it ends (a webhook-started run) and how reporting back went. */
    reportTo: text('report_to', { mode: 'json' }).$type<GithubTarget>(),
    report: text('report', { mode: 'json' }).$type<ReportState>(),
    /** Set once the end-of-run report (comment, pull request) is done or given up; null while one is owed. */
    reportedAt: integer('reported_at'),
    // Supervision (protocol/supervision.ts): what the runner does around Claude Code, and where it stands.
    /** JSON array of check commands; null: none. */
    checks: text('checks', { mode: 'json' }).$type<string[]>(),
    /** protocol ReviewConfig as JSON; null: no reviewer. */
    review: text('review', { mode: 'json' }).$type<ReviewConfig>(),
    /** JSON array of protocol Breakpoint rules; null: none. */
    breakpoints: text('breakpoints', { mode: 'json' }).$type<Breakpoint[]>(),
    /** Set while `paused`, from the hub's pause: why, what it says, when a rate-limited run resumes by itself. */
    pausedReason: text('paused_reason').$type<PausedReason>(),
    pauseMessage: text('pause_message'),
    resumeAt: integer('resume_at'),
    /** The last `review` event's data (protocol SUPERVISION_EVENT_DATA.review). */
    reviewResult: text('review_result', { mode: 'json' }).$type<ReviewResult>(),
    /** A rewind's follow-up restores this checkpoint first (protocol JobRewind). */
    rewind: text('rewind', { mode: 'json' }).$type<JobRewind>(),
  },
  (t) => [
    index('executions_created_idx').on(t.createdAt, t.id),
    index('executions_status_created_idx').on(t.status, t.createdAt, t.id),
    index('executions_runner_idx').on(t.runnerId, t.status),
    index('executions_agent_created_idx').on(t.agent, t.createdAt, t.id),
    // One row per attempt number in a chain: two retries racing for the same number cannot both be created.
    uniqueIndex('executions_root_attempt_idx').on(t.rootId, t.attempt),
    index('executions_trigger_created_idx').on(t.triggerKind, t.createdAt, t.id),
    index('executions_trigger_id_created_idx').on(t.triggerId, t.createdAt, t.id),
    index('executions_conversation_idx').on(t.conversationId, t.createdAt),
  ],
);

/** Recurring executions (routes/schedules.ts): a cron in a timezone, fired by the cron trigger and a DO alarm. */
export const schedules = sqliteTable('schedules', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  cron: text('cron').notNull(),
  /** IANA timezone the cron is read in. */
  timezone: text('timezone').notNull().default('UTC'),
  /** The execution it starts: a protocol CreateExecutionBody (agent + inputs, or prompt, and its other fields). */
  target: text('target', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  /** While the previous run is live: `skip` this one, `queue` it, or `cancel-previous`. */
  overlap: text('overlap').notNull().default('skip'),
  /** `{ start: "22:00", end: "07:00" }` in the schedule's timezone: runs due inside are skipped. */
  quietHours: text('quiet_hours', { mode: 'json' }).$type<{ start: string; end: string }>(),
  maxRunsPerDay: integer('max_runs_per_day'),
  /** After downtime, the runs missed meanwhile: `run-once` (one run now) or `skip`. */
  missed: text('missed').notNull().default('skip'),
  enabled: integer('enabled', { mode: 'boolean' })
    .notNull()
    .default(sql`1`),
  /** The next due minute (epoch ms); null while disabled. */
  nextRunAt: integer('next_run_at'),
  lastRunAt: integer('last_run_at'),
  builtin: integer('builtin', { mode: 'boolean' })
    .notNull()
    .default(sql`0`),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

/** One row per due minute of a schedule, whatever came of it (queued, skipped and why); the unique index makes the
 * cron trigger and the alarm firing the same minute create one run. */
export const scheduleRuns = sqliteTable(
  'schedule_runs',
  {
    id: text('id').primaryKey(),
    scheduleId: text('schedule_id').notNull(),
    /** The due minute (epoch ms); for a run asked for by POST …/run, the time it was asked. */
    dueAt: integer('due_at').notNull(),
    firedAt: integer('fired_at').notNull(),
    /** `queued`, `skipped`, `manual`… (protocol schedules.ts). */
    outcome: text('outcome').notNull(),
    reason: text('reason'),
    executionId: text('execution_id'),
  },
  (t) => [
    uniqueIndex('schedule_runs_due_idx').on(t.scheduleId, t.dueAt),
    index('schedule_runs_fired_idx').on(t.scheduleId, t.firedAt),
  ],
);

/** Inbound webhook endpoints (POST /hooks/:id), each with its HMAC secret and rules (routes/webhooks.ts). */
export const webhooks = sqliteTable('webhooks', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  /** github | jira | sentry | generic: how signatures, delivery ids and events are read. */
  kind: text('kind').notNull(),
  /** The HMAC key. Verifying a signature needs the key itself, so unlike tokens it cannot be stored as a hash. */
  secret: text('secret').notNull(),
  /** JSON array of rules (protocol webhooks.ts); null: the kind's built-in rules. */
  rules: text('rules', { mode: 'json' }).$type<unknown[]>(),
  rateLimitPerMinute: integer('rate_limit_per_minute').notNull(),
  rateLimitPerDay: integer('rate_limit_per_day').notNull(),
  /** The repository (and base ref) this webhook's runs work on, for senders whose payload names none (Sentry, Jira):
   * `$webhook.repo` / `$webhook.ref` in rules. */
  repo: text('repo'),
  ref: text('ref'),
  enabled: integer('enabled', { mode: 'boolean' })
    .notNull()
    .default(sql`1`),
  lastDeliveryAt: integer('last_delivery_at'),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

/** Every delivery a webhook received, with its outcome; (webhook, delivery id) is unique: a replay is a duplicate. */
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    webhookId: text('webhook_id').notNull(),
    /** X-GitHub-Delivery, Sentry's Request-ID, Jira's identifier, X-ClaudeOps-Delivery (or a redelivery's own). */
    deliveryId: text('delivery_id').notNull(),
    receivedAt: integer('received_at').notNull(),
    event: text('event'),
    action: text('action'),
    verified: integer('verified', { mode: 'boolean' }).notNull(),
    /** created | ignored | rejected | rate_limited | failed (protocol webhooks.ts). */
    outcome: text('outcome').notNull(),
    reason: text('reason'),
    /** The rule that matched (its index and name). */
    ruleIndex: integer('rule_index'),
    ruleName: text('rule_name'),
    executionId: text('execution_id'),
    /** The delivery as received, for redelivery: selected headers and the raw body. */
    headers: text('headers', { mode: 'json' }).$type<Record<string, string>>(),
    body: text('body'),
    /** The delivery this one redelivers. */
    redeliveryOf: text('redelivery_of'),
  },
  (t) => [
    uniqueIndex('webhook_deliveries_delivery_idx').on(t.webhookId, t.deliveryId),
    index('webhook_deliveries_received_idx').on(t.webhookId, t.receivedAt),
  ],
);

export const runners = sqliteTable(
  'runners',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    tokenHash: text('token_hash').notNull(),
    labels: text('labels', { mode: 'json' }).$type<string[]>().notNull(),
    maxConcurrent: integer('max_concurrent').notNull(),
    version: text('version'),
    status: text('status').$type<'online' | 'offline'>().notNull(),
    lastHeartbeatAt: integer('last_heartbeat_at'),
    /** Latest metrics sample (protocol RunnerMetrics) as JSON. */
    metrics: text('metrics', { mode: 'json' }),
    createdAt: integer('created_at').notNull(),
    /** How the runner said it confines jobs (runner.hello); null before its first hello. */
    sandbox: text('sandbox').$type<SandboxKind>(),
    /** Revoked (DELETE /api/v1/runners/:id): its token is refused; the row stays for history. */
    revokedAt: integer('revoked_at'),
  },
  (t) => [uniqueIndex('runners_token_hash_idx').on(t.tokenHash)],
);

/** Heartbeat metrics over time, per runner: at most one row every few seconds, pruned to a day and a row cap. */
export const runnerMetrics = sqliteTable(
  'runner_metrics',
  {
    runnerId: text('runner_id').notNull(),
    ts: integer('ts').notNull(),
    /** protocol RunnerMetrics as JSON. */
    metrics: text('metrics', { mode: 'json' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.runnerId, t.ts] })],
);

export const registrationTokens = sqliteTable(
  'registration_tokens',
  {
    id: text('id').primaryKey(),
    tokenHash: text('token_hash').notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    usedAt: integer('used_at'),
    runnerId: text('runner_id'),
    /** Labels and slots the runner registered with it gets; null: what the runner asks for at registration. */
    labels: text('labels', { mode: 'json' }).$type<string[]>(),
    maxConcurrent: integer('max_concurrent'),
  },
  (t) => [uniqueIndex('registration_tokens_hash_idx').on(t.tokenHash)],
);

/** API tokens (the admin token among them) and dashboard sessions: only hashes are stored. */
export const apiTokens = sqliteTable(
  'api_tokens',
  {
    id: text('id').primaryKey(),
    kind: text('kind').$type<'admin' | 'session'>().notNull(),
    tokenHash: text('token_hash').notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at'),
    /** A session's: the hash of the admin token it was made with; a changed or rotated admin token ends it. */
    adminTokenHash: text('admin_token_hash'),
  },
  (t) => [uniqueIndex('api_tokens_hash_idx').on(t.tokenHash)],
);

/** Budget configuration, for listing; the live spend and state are the BudgetGuard Durable Object's (one per scope). */
export const budgets = sqliteTable('budgets', {
  scope: text('scope').primaryKey(),
  period: text('period').$type<BudgetPeriod>().notNull(),
  softLimitUsd: real('soft_limit_usd'),
  hardLimitUsd: real('hard_limit_usd'),
  /** At the hard limit: `cancel` the scope's running executions, or `pause` them until the limit is raised. */
  onHardLimit: text('on_hard_limit').$type<OnHardLimit>().notNull().default('cancel'),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

/**
 * Token counts and USD per execution × model, kept as running totals by the execution's hub. `day`, `agent` and
 * `runnerId` are copied from the execution so cost summaries and budget seeds never join the executions table.
 */
export const executionCosts = sqliteTable(
  'execution_costs',
  {
    executionId: text('execution_id').notNull(),
    model: text('model').notNull(),
    /** YYYY-MM-DD (UTC) of the execution's start, or of its creation before it started. */
    day: text('day').notNull(),
    agent: text('agent').notNull(),
    runnerId: text('runner_id'),
    inputTokens: integer('input_tokens').notNull(),
    outputTokens: integer('output_tokens').notNull(),
    cacheReadInputTokens: integer('cache_read_input_tokens').notNull(),
    cacheCreation5mInputTokens: integer('cache_creation_5m_input_tokens').notNull(),
    cacheCreation1hInputTokens: integer('cache_creation_1h_input_tokens').notNull(),
    costUsd: real('cost_usd').notNull(),
    /** Priced by model family (unknown model), not by an exact price row. */
    estimated: integer('estimated', { mode: 'boolean' }).notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.executionId, t.model] }),
    // Summaries over a date range (any grouping) and the global budget seed.
    index('execution_costs_day_idx').on(t.day, t.model),
    // An agent budget's seed.
    index('execution_costs_agent_day_idx').on(t.agent, t.day),
  ],
);

/** Agent templates: a prompt with `{{name}}` placeholders and the settings an execution started from it gets. */
export const agents = sqliteTable('agents', {
  name: text('name').primaryKey(),
  description: text('description').notNull().default(''),
  prompt: text('prompt').notNull(),
  model: text('model'),
  permissions: text('permissions', { mode: 'json' }).$type<PermissionPolicy>(),
  maxTurns: integer('max_turns'),
  maxBudgetUsd: real('max_budget_usd'),
  labels: text('labels', { mode: 'json' }).$type<string[]>().notNull(),
  repo: text('repo'),
  ref: text('ref'),
  appendSystemPrompt: text('append_system_prompt'),
  outputSchema: text('output_schema', { mode: 'json' }).$type<Record<string, unknown>>(),
  tools: text('tools', { mode: 'json' }).$type<string[]>(),
  approvalTimeoutSeconds: integer('approval_timeout_seconds'),
  hostSnapshot: integer('host_snapshot', { mode: 'boolean' })
    .notNull()
    .default(sql`0`),
  network: text('network', { mode: 'json' }).$type<NetworkPolicy>(),
  limits: text('limits', { mode: 'json' }).$type<ResourceLimits>(),
  requireSandbox: integer('require_sandbox', { mode: 'boolean' })
    .notNull()
    .default(sql`0`),
  /** JSON array of runner secret names its executions get. */
  secrets: text('secrets', { mode: 'json' }).$type<string[]>(),
  checks: text('checks', { mode: 'json' }).$type<string[]>(),
  review: text('review', { mode: 'json' }).$type<ReviewConfig>(),
  breakpoints: text('breakpoints', { mode: 'json' }).$type<Breakpoint[]>(),
  /** Seeded by a migration. */
  builtin: integer('builtin', { mode: 'boolean' })
    .notNull()
    .default(sql`0`),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

/**
 * Approvals, mirrored from the ExecutionHubs for listing: the execution's hub holds the truth (who answered first)
 * and upserts its row here on the request and on every decision.
 */
export const approvals = sqliteTable(
  'approvals',
  {
    id: text('id').primaryKey(),
    executionId: text('execution_id').notNull(),
    agent: text('agent').notNull(),
    tool: text('tool').notNull(),
    /** What Claude Code asked for (redacted by the runner), as JSON. */
    input: text('input', { mode: 'json' }),
    summary: text('summary').notNull(),
    pattern: text('pattern').notNull(),
    status: text('status').$type<ApprovalStatus>().notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    decision: text('decision').$type<ApprovalDecision>(),
    decidedBy: text('decided_by'),
    decidedAt: integer('decided_at'),
    message: text('message'),
    remember: text('remember').$type<RememberScope>(),
    reason: text('reason'),
  },
  (t) => [
    index('approvals_status_created_idx').on(t.status, t.createdAt, t.id),
    index('approvals_execution_idx').on(t.executionId),
  ],
);

/** Who decided what: approvals answered (or expired, cancelled) and agent template changes. Append-only. */
export const auditLog = sqliteTable(
  'audit_log',
  {
    /** Derived from what it records where a retry may write it twice (`<approval id>.<status>`), else `au_<ulid>`. */
    id: text('id').primaryKey(),
    at: integer('at').notNull(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    subject: text('subject').notNull(),
    executionId: text('execution_id'),
    details: text('details', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  },
  (t) => [index('audit_log_at_idx').on(t.at, t.id), index('audit_log_execution_idx').on(t.executionId)],
);

/**
 * Small settings the control plane generates once and keeps: the VAPID key pair for Web Push when
 * CLAUDEOPS_VAPID_* is unset (its private key as a JWK: it signs push requests only, it is no user or runner secret).
 */
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  createdAt: integer('created_at').notNull(),
});

/** Browsers (the dashboard's service worker) subscribed to Web Push, and the topics each wants. */
export const pushSubscriptions = sqliteTable('push_subscriptions', {
  endpoint: text('endpoint').primaryKey(),
  /** The subscriber's P-256 public key and auth secret (base64url): what messages are encrypted to. */
  p256dh: text('p256dh').notNull(),
  auth: text('auth').notNull(),
  /** JSON array of protocol PushTopic. */
  topics: text('topics', { mode: 'json' }).$type<PushTopic[]>().notNull(),
  createdAt: integer('created_at').notNull(),
  /** The push service's last refusal (status and text), and how many sends in a row failed. */
  lastError: text('last_error'),
  failures: integer('failures').notNull().default(0),
});
