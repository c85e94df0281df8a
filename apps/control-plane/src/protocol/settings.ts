// HTTP API v1: control-plane settings. GET and PUT /api/v1/settings/retention: how long audit entries, approvals and
// ended executions are kept before the cron trigger prunes them.
import { z } from 'zod';

/** The longest retention a setting may name (a hundred years): past it, a typo, not a policy. */
export const MAX_RETENTION_DAYS = 36_500;

/** Whole days to keep rows for; null keeps them forever. */
const RetentionDays = z.number().int().min(1).max(MAX_RETENTION_DAYS).nullable();

/**
 * How long rows are kept, in days since they were written (audit entries, approvals: since they were asked) or
 * since the execution ended (only ended executions are pruned, with their approvals and their hub's stored events;
 * their cost rows stay, for budgets and cost summaries). Null: keep forever, the default.
 */
export const RetentionSettings = z.strictObject({
  auditDays: RetentionDays,
  approvalsDays: RetentionDays,
  executionsDays: RetentionDays,
});
export type RetentionSettings = z.infer<typeof RetentionSettings>;

export const DEFAULT_RETENTION: RetentionSettings = { auditDays: null, approvalsDays: null, executionsDays: null };
