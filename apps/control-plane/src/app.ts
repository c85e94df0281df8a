// The control plane's HTTP API v1: one Hono app, one sub-app per resource, one error handler, and the OpenAPI
// document generated from them (GET /api/v1/openapi.json), from which the typed client is generated.
import { Hono, type Context } from 'hono';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppEnv } from './env';
import { AppError } from './errors';
import { adminBootstrap } from './middleware/admin-bootstrap';
import { dashboardOrigins, noTokenInUrl } from './middleware/auth';
import { rateLimit } from './middleware/rate-limit';
import { limitBody } from './middleware/validate';
import { PATCH_TRUNCATED_HEADER, type ErrorBody, type ErrorCode } from './protocol';
import { adminTokenRoutes } from './routes/admin-token';
import { agentsRoutes } from './routes/agents';
import { approvalsRoutes } from './routes/approvals';
import { auditRoutes } from './routes/audit';
import { budgetsRoutes } from './routes/budgets';
import { costsRoutes } from './routes/costs';
import { executionExportRoutes } from './routes/execution-export';
import { executionMessagesRoutes } from './routes/execution-messages';
import { executionSupervisionRoutes } from './routes/execution-supervision';
import { executionsRoutes } from './routes/executions';
import { healthRoutes } from './routes/health';
import { hooksRoutes } from './routes/hooks';
import { mcpRoutes } from './mcp/routes';
import { meRoutes } from './routes/me';
import { openapiRoutes } from './routes/openapi';
import { pushRoutes } from './routes/push';
import { runnersRoutes } from './routes/runners';
import { schedulesRoutes } from './routes/schedules';
import { sessionsRoutes } from './routes/sessions';
import { settingsRoutes } from './routes/settings';
import { webhooksRoutes } from './routes/webhooks';

const CODE_BY_STATUS: Partial<Record<number, ErrorCode>> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  426: 'UPGRADE_REQUIRED',
  429: 'RATE_LIMITED',
};

const errorJson = (c: Context, status: ContentfulStatusCode, code: ErrorCode, message: string) =>
  c.json({ error: { code, message } } satisfies ErrorBody, status);

const api = new Hono<AppEnv>()
  .route('/health', healthRoutes)
  .route('/executions', executionsRoutes)
  .route('/executions', executionExportRoutes)
  .route('/executions', executionMessagesRoutes)
  .route('/executions', executionSupervisionRoutes)
  .route('/runners', runnersRoutes)
  .route('/sessions', sessionsRoutes)
  .route('/admin-token', adminTokenRoutes)
  .route('/budgets', budgetsRoutes)
  .route('/costs', costsRoutes)
  .route('/agents', agentsRoutes)
  .route('/approvals', approvalsRoutes)
  .route('/audit', auditRoutes)
  .route('/me', meRoutes)
  .route('/push', pushRoutes)
  .route('/settings', settingsRoutes)
  .route('/schedules', schedulesRoutes)
  .route('/webhooks', webhooksRoutes);

export const app = new Hono<AppEnv>()
  .use(
    '/api/*',
    noTokenInUrl,
    // Only for a dashboard served from another origin; same-origin pages need no CORS at all.
    cors({
      origin: (origin, c: Context<AppEnv>) => (dashboardOrigins(c.env).includes(origin) ? origin : null),
      credentials: true,
      allowHeaders: ['Authorization', 'Content-Type'],
      allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      exposeHeaders: [PATCH_TRUNCATED_HEADER, 'Retry-After'],
    }),
    rateLimit,
    limitBody,
    adminBootstrap,
  )
  .route('/api/v1', api)
  .route('/mcp', mcpRoutes)
  // Senders (GitHub, Jira, Sentry…) authenticate by signature, not by a token: outside /api/*, with their own limits.
  .route('/hooks', hooksRoutes);

// Mounted after the rest, outside the chain: it reads `app.routes`, which AppType must not depend on.
app.route(
  '/api/v1/openapi.json',
  openapiRoutes(() => app.routes),
);

app.onError((error, c) => {
  if (error instanceof AppError) return errorJson(c, error.status, error.code, error.message);
  // Hono's own 4xx (a malformed cookie, say) are the caller's fault, not bugs.
  if (error instanceof HTTPException && error.status < 500) {
    const code = CODE_BY_STATUS[error.status] ?? 'BAD_REQUEST';
    return errorJson(c, error.status as ContentfulStatusCode, code, error.message || 'bad request');
  }
  console.error(`unexpected error on ${c.req.method} ${c.req.path}`, error);
  return errorJson(c, 500, 'INTERNAL', 'internal error');
});

app.notFound((c) => errorJson(c, 404, 'NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`));

export type AppType = typeof app;
