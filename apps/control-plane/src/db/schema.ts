// The D1 schema, in one place. drizzle-kit generates migrations/ from it; every query lives in db/queries/.
import { index, integer, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import type { ExecutionStatus } from '../protocol';

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
    costUsd: real('cost_usd'),
    cancelRequestedAt: integer('cancel_requested_at'),
    cancelReason: text('cancel_reason'),
    /** JSON of the final `result` event's summary (protocol ExecutionResult). */
    result: text('result', { mode: 'json' }),
    lastSeq: integer('last_seq').notNull().default(0),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    index('executions_created_idx').on(t.createdAt, t.id),
    index('executions_status_created_idx').on(t.status, t.createdAt, t.id),
    index('executions_runner_idx').on(t.runnerId, t.status),
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
  },
  (t) => [uniqueIndex('runners_token_hash_idx').on(t.tokenHash)],
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
  },
  (t) => [uniqueIndex('api_tokens_hash_idx').on(t.tokenHash)],
);
