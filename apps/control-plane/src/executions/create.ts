// The one way an execution comes to be. The API, the MCP server, schedules, webhooks, follow-ups and retries (and
// later the goal planner) call these functions; each records what started the execution (its `trigger`), so routes
// stay thin and every execution says where it came from.
import type { Context } from 'hono';
import { createDb } from '../db/client';
import { insertRetry } from '../db/queries/attempts';
import { insertExecution, type ExecutionRow, type NewExecution } from '../db/queries/executions';
import type { AppEnv } from '../env';
import { newExecutionId } from '../lib/ids';
import { fleetOf } from '../lib/stubs';
import { MAX_TRIGGER_DETAIL_CHARS, type CreateExecutionBody, type GithubTarget, type Trigger } from '../protocol';
import { newExecutionFields, type ExecutionFields } from './fields';

/** What an execution continues besides its trigger: the session, runner and workspace a follow-up resumes. */
export interface Continuation {
  followupOf: string;
  conversationId: string;
  resumeSessionId: string | null;
  workspaceOf: string | null;
  pinnedRunnerId: string | null;
}

export interface Origin {
  trigger: Trigger;
  /** Comment on this issue or pull request when the execution ends (a webhook-started run). */
  reportTo?: GithubTarget | null;
  continues?: Continuation;
}

const clip = (text: string) =>
  text.length > MAX_TRIGGER_DETAIL_CHARS ? `${text.slice(0, MAX_TRIGGER_DETAIL_CHARS - 1)}…` : text;

function originColumns(origin: Origin): Partial<NewExecution> {
  return {
    triggerKind: origin.trigger.kind,
    triggerId: origin.trigger.id ?? null,
    triggerDetail: origin.trigger.detail === undefined ? null : clip(origin.trigger.detail),
    reportTo: origin.reportTo ?? null,
    ...(origin.continues ?? {}),
  };
}

/** Starts an execution from a creation body (a prompt, or an agent template and its inputs): validated against the
 * template, stored queued, then offered to the fleet. Throws AppError('BAD_REQUEST') for a body the template refuses. */
export async function createExecution(env: Env, body: CreateExecutionBody, origin: Origin): Promise<ExecutionRow> {
  const fields = await newExecutionFields(createDb(env.DB), body);
  return createFromFields(env, fields, origin);
}

/** Starts an execution from fields already resolved (a follow-up copies its source's snapshot). */
export async function createFromFields(
  env: Env,
  fields: ExecutionFields,
  origin: Origin,
  now: number = Date.now(),
): Promise<ExecutionRow> {
  const row = await insertExecution(createDb(env.DB), {
    id: newExecutionId(now),
    createdAt: now,
    ...fields,
    ...originColumns(origin),
  });
  await dispatchSoon(env, row.id);
  return row;
}

/**
 * The next attempt of an ended execution (trigger `retry`, id: the attempt it retries). Null when that attempt
 * number exists already (another retry was created first). `dispatch: false` for the Fleet, which dispatches itself.
 */
export async function createRetry(
  env: Env,
  source: ExecutionRow,
  retry: { attempt: number; detail: string; id?: string; now?: number; dispatch?: boolean },
): Promise<ExecutionRow | null> {
  const now = retry.now ?? Date.now();
  const row = await insertRetry(createDb(env.DB), source, {
    id: retry.id ?? newExecutionId(now),
    attempt: retry.attempt,
    now,
    detail: retry.detail,
  });
  if (row !== null && retry.dispatch !== false) await dispatchSoon(env, row.id);
  return row;
}

/** The row is the commitment; a Fleet that cannot be reached now dispatches on its next hello, heartbeat or cron. */
export async function dispatchSoon(env: Env, id: string): Promise<void> {
  try {
    await fleetOf(env).dispatch();
  } catch (error) {
    console.error(`dispatch after creating ${id} failed`, error);
  }
}

// The MCP server sends its tools' requests through the app in-process; this header, with a key made per isolate,
// marks them so POST /executions records trigger `mcp`. A client cannot forge it: the key never leaves the isolate.
const IN_PROCESS_HEADER = 'x-claudeops-in-process';
let inProcessKey: string | undefined;
const keyOf = () => (inProcessKey ??= crypto.randomUUID()); // not at load: Workers refuse randomness in global scope

/** Headers an in-process MCP tool call carries. */
export const mcpCallHeaders = (): Record<string, string> => ({ [IN_PROCESS_HEADER]: `mcp:${keyOf()}` });

/** The trigger of an execution created through the HTTP API: `mcp` when the MCP server's tool sent the request. */
export function apiTrigger(c: Context<AppEnv>): Trigger {
  const mark = c.req.header(IN_PROCESS_HEADER);
  return mark !== undefined && mark === `mcp:${keyOf()}`
    ? { kind: 'mcp', detail: 'MCP tool start_execution' }
    : { kind: 'api' };
}
