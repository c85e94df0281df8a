// The one typed client of the HTTP API v1, shared by the dashboard and the CLI: openapi-fetch over the types that
// openapi-typescript generates from the OpenAPI document (itself generated from the routes' zod schemas). Any
// answer that is not 2xx, and any network failure, throws an ApiError carrying the API's one-sentence message.
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './api-types';

export type { paths } from './api-types';

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

export interface ApiClientOptions {
  /** The control plane's origin, e.g. http://127.0.0.1:8787; '' for same-origin (the dashboard). */
  baseUrl?: string;
  /** An admin token sent as `Authorization: Bearer …`; the dashboard sends its session cookie instead. */
  token?: string;
  fetch?: (request: Request) => Promise<Response>;
  /** Called on any 401 before the ApiError is thrown (the dashboard goes to /login). May throw itself. */
  onUnauthorized?: () => void;
}

export type ApiClient = Client<paths>;

/** `{ error: { code, message } }`, or a sentence about what came back instead. */
export async function readApiError(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.message === 'string' && typeof body.error.code === 'string') {
      return new ApiError(response.status, body.error.code, body.error.message);
    }
  } catch {
    // not JSON: described below
  }
  return new ApiError(response.status, 'HTTP_' + response.status, `the control plane answered ${response.status}`);
}

export function createApiClient(options: ApiClientOptions = {}): ApiClient {
  const send = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  return createClient<paths>({
    baseUrl: options.baseUrl ?? '',
    headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
    fetch: async (request) => {
      let response: Response;
      try {
        response = await send(request);
      } catch {
        const where = new URL(request.url).origin;
        throw new ApiError(0, 'NETWORK', `the control plane at ${where} cannot be reached`);
      }
      if (response.ok) return response;
      const error = await readApiError(response);
      if (response.status === 401) options.onUnauthorized?.();
      throw error;
    },
  });
}

/** The body of a call that succeeded (createApiClient throws on every other outcome). */
export async function unwrap<T>(call: Promise<{ data?: T }>): Promise<T> {
  const { data } = await call;
  return data as T;
}
