// The runner's HTTP calls to the control plane (registration, patch upload); a failure is an ApiError carrying the
// API's `{ error: { code, message } }`.
import { ErrorBody, PATCH_TRUNCATED_HEADER, RegisteredRunner } from '@claudeops/control-plane/protocol';
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
    throw unreachable(baseUrl, error);
  }
  const json = parseJson(await response.text());
  if (!response.ok) throw failure(json, path, response.status);
  return json;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function failure(json: unknown, path: string, status: number): ApiError {
  const parsed = ErrorBody.safeParse(json);
  if (parsed.success) return new ApiError(parsed.data.error.code, parsed.data.error.message, status);
  return new ApiError('BAD_RESPONSE', `${path} answered HTTP ${status}`, status);
}

function unreachable(baseUrl: string, error: unknown): ApiError {
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return new ApiError('NETWORK', `cannot reach the control plane at ${baseUrl}${cause}`);
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

export interface PatchUpload {
  /** The patch, redacted and cut at the cap. */
  text: string;
  /** Size of the whole patch before the cut. */
  bytes: number;
  truncated: boolean;
}

/**
 * PUT /api/v1/executions/:id/patch with the runner's token: the worktree's patch as text/x-diff, and whether it was
 * cut at the cap in a header (the `git` event carries that and the whole patch's size too).
 */
export async function uploadPatch(
  baseUrl: string,
  token: string,
  executionId: string,
  patch: PatchUpload,
  signal?: AbortSignal,
): Promise<void> {
  const path = `/api/v1/executions/${encodeURIComponent(executionId)}/patch`;
  let response: Response;
  try {
    response = await fetch(endpoint(baseUrl, path), {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'text/x-diff; charset=utf-8',
        [PATCH_TRUNCATED_HEADER]: String(patch.truncated),
      },
      body: patch.text,
      signal: signal ?? AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw unreachable(baseUrl, error);
  }
  const json = parseJson(await response.text());
  if (!response.ok) throw failure(json, path, response.status);
}
