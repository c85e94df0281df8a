// The supervision calls of the dashboard's API client: pause, resume, review decision, checkpoints and rewind of an
// execution. Spread into the one client by api-client.ts (same typed client, same error wording and parsing), so
// callers use them as `api.pauseExecution(id)`; kept here to keep api-client.ts small.
import type { ApiClient as TypedClient } from '@claudeops/control-plane/client';
import {
  CheckpointList,
  Execution,
  ReviewDecisionResult,
  RewindResult,
  type ReviewDecisionBody,
  type RewindBody,
} from '@claudeops/control-plane/protocol';

/** What the client needs of a schema (as in api-client.ts). */
interface Parser<T> {
  parse(data: unknown): T;
}

type Call<T> = Promise<{ data?: T; response: Response }>;

/** The client's helper that awaits a call and parses its body with a protocol schema. */
export type JsonCall = <T>(schema: Parser<T>, path: string, call: Call<unknown>) => Promise<T>;

/** A checkpoint as GET …/checkpoints lists it. */
export type CheckpointItem = CheckpointList['items'][number];

/** The supervision calls over the typed client and the client's `json` helper. */
export function supervisionCalls(client: TypedClient, json: JsonCall) {
  return {
    /** Holds its next model call (the runner confirms with `status: paused`); 409 (ApiError) when not running. */
    pauseExecution(id: string, message?: string): Promise<Execution> {
      const path = '/api/v1/executions/{id}/pause';
      const body = message ? { message } : {};
      return json(Execution, path, client.POST(path, { params: { path: { id } }, body }));
    },
    /** Lets a paused execution go on; 409 (ApiError) when it is not paused. */
    resumeExecution(id: string): Promise<Execution> {
      const path = '/api/v1/executions/{id}/resume';
      return json(Execution, path, client.POST(path, { params: { path: { id } } }));
    },
    /** Decides a `needs_review` execution: accept, reject, or feedback (which starts a follow-up). */
    reviewExecution(id: string, body: ReviewDecisionBody): Promise<ReviewDecisionResult> {
      const path = '/api/v1/executions/{id}/review';
      return json(ReviewDecisionResult, path, client.POST(path, { params: { path: { id } }, body }));
    },
    /** The execution's checkpoints, oldest first. */
    async checkpoints(id: string): Promise<CheckpointItem[]> {
      const path = '/api/v1/executions/{id}/checkpoints';
      return (await json(CheckpointList, path, client.GET(path, { params: { path: { id } } }))).items;
    },
    /** Restores a checkpoint in a follow-up: `followup` is null while a running execution is being stopped first. */
    rewindExecution(id: string, body: RewindBody): Promise<RewindResult> {
      const path = '/api/v1/executions/{id}/rewind';
      return json(RewindResult, path, client.POST(path, { params: { path: { id } }, body }));
    },
  };
}
