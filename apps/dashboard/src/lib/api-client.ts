// The dashboard's client for the control plane's HTTP API v1, same origin under /api (the browser sends the
// session cookie). Every call goes through the one typed client (`@claudeops/control-plane/client`, openapi-fetch
// over the types generated from GET /api/v1/openapi.json), so a path, a parameter or a body that the API does not
// have is a compile error here; responses are then parsed with the protocol schemas. Used by page loads and by
// components. zod itself is not imported here: the schemas come from the protocol module, built with its own copy.
//
// Not through this client: the viewer WebSocket (components open `/api/v1/executions/{id}/events` as a socket;
// openapi-fetch speaks HTTP only).
import { ApiError, createApiClient as createTypedClient } from '@claudeops/control-plane/client';
import {
  Agent,
  AgentPage,
  Approval,
  ApprovalPage,
  AuditPage,
  Conversation,
  Budget,
  BudgetPage,
  CostSummary,
  EventsResponse,
  Execution,
  ExecutionDetail,
  ExecutionPage as ExecutionPageSchema,
  Me,
  PATCH_TRUNCATED_HEADER,
  PostMessageResult,
  PushSubscriptionPage,
  RotatedAdminToken,
  RunnerDetail,
  RunnerMetricsPage,
  RunnerPage,
  RunnerView,
  Schedule,
  SchedulePage,
  ScheduleRunPage,
  VapidKey,
  DeliveryResult,
  Webhook,
  WebhookDeliveryPage,
  WebhookPage,
} from '@claudeops/control-plane/protocol';
import type {
  ApprovalDecisionBody,
  ApprovalStatus,
  BudgetPeriod,
  CreateAgentBody,
  CreateExecutionBody,
  ExecutionEvent,
  PatchScheduleBody,
  ScheduleRun,
  ExecutionStatus,
  PushSubscriptionBody,
  TriggerKind,
  UpdateAgentBody,
  PatchWebhookBody,
  WebhookDelivery,
  WebhookKind,
} from '@claudeops/control-plane/protocol';
import { supervisionCalls } from './api-supervision';

export { ApiError };
export type { CheckpointItem } from './api-supervision';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface ApiClientOptions {
  fetch: FetchLike;
  /** Called on any 401 before the ApiError is thrown: typically sends the person to /login. May throw itself. */
  onUnauthorized?: () => void;
}

export interface ExecutionPage {
  items: Execution[];
  nextCursor: string | null;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** What the client needs of a schema; inferring from the method keeps tsc away from zod's deep generics. */
interface Parser<T> {
  parse(data: unknown): T;
}

export interface ListExecutionsParams {
  cursor?: string | null;
  limit?: number;
  status?: ExecutionStatus;
  agent?: string;
  runner?: string;
  label?: string;
  /** Words the prompt contains. */
  q?: string;
  /** What started it (api, schedule, webhook, followup, mcp, retry). */
  trigger?: TriggerKind;
  /** The schedule, webhook or execution that started it. */
  triggerId?: string;
}

export interface ListApprovalsParams {
  cursor?: string | null;
  limit?: number;
  status?: ApprovalStatus;
  executionId?: string;
}

/** The create answers with the whole execution; its id is all a caller needs. */
const Created = Execution.pick({ id: true });

const NETWORK_MESSAGE = 'The control plane cannot be reached. Check your connection and try again.';

/** The params without the absent and empty ones (an empty filter stays out of the query). */
function defined<T extends object>(params: T): { [K in keyof T]?: Exclude<T[K], null> } {
  return Object.fromEntries(
    Object.entries(params).filter(([, value]) => value !== undefined && value !== null && value !== ''),
  ) as { [K in keyof T]?: Exclude<T[K], null> };
}

/** openapi-fetch builds absolute Requests; the page's fetch gets the same-origin path, as a relative URL. */
function sameOrigin(fetch: FetchLike) {
  return async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.text();
    const headers = new Headers(request.headers);
    headers.set('accept', 'application/json');
    return fetch(url.pathname + url.search, {
      method: request.method,
      headers,
      credentials: 'same-origin',
      ...(body ? { body } : {}),
    });
  };
}

type Call<T> = Promise<{ data?: T; response: Response }>;

export function createApiClient({ fetch, onUnauthorized }: ApiClientOptions) {
  const client = createTypedClient({
    // Only the path is used (sameOrigin); a Request needs an absolute URL to be built.
    baseUrl: typeof location === 'undefined' ? 'http://localhost' : location.origin,
    fetch: sameOrigin(fetch),
    ...(onUnauthorized ? { onUnauthorized } : {}),
  });

  /** Awaits a call: its response, and the person's wording of "cannot be reached". */
  async function send<T>(call: Call<T>, path: string): Promise<{ data?: T; response: Response }> {
    try {
      return await call;
    } catch (error) {
      if (error instanceof ApiError && error.code === 'NETWORK') throw new ApiError(0, 'NETWORK', NETWORK_MESSAGE);
      // The body of a 2xx was not JSON.
      if (error instanceof SyntaxError) throw new ApiError(200, 'BAD_RESPONSE', `Unexpected response from ${path}`);
      throw error;
    }
  }

  /** The call's body, parsed with the protocol schema. */
  async function json<T>(schema: Parser<T>, path: string, call: Call<unknown>): Promise<T> {
    const { data, response } = await send(call, path);
    try {
      return schema.parse(data);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new ApiError(response.status, 'BAD_RESPONSE', `Unexpected response from ${path}: ${detail}`);
    }
  }

  return {
    // Executions
    listExecutions(params: ListExecutionsParams = {}): Promise<ExecutionPage> {
      const path = '/api/v1/executions';
      return json(ExecutionPageSchema, path, client.GET(path, { params: { query: defined(params) } }));
    },
    getExecution(id: string): Promise<ExecutionDetail> {
      const path = '/api/v1/executions/{id}';
      return json(ExecutionDetail, path, client.GET(path, { params: { path: { id } } }));
    },
    createExecution(body: CreateExecutionBody): Promise<{ id: string }> {
      const path = '/api/v1/executions';
      return json(Created, path, client.POST(path, { body }));
    },
    async cancelExecution(id: string): Promise<void> {
      const path = '/api/v1/executions/{id}/cancel';
      await send(client.POST(path, { params: { path: { id } } }), path);
    },
    /** A new attempt of an ended execution. */
    retryExecution(id: string): Promise<Execution> {
      const path = '/api/v1/executions/{id}/retry';
      return json(Execution, path, client.POST(path, { params: { path: { id } } }));
    },
    async events(id: string, after = 0, limit = 5000): Promise<ExecutionEvent[]> {
      const path = '/api/v1/executions/{id}/events';
      const call = client.GET(path, { params: { path: { id }, query: { after, limit } } });
      return (await json(EventsResponse, path, call)).events;
    },
    /** The worktree's patch, or null when the execution has none. */
    async patch(id: string): Promise<{ text: string; truncated: boolean } | null> {
      const path = '/api/v1/executions/{id}/patch';
      try {
        const { data, response } = await send(client.GET(path, { params: { path: { id } }, parseAs: 'text' }), path);
        return { text: data ?? '', truncated: response.headers.get(PATCH_TRUNCATED_HEADER) === 'true' };
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return null;
        throw error;
      }
    },

    /** A message: the running session's next user turn (`live`), or a follow-up of an ended one (`followup`). */
    postMessage(id: string, text: string): Promise<PostMessageResult> {
      const path = '/api/v1/executions/{id}/messages';
      return json(PostMessageResult, path, client.POST(path, { params: { path: { id } }, body: { text } }));
    },
    /** Every execution of the conversation this one belongs to, oldest first. */
    conversation(id: string): Promise<Conversation> {
      const path = '/api/v1/executions/{id}/conversation';
      return json(Conversation, path, client.GET(path, { params: { path: { id } } }));
    },
    // Pause, resume, review, checkpoints and rewind (api-supervision.ts)
    ...supervisionCalls(client, json),

    // Approvals and the audit log
    listApprovals(params: ListApprovalsParams = {}): Promise<Page<Approval>> {
      const path = '/api/v1/approvals';
      return json(ApprovalPage, path, client.GET(path, { params: { query: defined(params) } }));
    },
    getApproval(id: string): Promise<Approval> {
      const path = '/api/v1/approvals/{id}';
      return json(Approval, path, client.GET(path, { params: { path: { id } } }));
    },
    /** 409 (ApiError) when someone answered first. */
    decideApproval(id: string, body: ApprovalDecisionBody): Promise<Approval> {
      const path = '/api/v1/approvals/{id}/decision';
      return json(Approval, path, client.POST(path, { params: { path: { id } }, body }));
    },
    listAudit(params: { cursor?: string | null; limit?: number; executionId?: string; subject?: string } = {}) {
      const path = '/api/v1/audit';
      return json(AuditPage, path, client.GET(path, { params: { query: defined(params) } }));
    },

    // Agent templates
    listAgents(params: { cursor?: string | null; limit?: number } = {}): Promise<Page<Agent>> {
      const path = '/api/v1/agents';
      return json(AgentPage, path, client.GET(path, { params: { query: defined(params) } }));
    },
    getAgent(name: string): Promise<Agent> {
      const path = '/api/v1/agents/{name}';
      return json(Agent, path, client.GET(path, { params: { path: { name } } }));
    },
    createAgent(body: CreateAgentBody): Promise<Agent> {
      const path = '/api/v1/agents';
      return json(Agent, path, client.POST(path, { body }));
    },
    updateAgent(name: string, body: UpdateAgentBody): Promise<Agent> {
      const path = '/api/v1/agents/{name}';
      return json(Agent, path, client.PATCH(path, { params: { path: { name } }, body }));
    },
    async deleteAgent(name: string): Promise<void> {
      const path = '/api/v1/agents/{name}';
      await send(client.DELETE(path, { params: { path: { name } } }), path);
    },

    // Schedules (a schedule is named in the path by its id or its name)
    listSchedules(): Promise<Page<Schedule>> {
      const path = '/api/v1/schedules';
      return json(SchedulePage, path, client.GET(path, { params: { query: { limit: 200 } } }));
    },
    getSchedule(id: string): Promise<Schedule> {
      const path = '/api/v1/schedules/{id}';
      return json(Schedule, path, client.GET(path, { params: { path: { id } } }));
    },
    /** The body as POST /api/v1/schedules takes it (defaults left out); the API checks it. */
    createSchedule(body: { name: string; cron: string } & Record<string, unknown>): Promise<Schedule> {
      const path = '/api/v1/schedules';
      return json(Schedule, path, client.POST(path, { body: body as never }));
    },
    updateSchedule(id: string, body: PatchScheduleBody): Promise<Schedule> {
      const path = '/api/v1/schedules/{id}';
      return json(Schedule, path, client.PATCH(path, { params: { path: { id } }, body: body as never }));
    },
    async deleteSchedule(id: string): Promise<void> {
      const path = '/api/v1/schedules/{id}';
      await send(client.DELETE(path, { params: { path: { id } } }), path);
    },
    runSchedule(id: string): Promise<Execution> {
      const path = '/api/v1/schedules/{id}/run';
      return json(Execution, path, client.POST(path, { params: { path: { id } } }));
    },
    listScheduleRuns(id: string, params: { cursor?: string | null; limit?: number } = {}): Promise<Page<ScheduleRun>> {
      const path = '/api/v1/schedules/{id}/runs';
      return json(ScheduleRunPage, path, client.GET(path, { params: { path: { id }, query: defined(params) } }));
    },

    // Webhooks (named in the path by id or name; the secret comes back only from create and rotate)
    async listWebhooks(): Promise<Webhook[]> {
      const path = '/api/v1/webhooks';
      return (await json(WebhookPage, path, client.GET(path))).items;
    },
    getWebhook(id: string): Promise<Webhook> {
      const path = '/api/v1/webhooks/{id}';
      return json(Webhook, path, client.GET(path, { params: { path: { id } } }));
    },
    createWebhook(body: {
      name: string;
      kind: WebhookKind;
      rateLimitPerMinute?: number;
      rateLimitPerDay?: number;
      enabled?: boolean;
    }): Promise<Webhook> {
      const path = '/api/v1/webhooks';
      return json(Webhook, path, client.POST(path, { body: body as never }));
    },
    updateWebhook(id: string, body: PatchWebhookBody): Promise<Webhook> {
      const path = '/api/v1/webhooks/{id}';
      return json(Webhook, path, client.PATCH(path, { params: { path: { id } }, body: body as never }));
    },
    async deleteWebhook(id: string): Promise<void> {
      const path = '/api/v1/webhooks/{id}';
      await send(client.DELETE(path, { params: { path: { id } } }), path);
    },
    listDeliveries(
      id: string,
      params: { cursor?: string | null; limit?: number } = {},
    ): Promise<Page<WebhookDelivery>> {
      const path = '/api/v1/webhooks/{id}/deliveries';
      return json(WebhookDeliveryPage, path, client.GET(path, { params: { path: { id }, query: defined(params) } }));
    },
    /** Runs a stored delivery through the rules again (201 created, 202 ignored or failed; both answer a result). */
    redeliver(id: string, deliveryId: string): Promise<DeliveryResult> {
      const path = '/api/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver';
      return json(DeliveryResult, path, client.POST(path, { params: { path: { id, deliveryId } } }));
    },

    // Budgets and costs
    async listBudgets(): Promise<Budget[]> {
      const path = '/api/v1/budgets';
      return (await json(BudgetPage, path, client.GET(path))).items;
    },
    putBudget(
      scope: string,
      body: { period: BudgetPeriod; softLimitUsd?: number; hardLimitUsd?: number; onHardLimit?: 'cancel' | 'pause' },
    ): Promise<Budget> {
      const path = '/api/v1/budgets/{scope}';
      return json(Budget, path, client.PUT(path, { params: { path: { scope } }, body }));
    },
    async deleteBudget(scope: string): Promise<void> {
      const path = '/api/v1/budgets/{scope}';
      await send(client.DELETE(path, { params: { path: { scope } } }), path);
    },
    costSummary(params: { from?: string; to?: string; groupBy?: 'day' | 'model' | 'agent' | 'runner' } = {}) {
      const path = '/api/v1/costs/summary';
      return json(CostSummary, path, client.GET(path, { params: { query: defined(params) } }));
    },

    // Runners
    async listRunners(): Promise<RunnerView[]> {
      const path = '/api/v1/runners';
      return (await json(RunnerPage, path, client.GET(path, { params: { query: { limit: 200 } } }))).items;
    },
    getRunner(id: string): Promise<RunnerDetail> {
      const path = '/api/v1/runners/{id}';
      return json(RunnerDetail, path, client.GET(path, { params: { path: { id } } }));
    },
    runnerMetrics(id: string, params: { from?: string; to?: string; limit?: number } = {}) {
      const path = '/api/v1/runners/{id}/metrics';
      const call = client.GET(path, { params: { path: { id }, query: defined(params) } });
      return json(RunnerMetricsPage, path, call);
    },
    /** Revokes a runner: its token is refused at once, its sockets close, its running executions go `lost`. */
    revokeRunner(id: string): Promise<RunnerView> {
      const path = '/api/v1/runners/{id}';
      return json(RunnerView, path, client.DELETE(path, { params: { path: { id } } }));
    },

    // Who, sessions and notifications
    me(): Promise<Me> {
      const path = '/api/v1/me';
      return json(Me, path, client.GET(path));
    },
    async signIn(token: string): Promise<void> {
      const path = '/api/v1/sessions';
      await send(client.POST(path, { body: { token } }), path);
    },
    async signOut(): Promise<void> {
      const path = '/api/v1/sessions';
      await send(client.DELETE(path), path);
    },
    /** A new admin token, shown once; every session ends with the old one (409 when CLAUDEOPS_ADMIN_TOKEN sets it). */
    rotateAdminToken(): Promise<RotatedAdminToken> {
      const path = '/api/v1/admin-token/rotate';
      return json(RotatedAdminToken, path, client.POST(path, { body: {} }));
    },
    vapidKey(): Promise<{ publicKey: string }> {
      const path = '/api/v1/push/vapid';
      return json(VapidKey, path, client.GET(path));
    },
    listPushSubscriptions() {
      const path = '/api/v1/push/subscriptions';
      return json(PushSubscriptionPage, path, client.GET(path));
    },
    async subscribePush(body: PushSubscriptionBody): Promise<void> {
      const path = '/api/v1/push/subscriptions';
      await send(client.POST(path, { body }), path);
    },
    async unsubscribePush(endpoint: string): Promise<void> {
      const path = '/api/v1/push/subscriptions';
      await send(client.DELETE(path, { body: { endpoint } }), path);
    },
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;
