// The dashboard's client for the control plane's HTTP API v1, same origin under /api (the browser sends the
// session cookie). Responses are parsed with the protocol schemas. Used by page loads and by components.
// zod itself is not imported here: the schemas come from the protocol module, built with its own copy of zod.
import {
  Agent,
  Approval,
  AuditEntry,
  Budget,
  CostSummary,
  ErrorBody,
  EventsResponse,
  Execution,
  ExecutionDetail,
  Me,
  page,
  PATCH_TRUNCATED_HEADER,
  PushSubscriptionView,
  RunnerDetail,
  RunnerMetricsPage,
  RotatedAdminToken,
  RunnerView,
  VapidKey,
} from '@claudeops/control-plane/protocol';
import type {
  ApprovalDecisionBody,
  ApprovalStatus,
  BudgetPeriod,
  CreateAgentBody,
  CreateExecutionBody,
  ExecutionEvent,
  ExecutionStatus,
  PushSubscriptionBody,
  UpdateAgentBody,
} from '@claudeops/control-plane/protocol';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface ApiClientOptions {
  fetch: FetchLike;
  /** Called on any 401 before the ApiError is thrown: typically sends the person to /login. May throw itself. */
  onUnauthorized?: () => void;
}

const ExecutionPage = page(Execution);
export interface ExecutionPage {
  items: Execution[];
  nextCursor: string | null;
}
const Created = Execution.pick({ id: true });
const ApprovalPage = page(Approval);
const AuditPage = page(AuditEntry);
const AgentPage = page(Agent);
const BudgetPage = page(Budget);
const RunnerPage = page(RunnerView);
const PushSubscriptionPage = page(PushSubscriptionView);

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
}

export interface ListApprovalsParams {
  cursor?: string | null;
  limit?: number;
  status?: ApprovalStatus;
  executionId?: string;
}

/** A path with the defined, non-empty params as its query string. */
function withQuery(path: string, params: object): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') query.set(key, String(value));
  }
  const qs = query.toString();
  return qs ? `${path}?${qs}` : path;
}

const enc = encodeURIComponent;

export function createApiClient({ fetch, onUnauthorized }: ApiClientOptions) {
  async function request(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
    const { json, ...rest } = init;
    const headers = new Headers(rest.headers);
    headers.set('accept', 'application/json');
    if (json !== undefined) headers.set('content-type', 'application/json');
    let response: Response;
    try {
      response = await fetch(`/api/v1${path}`, {
        ...rest,
        headers,
        credentials: 'same-origin',
        ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
      });
    } catch {
      throw new ApiError(0, 'NETWORK', 'The control plane cannot be reached. Check your connection and try again.');
    }
    if (response.ok) return response;
    const error = await readError(response);
    if (response.status === 401) onUnauthorized?.();
    throw error;
  }

  async function json<T>(schema: Parser<T>, path: string, init?: RequestInit & { json?: unknown }): Promise<T> {
    const response = await request(path, init);
    const body: unknown = await response.json().catch(() => undefined);
    try {
      return schema.parse(body);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new ApiError(response.status, 'BAD_RESPONSE', `Unexpected response from ${path}: ${detail}`);
    }
  }

  return {
    // Executions
    listExecutions(params: ListExecutionsParams = {}): Promise<ExecutionPage> {
      return json(ExecutionPage, withQuery('/executions', params));
    },
    getExecution(id: string): Promise<ExecutionDetail> {
      return json(ExecutionDetail, `/executions/${enc(id)}`);
    },
    createExecution(body: CreateExecutionBody): Promise<{ id: string }> {
      return json(Created, '/executions', { method: 'POST', json: body });
    },
    async cancelExecution(id: string): Promise<void> {
      await request(`/executions/${enc(id)}/cancel`, { method: 'POST' });
    },
    /** A new attempt of an ended execution. */
    retryExecution(id: string): Promise<Execution> {
      return json(Execution, `/executions/${enc(id)}/retry`, { method: 'POST' });
    },
    async events(id: string, after = 0, limit = 5000): Promise<ExecutionEvent[]> {
      return (await json(EventsResponse, withQuery(`/executions/${enc(id)}/events`, { after, limit }))).events;
    },
    /** The worktree's patch, or null when the execution has none. */
    async patch(id: string): Promise<{ text: string; truncated: boolean } | null> {
      try {
        const response = await request(`/executions/${enc(id)}/patch`);
        return { text: await response.text(), truncated: response.headers.get(PATCH_TRUNCATED_HEADER) === 'true' };
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return null;
        throw error;
      }
    },

    // Approvals and the audit log
    listApprovals(params: ListApprovalsParams = {}): Promise<Page<Approval>> {
      return json(ApprovalPage, withQuery('/approvals', params));
    },
    getApproval(id: string): Promise<Approval> {
      return json(Approval, `/approvals/${enc(id)}`);
    },
    /** 409 (ApiError) when someone answered first. */
    decideApproval(id: string, body: ApprovalDecisionBody): Promise<Approval> {
      return json(Approval, `/approvals/${enc(id)}/decision`, { method: 'POST', json: body });
    },
    listAudit(params: { cursor?: string | null; limit?: number; executionId?: string; subject?: string } = {}) {
      return json(AuditPage, withQuery('/audit', params));
    },

    // Agent templates
    listAgents(params: { cursor?: string | null; limit?: number } = {}): Promise<Page<Agent>> {
      return json(AgentPage, withQuery('/agents', params));
    },
    getAgent(name: string): Promise<Agent> {
      return json(Agent, `/agents/${enc(name)}`);
    },
    createAgent(body: CreateAgentBody): Promise<Agent> {
      return json(Agent, '/agents', { method: 'POST', json: body });
    },
    updateAgent(name: string, body: UpdateAgentBody): Promise<Agent> {
      return json(Agent, `/agents/${enc(name)}`, { method: 'PATCH', json: body });
    },
    async deleteAgent(name: string): Promise<void> {
      await request(`/agents/${enc(name)}`, { method: 'DELETE' });
    },

    // Budgets and costs
    async listBudgets(): Promise<Budget[]> {
      return (await json(BudgetPage, '/budgets')).items;
    },
    putBudget(
      scope: string,
      body: { period: BudgetPeriod; softLimitUsd?: number; hardLimitUsd?: number },
    ): Promise<Budget> {
      return json(Budget, `/budgets/${enc(scope)}`, { method: 'PUT', json: body });
    },
    async deleteBudget(scope: string): Promise<void> {
      await request(`/budgets/${enc(scope)}`, { method: 'DELETE' });
    },
    costSummary(params: { from?: string; to?: string; groupBy?: 'day' | 'model' | 'agent' | 'runner' } = {}) {
      return json(CostSummary, withQuery('/costs/summary', params));
    },

    // Runners
    async listRunners(): Promise<RunnerView[]> {
      return (await json(RunnerPage, '/runners?limit=200')).items;
    },
    getRunner(id: string): Promise<RunnerDetail> {
      return json(RunnerDetail, `/runners/${enc(id)}`);
    },
    runnerMetrics(id: string, params: { from?: string; to?: string; limit?: number } = {}) {
      return json(RunnerMetricsPage, withQuery(`/runners/${enc(id)}/metrics`, params));
    },
    /** Revokes a runner: its token is refused at once, its sockets close, its running executions go `lost`. */
    revokeRunner(id: string): Promise<RunnerView> {
      return json(RunnerView, `/runners/${enc(id)}`, { method: 'DELETE' });
    },

    // Who, sessions and notifications
    me(): Promise<Me> {
      return json(Me, '/me');
    },
    async signIn(token: string): Promise<void> {
      await request('/sessions', { method: 'POST', json: { token } });
    },
    async signOut(): Promise<void> {
      await request('/sessions', { method: 'DELETE' });
    },
    /** A new admin token, shown once; every session ends with the old one (409 when CLAUDEOPS_ADMIN_TOKEN sets it). */
    rotateAdminToken(): Promise<RotatedAdminToken> {
      return json(RotatedAdminToken, '/admin-token/rotate', { method: 'POST', json: {} });
    },
    vapidKey(): Promise<{ publicKey: string }> {
      return json(VapidKey, '/push/vapid');
    },
    listPushSubscriptions() {
      return json(PushSubscriptionPage, '/push/subscriptions');
    },
    async subscribePush(body: PushSubscriptionBody): Promise<void> {
      await request('/push/subscriptions', { method: 'POST', json: body });
    },
    async unsubscribePush(endpoint: string): Promise<void> {
      await request('/push/subscriptions', { method: 'DELETE', json: { endpoint } });
    },
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;

async function readError(response: Response): Promise<ApiError> {
  const body = ErrorBody.safeParse(await response.json().catch(() => undefined));
  if (body.success) return new ApiError(response.status, body.data.error.code, body.data.error.message);
  const fallback = response.status >= 500 ? 'The control plane failed' : 'The request was refused';
  return new ApiError(response.status, `HTTP_${response.status}`, `${fallback} (HTTP ${response.status}).`);
}
