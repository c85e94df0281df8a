// The dashboard's client for the control plane's HTTP API v1, same origin under /api (the browser sends the
// session cookie). Responses are parsed with the protocol schemas. Used by page loads and by components.
// zod itself is not imported here: the schemas come from the protocol module, built with its own copy of zod.
import { ErrorBody, Execution, page } from '@claudeops/control-plane/protocol';
import type { CreateExecutionBody, ExecutionStatus } from '@claudeops/control-plane/protocol';

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

/** What the client needs of a schema; inferring from the method keeps tsc away from zod's deep generics. */
interface Parser<T> {
  parse(data: unknown): T;
}

export interface ListExecutionsParams {
  cursor?: string | null;
  limit?: number;
  status?: ExecutionStatus;
}

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
    listExecutions(params: ListExecutionsParams = {}): Promise<ExecutionPage> {
      const query = new URLSearchParams();
      if (params.limit) query.set('limit', String(params.limit));
      if (params.status) query.set('status', params.status);
      if (params.cursor) query.set('cursor', params.cursor);
      const qs = query.toString();
      return json(ExecutionPage, qs ? `/executions?${qs}` : '/executions');
    },
    getExecution(id: string): Promise<Execution> {
      return json(Execution, `/executions/${encodeURIComponent(id)}`);
    },
    createExecution(body: CreateExecutionBody): Promise<{ id: string }> {
      return json(Created, '/executions', { method: 'POST', json: body });
    },
    async cancelExecution(id: string): Promise<void> {
      await request(`/executions/${encodeURIComponent(id)}/cancel`, { method: 'POST' });
    },
    async signIn(token: string): Promise<void> {
      await request('/sessions', { method: 'POST', json: { token } });
    },
    async signOut(): Promise<void> {
      await request('/sessions', { method: 'DELETE' });
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
