// The runner's HTTP calls to the control plane (registration); errors surface the API's `{ error: { code, message } }`.
import { ErrorBody, RegisteredRunner } from '@claudeops/control-plane/protocol';
import type { z } from 'zod';

export type RegisteredRunner = z.infer<typeof RegisteredRunner>;

/** A failed call: `code` is the API's error code, or NETWORK / BAD_RESPONSE when no API answer came back. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Joins the control plane's base URL (which may carry a path prefix) and an API path. */
export function endpoint(baseUrl: string, path: string): string {
  const url = new URL(baseUrl);
  url.pathname = url.pathname.replace(/\/+$/, '') + path;
  url.search = '';
  url.hash = '';
  return url.toString();
}

async function postJson(baseUrl: string, path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(endpoint(baseUrl, path), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      signal: signal ?? AbortSignal.timeout(30_000),
    });
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    throw new ApiError('NETWORK', `cannot reach the control plane at ${baseUrl}${cause}`);
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!response.ok) {
    const parsed = ErrorBody.safeParse(json);
    if (parsed.success) throw new ApiError(parsed.data.error.code, parsed.data.error.message, response.status);
    throw new ApiError('BAD_RESPONSE', `${path} answered HTTP ${response.status}`, response.status);
  }
  return json;
}

export interface RegisterRequest {
  registrationToken: string;
  name: string;
  labels: string[];
  maxConcurrent: number;
}

/** POST /api/v1/runners/register: trades a one-time registration token for this runner's own token. */
export async function registerRunner(baseUrl: string, request: RegisterRequest): Promise<RegisteredRunner> {
  const json = await postJson(baseUrl, '/api/v1/runners/register', request);
  const parsed = RegisteredRunner.safeParse(json);
  if (!parsed.success) throw new ApiError('BAD_RESPONSE', 'the registration answer is not a runner id and token');
  return parsed.data;
}
