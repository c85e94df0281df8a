// GET /api/v1/executions/:id/export?format=json|md|html: an execution's record as one downloadable file (the
// execution, its attempts, transcript, patch, costs, approvals and result). Used by the dashboard's Download menu,
// the CLI's `export` and anyone keeping a run.
import { Hono } from 'hono';
import { z } from 'zod';
import { createDb } from '../db/client';
import { getExecution } from '../db/queries/executions';
import type { AppEnv } from '../env';
import { AppError } from '../errors';
import { gatherBundle } from '../export/gather';
import { EXPORT_HTML_CSP, renderHtml } from '../export/html';
import { renderMarkdown } from '../export/markdown';
import { requireAdmin } from '../middleware/auth';
import { params, query } from '../middleware/validate';
import { doc } from '../openapi/describe';
import {
  EXPORT_MEDIA,
  ExecutionId,
  ExportBundle,
  ExportQuery,
  MAX_EXPORT_EVENT_BYTES,
  MAX_EXPORT_EVENTS,
  type ExportFormat,
} from '../protocol';

const IdParams = z.strictObject({ id: ExecutionId });

const render: Record<ExportFormat, (bundle: ExportBundle) => string> = {
  json: (bundle) => `${JSON.stringify(bundle, null, 2)}\n`,
  md: renderMarkdown,
  html: renderHtml,
};

export const executionExportRoutes = new Hono<AppEnv>().get(
  '/:id/export',
  doc({
    summary: 'Export an execution as one file',
    description:
      'The execution, its attempts, the transcript (Claude’s text, tool calls with their inputs and results), the ' +
      'patch, the costs per model, the approvals with their answers and the result, as JSON (the ExportBundle), ' +
      'Markdown or one self-contained HTML page (inline CSS, no scripts). Sent as an attachment. The transcript ' +
      `reads at most ${MAX_EXPORT_EVENTS} events and ${MAX_EXPORT_EVENT_BYTES} bytes of the log; past that, ` +
      '`transcript.truncated` says where to go on with GET /api/v1/executions/:id/events?after=.',
    responses: {
      // One response per status in the generator: the JSON bundle's schema here; format=md answers text/markdown
      // and format=html text/html (said in the description).
      200: {
        description:
          'The export, as an attachment named claudeops-<id>.<json|md|html>: application/json (this schema), ' +
          'text/markdown or text/html',
        schema: ExportBundle,
      },
    },
  }),
  requireAdmin,
  params(IdParams),
  query(ExportQuery),
  async (c) => {
    const { id } = c.req.valid('param');
    const { format } = c.req.valid('query');
    const db = createDb(c.env.DB);
    const row = await getExecution(db, id);
    if (!row) throw new AppError('NOT_FOUND', `execution ${id} does not exist`);
    const bundle = await gatherBundle(c.env, db, row);
    const media = EXPORT_MEDIA[format];
    const headers: Record<string, string> = {
      'content-type': media.contentType,
      'content-disposition': `attachment; filename="claudeops-${id}.${media.ext}"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    };
    if (format === 'html') headers['content-security-policy'] = `${EXPORT_HTML_CSP}; sandbox`;
    return c.body(render[format](bundle), 200, headers);
  },
);
