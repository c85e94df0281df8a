// HTTP API v1 bodies, queries and responses. The dashboard, the runner and outside clients share these.
import { z } from 'zod';
import { ExecutionId, ExecutionStatus, IsoTime, Label, Labels, RunnerId } from './common';
import { ExecutionEvent } from './events';

export const Health = z.object({ ok: z.literal(true), version: z.string() });

export const CreateExecutionBody = z.strictObject({
  prompt: z.string().trim().min(1, 'prompt must not be empty').max(100_000),
  model: z.string().min(1).max(200).optional(),
  maxBudgetUsd: z.number().positive().max(100_000).optional(),
  labels: Labels.optional(),
});
export type CreateExecutionBody = z.infer<typeof CreateExecutionBody>;

const limit = (max: number, dflt: number) => z.coerce.number().int().min(1).max(max).default(dflt);

export const ListExecutionsQuery = z.strictObject({
  status: ExecutionStatus.optional(),
  limit: limit(200, 50),
  cursor: z.string().min(1).max(500).optional(),
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
  costUsd: z.number().nullable(),
  cancelRequestedAt: IsoTime.nullable(),
  cancelReason: z.string().nullable(),
  result: ExecutionResult.nullable(),
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
