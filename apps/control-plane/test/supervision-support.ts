// Helpers for the supervision-*.test.ts files: the pause, resume, review, checkpoints and rewind routes, the events a
// runner records around them (a paused status, a session result, a checkpoint), and an execution whose runner is
// connected to its hub and has reported it running.
import { expect } from 'vitest';
import {
  CheckpointList,
  Execution,
  ReviewDecisionResult,
  RewindResult,
  type EventData,
  type ExecutionEvent,
  type HubToRunner,
  type PausedReason,
} from '../src/protocol';
import { checkpointRef } from '../src/protocol/supervision';
import { api } from './api-support';
import {
  connectHubRunner,
  eventually,
  executionRow,
  seedExecution,
  sendBatch,
  statusEvent,
  type Inbox,
} from './do-support';

const path = (id: string, action: string) => `/api/v1/executions/${id}/${action}`;

export const pauseExecution = (id: string, body?: unknown) =>
  api(path(id, 'pause'), { method: 'POST', ...(body !== undefined && { body }) });
export const resumeExecution = (id: string) => api(path(id, 'resume'), { method: 'POST' });
export const reviewExecution = (id: string, body: unknown) => api(path(id, 'review'), { method: 'POST', body });
export const rewindExecution = (id: string, body: unknown) => api(path(id, 'rewind'), { method: 'POST', body });

/** GET /api/v1/executions/:id, parsed with the API schema. */
export async function getExecution(id: string): Promise<Execution> {
  const response = await api(`/api/v1/executions/${id}`);
  expect(response.status).toBe(200);
  return Execution.parse(await response.json());
}

/** Expects `status` and parses the body as an execution. */
export async function executionFrom(response: Response, status = 200): Promise<Execution> {
  expect(response.status).toBe(status);
  return Execution.parse(await response.json());
}

export async function reviewed(id: string, body: unknown): Promise<ReviewDecisionResult> {
  const response = await reviewExecution(id, body);
  expect(response.status).toBe(200);
  return ReviewDecisionResult.parse(await response.json());
}

export async function rewound(id: string, body: unknown, status: 201 | 202): Promise<RewindResult> {
  const response = await rewindExecution(id, body);
  expect(response.status).toBe(status);
  return RewindResult.parse(await response.json());
}

export async function checkpointsOf(id: string): Promise<CheckpointList> {
  const response = await api(path(id, 'checkpoints'));
  expect(response.status).toBe(200);
  return CheckpointList.parse(await response.json());
}

/** The `status: paused` event a runner records when it pauses (for the hub, its proxy's rate limit, a breakpoint). */
export const pausedEvent = (
  seq: number,
  pausedReason: PausedReason,
  fields: { reason?: string; resumeAt?: string } = {},
): ExecutionEvent => ({
  seq,
  ts: new Date().toISOString(),
  type: 'status',
  data: { status: 'paused', pausedReason, ...fields },
});

/** Claude Code's result with a session a follow-up can resume. */
export const sessionResultEvent = (seq: number, sessionId: string): ExecutionEvent => ({
  seq,
  ts: new Date().toISOString(),
  type: 'result',
  data: {
    subtype: 'success',
    isError: false,
    text: 'done',
    totalCostUsd: 0.01,
    numTurns: 1,
    durationMs: 1000,
    sessionId,
  },
});

/** The checkpoint event the runner records after turn `n` changed files. */
export function checkpointEvent(seq: number, executionId: string, n: number): ExecutionEvent & { type: 'checkpoint' } {
  const data: EventData<'checkpoint'> = {
    n,
    messageId: `msg_turn_${n}`,
    ref: checkpointRef(executionId, n),
    commit: `${n}`.repeat(40).slice(0, 40),
    files: [{ path: `file-${n}.txt`, insertions: n, deletions: 0 }],
    insertions: n,
    deletions: 0,
    patch: `+line ${n}\n`,
    patchTruncated: false,
  };
  return { seq, ts: new Date().toISOString(), type: 'checkpoint', data };
}

export type Live = { id: string; runner: Inbox<HubToRunner> };

/** An assigned execution whose runner connected to its hub and recorded `running` (seq 1); waits for D1 to say so. */
export async function runningExecution(fields: Parameters<typeof seedExecution>[0] = {}): Promise<Live> {
  const id = await seedExecution({ status: 'assigned', ...fields });
  const runner = await connectHubRunner(id);
  await runner.next('exec.welcome');
  await sendBatch(runner, [statusEvent(1, 'running')]);
  await eventually(async () => expect((await executionRow(id))?.status).toBe('running'));
  return { id, runner };
}

/** Frames of `type` received and not yet taken. */
export const unreadOf = (runner: Inbox<HubToRunner>, type: HubToRunner['type']) =>
  runner.unread().filter((frame) => frame.type === type);
