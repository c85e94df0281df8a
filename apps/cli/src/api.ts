// The CLI's side of the shared typed API client (@claudeops/control-plane/client): one client per command from the
// resolved configuration, and `body()` to read a call's typed result as the protocol type the command shows.
import { createApiClient, type ApiClient } from '@claudeops/control-plane/client';
import type { StoredConfig } from './config';

export { ApiError } from '@claudeops/control-plane/client';
export type { ApiClient } from '@claudeops/control-plane/client';

export function apiClient(config: StoredConfig, fetchImpl?: (request: Request) => Promise<Response>): ApiClient {
  return createApiClient({ baseUrl: config.url, token: config.token, ...(fetchImpl ? { fetch: fetchImpl } : {}) });
}

/** The body of a call (the client throws ApiError for anything but 2xx), as the protocol type `T`. */
export async function body<T>(call: Promise<{ data?: unknown }>): Promise<T> {
  const { data } = await call;
  return data as T;
}
