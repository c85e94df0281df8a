// WebSocket frames: runner <-> Fleet (control socket), runner <-> ExecutionHub (event stream), hub -> viewers.
// Every frame is a JSON object discriminated on `type`; receivers parse with these schemas and answer bad frames
// with an `error` frame.
import { z } from 'zod';
import {
  AgentName,
  CancelReason,
  DEFAULT_APPROVAL_TIMEOUT_SECONDS,
  ErrorBody,
  ExecutionId,
  ExecutionStatus,
  Labels,
  PausedReason,
  PermissionPolicy,
  RunnerId,
} from './common';
import { EVENT_DATA, ExecutionEvent, MAX_EVENTS_PER_FRAME } from './events';
import {
  boundedAmount,
  MAX_BYTES,
  MAX_BYTES_PER_SEC,
  MAX_LOAD_AVERAGE,
  MAX_PERCENT,
  MAX_TEMPERATURE_C,
} from './limits';
import { NetworkPolicy, ResourceLimits, SandboxKind, SecretNames } from './sandbox';
import { Breakpoints, Checks, JobRewind, ReviewConfig } from './supervision';

// ---------------------------------------------------------------------------------------------------------------
// Control socket: GET /api/v1/runners/connect (Bearer runner token), one per runner, held by the Fleet DO.

export const Job = z.object({
  executionId: ExecutionId,
  prompt: z.string(),
  model: z.string().nullable(),
  maxBudgetUsd: z.number().nullable(),
  labels: Labels,
  repo: z.string().nullable(),
  ref: z.string().nullable(),
  attempt: z.number().int().min(1),
  // From the execution's agent template (and the POST's overrides); defaults keep older control planes readable.
  agent: AgentName.default('default'),
  /** Null: every tool runs without asking (no template or execution gave a policy). */
  permissions: PermissionPolicy.nullable().default(null),
  maxTurns: z.number().int().positive().nullable().default(null),
  /** Appended to Claude Code's system prompt. */
  appendSystemPrompt: z.string().nullable().default(null),
  /** JSON Schema of the structured result Claude must return (Claude Code's `outputFormat`). */
  outputSchema: z.record(z.string(), z.unknown()).nullable().default(null),
  /** Claude Code's built-in tools to offer (empty: none); null: its standard set. */
  tools: z.array(z.string().max(200)).max(200).nullable().default(null),
  approvalTimeoutSeconds: z.number().int().positive().default(DEFAULT_APPROVAL_TIMEOUT_SECONDS),
  /** Collect a host snapshot first and hand it to Claude (system-health-reporter). */
  hostSnapshot: z.boolean().default(false),
  /** What the run's processes may reach. */
  network: NetworkPolicy.default('open'),
  limits: ResourceLimits.nullable().default(null),
  /** Only a confining runner may run it (the Fleet never offers it to another; the runner refuses it too). */
  requireSandbox: z.boolean().default(false),
  /** The runner secrets (environment names) the run gets. */
  secrets: SecretNames.default([]),
  /** Resume this Claude Code session (a follow-up): Claude sees the earlier turns. */
  resumeSessionId: z.string().max(200).nullable().default(null),
  /** Run in the workspace this execution used (a follow-up continues in the same worktree and branch). */
  workspaceOf: ExecutionId.nullable().default(null),
  /** Push the branch when the run succeeds (the control plane then opens a pull request). */
  openPullRequest: z.boolean().default(false),
  /** Run these in the workspace once Claude Code finishes (`check` events). */
  checks: Checks.default([]),
  /** Ask a reviewer for a verdict once Claude Code finishes (`review` event). */
  review: ReviewConfig.nullable().default(null),
  /** Rules that pause the run: the runner checks the tool and file rules, the hub the cost and turn rules. */
  breakpoints: Breakpoints.default([]),
  /** Restore this checkpoint before Claude Code starts (a rewind of an ended execution). */
  rewind: JobRewind.nullable().default(null),
});
export type Job = z.infer<typeof Job>;

export const GpuMetrics = z.object({
  vendor: z.string().max(100),
  model: z.string().max(200),
  utilizationPercent: boundedAmount(MAX_PERCENT).nullable(),
  memUsedBytes: boundedAmount(MAX_BYTES).nullable(),
  memTotalBytes: boundedAmount(MAX_BYTES).nullable(),
  temperatureC: z.number().min(-MAX_TEMPERATURE_C).max(MAX_TEMPERATURE_C).nullable(),
});
export const RunnerMetrics = z.object({
  cpuLoadPercent: boundedAmount(MAX_PERCENT),
  memUsedBytes: boundedAmount(MAX_BYTES),
  memTotalBytes: boundedAmount(MAX_BYTES),
  /** Filesystem of the runner's workspaces. */
  diskUsedBytes: boundedAmount(MAX_BYTES).optional(),
  diskTotalBytes: boundedAmount(MAX_BYTES).optional(),
  netRxBytesPerSec: boundedAmount(MAX_BYTES_PER_SEC).optional(),
  netTxBytesPerSec: boundedAmount(MAX_BYTES_PER_SEC).optional(),
  loadAverage1m: boundedAmount(MAX_LOAD_AVERAGE).optional(),
  gpus: z.array(GpuMetrics).max(16).optional(),
});
export type RunnerMetrics = z.infer<typeof RunnerMetrics>;

export const RunnerToFleet = z.discriminatedUnion('type', [
  /** runner -> fleet, first frame on every (re)connect; idempotent: it restates the runner's whole state. */
  z.object({
    type: z.literal('runner.hello'),
    version: z.string().max(100),
    name: z.string().max(200),
    labels: Labels,
    maxConcurrent: z.number().int().min(1).max(64),
    running: z.array(ExecutionId).max(64),
    /** How this runner confines jobs; an older runner says nothing: `none`. */
    sandbox: SandboxKind.default('none'),
  }),
  /** runner -> fleet, every heartbeatIntervalMs; idempotent; renews the leases of the executions it lists. */
  z.object({
    type: z.literal('runner.heartbeat'),
    running: z.array(ExecutionId).max(64),
    metrics: RunnerMetrics.optional(),
  }),
  /** runner -> fleet, answers job.offer; idempotent per execution. */
  z.object({ type: z.literal('job.accept'), executionId: ExecutionId }),
  /** runner -> fleet, answers job.offer it cannot take (no slot, shutting down); the job goes back to the queue. */
  z.object({ type: z.literal('job.reject'), executionId: ExecutionId, reason: z.string().max(500) }),
]);
export type RunnerToFleet = z.infer<typeof RunnerToFleet>;

export const FleetToRunner = z.discriminatedUnion('type', [
  /** fleet -> runner, answers runner.hello. */
  z.object({
    type: z.literal('runner.welcome'),
    runnerId: RunnerId,
    heartbeatIntervalMs: z.number().int().positive(),
    leaseTtlMs: z.number().int().positive(),
  }),
  /** fleet -> runner, the execution is leased to this runner; may repeat after a reconnect (runner dedupes). */
  z.object({ type: z.literal('job.offer'), job: Job }),
  /** fleet -> runner, stop this execution; idempotent. */
  z.object({ type: z.literal('job.cancel'), executionId: ExecutionId, reason: CancelReason }),
  /** fleet -> runner, a frame was refused. */
  z.object({ type: z.literal('error'), error: ErrorBody.shape.error }),
]);
export type FleetToRunner = z.infer<typeof FleetToRunner>;

// ---------------------------------------------------------------------------------------------------------------
// Event stream: GET /api/v1/executions/:id/stream (Bearer runner token of the execution's owner), held by the hub.

export const RunnerToHub = z.discriminatedUnion('type', [
  /** runner -> hub, a batch of consecutive events; idempotent by seq (duplicates are dropped, then acked). */
  z.object({ type: z.literal('exec.events'), events: z.array(ExecutionEvent).min(1).max(MAX_EVENTS_PER_FRAME) }),
  /**
   * runner -> hub, before each model call Claude Code makes: may it start? Answered by `exec.permit.result` with the
   * same requestId; asking again with the same requestId is answered again (idempotent, no double counting).
   */
  z.object({ type: z.literal('exec.permit'), requestId: z.string().min(1).max(100) }),
]);
export type RunnerToHub = z.infer<typeof RunnerToHub>;

export const HubToRunner = z.discriminatedUnion('type', [
  /** hub -> runner on connect: resend everything after ackedSeq. */
  z.object({
    type: z.literal('exec.welcome'),
    ackedSeq: z.number().int().min(0),
    cancel: CancelReason.nullable(),
    /** The execution is paused: hold model calls until `exec.resume`. */
    paused: z.object({ reason: PausedReason, message: z.string().nullable() }).nullable().default(null),
  }),
  /**
   * hub -> runner, the execution is paused: the hub holds every model-call permit until it resumes; the runner
   * records `status: paused` once. Repeated on reconnect (in exec.welcome).
   */
  z.object({ type: z.literal('exec.pause'), reason: PausedReason, message: z.string().nullable() }),
  /** hub -> runner, the pause is over: the runner records `status: running` and asks again for the permits it waits
   * on (the hub may have forgotten them). */
  z.object({ type: z.literal('exec.resume') }),
  /** hub -> runner, every event up to seq is stored durably; the runner may forget them. */
  z.object({ type: z.literal('exec.ack'), seq: z.number().int().min(0) }),
  /** hub -> runner, stop the run; idempotent. */
  z.object({ type: z.literal('exec.cancel'), reason: CancelReason }),
  /** hub -> runner, answers exec.permit: a denied call must not reach the model (a budget is exhausted). */
  z.object({
    type: z.literal('exec.permit.result'),
    requestId: z.string(),
    allowed: z.boolean(),
    reason: z.string().nullable(),
  }),
  /**
   * hub -> runner, record this budget alert in the execution's stream (the runner emits it as a `budget.alert`
   * event); may repeat after a reconnect: the runner emits each alertId once.
   */
  z.object({ type: z.literal('exec.alert'), alert: EVENT_DATA['budget.alert'] }),
  /**
   * hub -> runner, a decision on an `approval.requested` event (a person's, or a timeout's). Repeated after every
   * reconnect until the runner's `approval.decided` event for it is stored; the runner applies each approvalId once.
   */
  z.object({
    type: z.literal('exec.approval.result'),
    decision: EVENT_DATA['approval.decided'],
    /** The rule `remember` grants (the request's pattern), for the runner's standing grants. */
    pattern: z.string(),
  }),
  /**
   * hub -> runner, a person's message for the live session's next user turn. Repeated after every reconnect until the
   * runner's `user.message` event with this messageId is stored; the runner delivers each messageId once.
   */
  z.object({
    type: z.literal('exec.message'),
    messageId: z.string().min(1).max(100),
    text: z.string().max(100_000),
    from: z.string().max(200),
  }),
  /** hub -> runner, the log is closed (the execution ended or was declared lost); later events are refused. */
  z.object({ type: z.literal('exec.closed'), status: ExecutionStatus, ackedSeq: z.number().int().min(0) }),
  z.object({ type: z.literal('error'), error: ErrorBody.shape.error }),
]);
export type HubToRunner = z.infer<typeof HubToRunner>;

// ---------------------------------------------------------------------------------------------------------------
// Viewer socket: GET /api/v1/executions/:id/events?after=<seq> upgraded (admin token or session cookie).

export const HubToViewer = z.discriminatedUnion('type', [
  /** hub -> viewer, consecutive events in seq order, never a gap: replay first, then live batches. */
  z.object({ type: z.literal('events'), events: z.array(ExecutionEvent) }),
  /** hub -> viewer, after the replay: everything up to lastSeq has been sent; live events follow. */
  z.object({ type: z.literal('ready'), lastSeq: z.number().int().min(0), status: ExecutionStatus }),
  /** hub -> viewer, a budget alert as it happens (also recorded as a `budget.alert` event by the runner). */
  z.object({ type: z.literal('alert'), alert: EVENT_DATA['budget.alert'] }),
  /** hub -> viewer, the execution's status changed (also recorded as a `status` event when a runner reports it). */
  z.object({ type: z.literal('status'), status: ExecutionStatus, reason: z.string().nullable() }),
  z.object({ type: z.literal('error'), error: ErrorBody.shape.error }),
]);
export type HubToViewer = z.infer<typeof HubToViewer>;

/** Keep-alive text a viewer may send; the hub answers `pong` without waking from hibernation. */
export const VIEWER_PING = 'ping';
export const VIEWER_PONG = 'pong';
/** Open viewer sockets one execution serves; the next viewer is refused with 429 RATE_LIMITED until one closes. */
export const MAX_VIEWERS_PER_EXECUTION = 50;
