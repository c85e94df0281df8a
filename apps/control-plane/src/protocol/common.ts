// Shared primitives of the ClaudeOps wire protocol: ids, statuses, errors. Imported by all three apps.
import { z } from 'zod';
import { MAX_SEQ } from './limits';

export const PROTOCOL_VERSION = 1;

export const EXECUTION_STATUSES = [
  'queued',
  /** Waiting for budget room (see `blockedReason`); starts by itself when a limit is raised or a period resets. */
  'blocked',
  'assigned',
  'running',
  /** Running, and Claude Code is waiting for a person to allow or deny a tool call (GET /api/v1/approvals). */
  'awaiting_approval',
  /** Held by a person, a budget, a rate limit or a breakpoint (see `pausedReason`): no model call starts until it
   * resumes (POST /api/v1/executions/:id/resume, or by itself after a rate limit). */
  'paused',
  /** Claude Code finished, but a check failed or the reviewer was not confident enough: a person accepts, rejects or
   * sends feedback (POST /api/v1/executions/:id/review). Not terminal. */
  'needs_review',
  'succeeded',
  'failed',
  'cancelled',
  'lost',
] as const;
export const ExecutionStatus = z.enum(EXECUTION_STATUSES);
export type ExecutionStatus = z.infer<typeof ExecutionStatus>;

/** Statuses an execution never leaves (a retry is a new attempt, not a transition). */
export const TERMINAL_STATUSES: readonly ExecutionStatus[] = ['succeeded', 'failed', 'cancelled', 'lost'];
export const isTerminal = (status: ExecutionStatus): boolean => TERMINAL_STATUSES.includes(status);

/** Why an execution is paused. `user`: a person paused it; `budget`: a budget in pause mode reached its hard limit;
 * `rate_limited`: the model answered 429/529 (it resumes by itself at `resumeAt`); `breakpoint`: a breakpoint rule
 * matched. */
export const PAUSED_REASONS = ['user', 'budget', 'rate_limited', 'breakpoint'] as const;
export const PausedReason = z.enum(PAUSED_REASONS);
export type PausedReason = z.infer<typeof PausedReason>;

/** `budget`: a hard limit of a budget scope, or the execution's own `maxBudgetUsd`, was reached. */
export const CANCEL_REASONS = ['user', 'lease_lost', 'runner_shutdown', 'budget', 'superseded', 'rewound'] as const;
export const CancelReason = z.enum(CANCEL_REASONS);
/** What a person reads for each cancel reason: the runner's status reasons and Claude Code's outcome say these. */
export const CANCEL_REASON_TEXT: Record<z.infer<typeof CancelReason>, string> = {
  user: 'cancelled by user',
  lease_lost: 'the runner lost its lease on this execution',
  runner_shutdown: 'the runner shut down',
  budget: 'a budget limit was reached',
  superseded: 'cancelled by a newer run of its schedule',
  rewound: 'rewound to a checkpoint: the run goes on in a follow-up',
};
/** The longest reason a status event (or an approval's message and reason) carries. */
export const MAX_REASON_CHARS = 2000;
export type CancelReason = z.infer<typeof CancelReason>;

export const ExecutionId = z
  .string()
  .regex(/^ex_[0-9a-z]{26}$/, 'must be an execution id (ex_ followed by 26 characters)');
export const ApprovalId = z
  .string()
  .regex(/^ap_[0-9a-z]{26}$/, 'must be an approval id (ap_ followed by 26 characters)');
export const RunnerId = z.string().regex(/^rn_[0-9a-z]{26}$/, 'must be a runner id (rn_ followed by 26 characters)');

export const Label = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:/-]*$/, 'labels are letters, digits and _ . : / -');
export const Labels = z.array(Label).max(32);

/** A sequence number within one execution's event log; the runner numbers events 1, 2, 3... */
export const Seq = z.number().int().min(1).max(MAX_SEQ);

export const IsoTime = z.iso.datetime({ offset: true });

export const ERROR_CODES = [
  'BAD_REQUEST',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'UPGRADE_REQUIRED',
  /** Too many requests or frames from one token (or login attempts from one address); see `Retry-After`. */
  'RATE_LIMITED',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];
export const ErrorBody = z.object({ error: z.object({ code: z.enum(ERROR_CODES), message: z.string() }) });
export type ErrorBody = z.infer<typeof ErrorBody>;

/**
 * A budget scope: `global`, `agent:<template name>` (`agent:default`: executions without a template) or `label:<label>`.
 */
export const BudgetScope = z
  .string()
  .max(100)
  .regex(
    /^(global|agent:[A-Za-z0-9][A-Za-z0-9_.-]{0,63}|label:[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63})$/,
    'a budget scope is "global", "agent:<name>" or "label:<label>"',
  );
export type BudgetScope = z.infer<typeof BudgetScope>;
export const BUDGET_PERIODS = ['day', 'month', 'total'] as const;
export const BudgetPeriod = z.enum(BUDGET_PERIODS);
export type BudgetPeriod = z.infer<typeof BudgetPeriod>;
export const BudgetState = z.enum(['ok', 'soft_exceeded', 'hard_exceeded']);
/** What a budget's hard limit does to the running executions of its scope: cancel them, or pause them until the
 * limit is raised (or a person resumes them). */
export const OnHardLimit = z.enum(['cancel', 'pause']);
export type OnHardLimit = z.infer<typeof OnHardLimit>;
export type BudgetState = z.infer<typeof BudgetState>;

/** A repository the runner can clone: an https/ssh/git URL, or an absolute path on the runner's host. */
export const RepoRef = z
  .string()
  .min(1)
  .max(2000)
  .refine((v) => /^(https?:\/\/|ssh:\/\/|git:\/\/|git@[^:]+:|\/)/.test(v), {
    message: 'repo must be an http(s), ssh or git URL, git@host:path, or an absolute path on the runner',
  })
  .refine((v) => !/^https?:\/\/[^/@]*:[^/@]*@/.test(v), {
    message: 'repo must not carry credentials; keep them on the runner (git credential helper, SSH keys)',
  });
/** A git ref: branch, tag or commit. */
export const GitRef = z
  .string()
  .min(1)
  .max(250)
  .regex(/^[A-Za-z0-9._/@^~-]+$/, 'ref must be a branch, tag or commit')
  .refine((v) => !v.startsWith('-') && !v.includes('..'), { message: 'ref must be a branch, tag or commit' });

/** An agent template's name (also its budget scope `agent:<name>`); `default` is an execution without a template. */
export const AgentName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
    'an agent name is 1-64 letters, digits and _ . - (first a letter or digit)',
  );

/**
 * One permission rule in Claude Code's syntax: a tool name (`Read`, `Edit`, `mcp__server`, `mcp__server__tool`,
 * `mcp__server__*`) optionally followed by a specifier in parentheses (`Bash(npm test:*)`, `Edit(src/**)`,
 * `WebFetch(domain:example.com)`).
 */
export const PermissionRule = z
  .string()
  .min(1)
  .max(1000)
  .regex(
    /^[A-Za-z0-9_*-]+(\(.+\))?$/s,
    'a permission rule is a tool name, optionally with a specifier in parentheses: Read, Bash(npm test:*), mcp__server__tool',
  );
const Rules = z.array(PermissionRule).max(500);
/**
 * Which tool calls run without asking (`allow`), wait for a person (`ask`) and are refused (`deny`): deny wins over
 * ask, ask over allow. Calls no rule matches are asked. Shaped like Claude Code's own settings `permissions`.
 */
export const PermissionPolicy = z.strictObject({
  allow: Rules.default([]),
  ask: Rules.default([]),
  deny: Rules.default([]),
});
export type PermissionPolicy = z.infer<typeof PermissionPolicy>;

export const APPROVAL_DECISIONS = ['allow', 'deny'] as const;
export const ApprovalDecision = z.enum(APPROVAL_DECISIONS);
export type ApprovalDecision = z.infer<typeof ApprovalDecision>;
/** `expired`: nobody answered in time (denied); `cancelled`: the execution ended while it waited (denied). */
export const APPROVAL_STATUSES = ['pending', 'allowed', 'denied', 'expired', 'cancelled'] as const;
export const ApprovalStatus = z.enum(APPROVAL_STATUSES);
export type ApprovalStatus = z.infer<typeof ApprovalStatus>;
/** A standing grant of the approval's `pattern`: for the rest of the execution, or on its agent template. */
export const RememberScope = z.enum(['execution', 'agent']);
export type RememberScope = z.infer<typeof RememberScope>;
/** Default time a person has to answer an approval before it is denied. */
export const DEFAULT_APPROVAL_TIMEOUT_SECONDS = 600;
export const ApprovalTimeoutSeconds = z
  .number()
  .int()
  .min(5)
  .max(7 * 24 * 3600);
