// Export bundles (GET /api/v1/executions/:id/export): the query, the caps that bound the work, and the JSON bundle
// that the Markdown and HTML renderings are made from. Built by the control plane (export/), read by the CLI and by
// anyone who keeps a run's record.
import { z } from 'zod';
import { AttemptSummary, Execution, ExecutionResult } from './api';
import { Approval } from './approvals';
import { IsoTime, Seq } from './common';
import { EVENT_DATA } from './events';

export const EXPORT_FORMATS = ['json', 'md', 'html'] as const;
export const ExportFormat = z.enum(EXPORT_FORMATS);
export type ExportFormat = z.infer<typeof ExportFormat>;

export const ExportQuery = z.strictObject({ format: ExportFormat.default('json') });

/** Media type and file extension of each format. */
export const EXPORT_MEDIA: Record<ExportFormat, { contentType: string; ext: string }> = {
  json: { contentType: 'application/json; charset=utf-8', ext: 'json' },
  md: { contentType: 'text/markdown; charset=utf-8', ext: 'md' },
  html: { contentType: 'text/html; charset=utf-8', ext: 'html' },
};

/** Events of the log an export reads at most: a longer log is cut there, with a note saying how to read the rest. */
export const MAX_EXPORT_EVENTS = 10_000;
/** Bytes of stored event JSON an export reads at most (the Worker renders the bundle in memory). */
export const MAX_EXPORT_EVENT_BYTES = 4 * 1024 * 1024;
/** Approvals an export lists at most (oldest first). */
export const MAX_EXPORT_APPROVALS = 500;

/** The bundle's `format` and `version`: a reader checks both before it trusts the shape. */
export const EXPORT_BUNDLE_FORMAT = 'claudeops.execution-export';
export const EXPORT_BUNDLE_VERSION = 1;

const At = { seq: Seq, ts: IsoTime };

/** One step of the transcript, in log order: Claude's text and thinking, each tool call with its result, and the
 * lifecycle, approval, budget and diagnostic notes between them. */
export const TranscriptEntry = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), ...At, text: z.string() }),
  z.object({ type: z.literal('thinking'), ...At, text: z.string() }),
  z.object({
    type: z.literal('tool'),
    ...At,
    toolUseId: z.string(),
    /** Null when the call lies before the exported window (only its result is in it). */
    name: z.string().nullable(),
    input: z.unknown(),
    /** Null while the call has no result in the exported window. */
    result: z.object({ seq: Seq, isError: z.boolean(), content: z.string(), truncated: z.boolean() }).nullable(),
  }),
  z.object({ type: z.literal('status'), ...At, status: EVENT_DATA.status.shape.status, reason: z.string().nullable() }),
  z.object({
    type: z.literal('approval'),
    ...At,
    approvalId: z.string(),
    /** `requested`, or the answer's status (allowed, denied, expired, cancelled). */
    status: z.string(),
    tool: z.string().nullable(),
    summary: z.string().nullable(),
    message: z.string().nullable(),
  }),
  z.object({ type: z.literal('alert'), ...At, ...EVENT_DATA['budget.alert'].shape }),
  z.object({ type: z.literal('log'), ...At, level: EVENT_DATA.log.shape.level, message: z.string() }),
]);
export type TranscriptEntry = z.infer<typeof TranscriptEntry>;

export const ExportCost = z.object({
  model: z.string(),
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  cacheReadInputTokens: z.number().int(),
  cacheCreation5mInputTokens: z.number().int(),
  cacheCreation1hInputTokens: z.number().int(),
  costUsd: z.number(),
  /** Priced by model family, not an exact price row. */
  estimated: z.boolean(),
});
export type ExportCost = z.infer<typeof ExportCost>;

export const ExportBundle = z.object({
  format: z.literal(EXPORT_BUNDLE_FORMAT),
  version: z.literal(EXPORT_BUNDLE_VERSION),
  exportedAt: IsoTime,
  execution: Execution,
  /** Every attempt of the execution's retry chain, oldest first. */
  attempts: z.array(AttemptSummary),
  transcript: z.object({
    entries: z.array(TranscriptEntry),
    /** Events of the log read for it (at most MAX_EXPORT_EVENTS and MAX_EXPORT_EVENT_BYTES). */
    eventsRead: z.number().int().min(0),
    /** Set when the log goes on past what was read: read the rest with GET /api/v1/executions/:id/events?after=. */
    truncated: z
      .object({
        after: z.number().int().min(0),
        /** Events past `after`, as far as D1 knows the log's end; null when it does not. */
        moreEvents: z.number().int().min(1).nullable(),
        note: z.string(),
      })
      .nullable(),
  }),
  /** The runner's commit of the worktree (the last `git` event), if it made one. */
  git: EVENT_DATA.git.nullable(),
  /** The worktree's patch as uploaded (up to MAX_PATCH_BYTES; `truncated`: the runner cut it there). */
  patch: z.object({ text: z.string(), bytes: z.number().int().min(0), truncated: z.boolean() }).nullable(),
  costs: z.object({
    /** The execution's cost: live while it ran, then Claude Code's own total_cost_usd. */
    totalUsd: z.number().nullable(),
    /** Tokens and USD per model (the hub's totals, mirrored in D1). */
    models: z.array(ExportCost),
  }),
  /** Approvals the run asked for with their answers, oldest first (at most MAX_EXPORT_APPROVALS). */
  approvals: z.array(Approval),
  approvalsTruncated: z.boolean(),
  /** Claude Code's final result: its text and the template's structured output. */
  result: ExecutionResult.nullable(),
});
export type ExportBundle = z.infer<typeof ExportBundle>;
