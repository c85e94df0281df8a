// HTTP API v1: approvals (GET /api/v1/approvals, POST …/:id/decision) and the audit log (GET /api/v1/audit).
import { z } from 'zod';
import { limit } from './api';
import { ApprovalDecision, ApprovalId, ApprovalStatus, ExecutionId, IsoTime, RememberScope } from './common';

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
  'runner.revoked',
  'admin_token.rotated',
  'retention.updated',
  'execution.message',
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
