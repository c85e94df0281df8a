// Gathers an execution's export bundle: its D1 row and attempts, the transcript from its ExecutionHub's durable log
// (paged, within MAX_EXPORT_EVENTS and MAX_EXPORT_EVENT_BYTES), the patch, the per-model costs and the approvals.
// Nothing here reads a runner's environment: every event was redacted on the runner before it was stored.
// Used by routes/execution-export.ts.
import type { Db } from '../db/client';
import { listAttempts, rootOf, toAttemptSummary } from '../db/queries/attempts';
import { toApproval } from '../db/queries/approvals';
import { toExecution, type ExecutionRow } from '../db/queries/executions';
import { listExecutionApprovals, listExecutionCosts } from '../db/queries/export';
import { toExecutionResult } from '../domain/log-effects';
import { hubOf } from '../lib/stubs';
import { utf8Length } from '../lib/utf8';
import {
  EXPORT_BUNDLE_FORMAT,
  EXPORT_BUNDLE_VERSION,
  MAX_EXPORT_APPROVALS,
  MAX_EXPORT_EVENT_BYTES,
  MAX_EXPORT_EVENTS,
  type EventsResponse,
  type ExportBundle,
} from '../protocol';
import { TranscriptBuilder } from './transcript';

/** Events asked for per page of the hub's log (a page also stops at MAX_EVENTS_PAGE_BYTES). */
const PAGE_EVENTS = 1000;

export interface ReadLimits {
  maxEvents: number;
  maxBytes: number;
}

/** Reads the log page by page into a transcript, stopping at the caps; `truncated` says where and how much is left. */
export async function readTranscript(
  env: Env,
  row: ExecutionRow,
  limits: ReadLimits = { maxEvents: MAX_EXPORT_EVENTS, maxBytes: MAX_EXPORT_EVENT_BYTES },
): Promise<{ builder: TranscriptBuilder; transcript: ExportBundle['transcript'] }> {
  const hub = hubOf(env, row.id);
  const builder = new TranscriptBuilder();
  let after = 0;
  let read = 0;
  let bytes = 0;
  let cut = false;
  for (;;) {
    // Annotated: the RPC stub types this `never`, because an event's `tool.call` input is `unknown`.
    const page: EventsResponse = await hub.eventsPage(row.id, after, Math.min(PAGE_EVENTS, limits.maxEvents - read));
    for (const event of page.events) {
      const size = utf8Length(JSON.stringify(event)) + 1;
      if (read >= limits.maxEvents || (read > 0 && bytes + size > limits.maxBytes)) {
        cut = true;
        break;
      }
      builder.add(event);
      read += 1;
      bytes += size;
      after = event.seq;
    }
    if (cut || !page.hasMore) break;
    if (read >= limits.maxEvents) {
      cut = true;
      break;
    }
    after = page.nextAfter;
  }
  const moreEvents = row.lastSeq > after ? row.lastSeq - after : null;
  const transcript: ExportBundle['transcript'] = {
    entries: builder.entries,
    eventsRead: read,
    truncated: cut
      ? {
          after,
          moreEvents,
          note:
            `truncated: ${moreEvents === null ? 'more events follow' : `${moreEvents} more events`} after seq ` +
            `${after}; fetch them with GET /api/v1/executions/${row.id}/events?after=${after}`,
        }
      : null,
  };
  return { builder, transcript };
}

export async function gatherBundle(env: Env, db: Db, row: ExecutionRow, now = new Date()): Promise<ExportBundle> {
  const execution = toExecution(row);
  const [attempts, costs, approvalRows, patch, { builder, transcript }] = await Promise.all([
    listAttempts(db, rootOf(row)),
    listExecutionCosts(db, row.id),
    listExecutionApprovals(db, row.id, MAX_EXPORT_APPROVALS),
    hubOf(env, row.id).patch(row.id),
    readTranscript(env, row),
  ]);
  return {
    format: EXPORT_BUNDLE_FORMAT,
    version: EXPORT_BUNDLE_VERSION,
    exportedAt: now.toISOString(),
    execution,
    attempts: attempts.map(toAttemptSummary),
    transcript,
    git: builder.git,
    patch:
      patch === null
        ? null
        : { text: new TextDecoder().decode(patch.bytes), bytes: patch.bytes.byteLength, truncated: patch.truncated },
    costs: { totalUsd: execution.costUsd, models: costs },
    approvals: approvalRows.slice(0, MAX_EXPORT_APPROVALS).map(toApproval),
    approvalsTruncated: approvalRows.length > MAX_EXPORT_APPROVALS,
    // An execution whose D1 row has no result yet: as the log's last `result` event gives it.
    result: execution.result ?? (builder.result === null ? null : toExecutionResult(builder.result)),
  };
}
