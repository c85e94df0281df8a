// The MCP server's thirteen tools: what each tells the agent, its arguments (protocol/mcp.ts: the API's own schemas) and
// the API request it makes. A tool does exactly what its HTTP route does because it IS that route: `callApi` (given
// by mcp/routes.ts) sends the request through the whole app in-process with the caller's credentials. The answer
// comes back as `structuredContent` plus the same JSON as text; an API error (404, 409, 400…) becomes a result with
// `isError: true` and the API's code and message, which the agent can read and act on.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { ErrorBody, McpToolInputs, type McpToolInput, type McpToolName } from '../protocol';

/** One request into the HTTP API v1; `path` is below /api/v1. */
export interface ApiCall {
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, unknown>;
  body?: unknown;
}
export type CallApi = (call: ApiCall) => Promise<{ status: number; body: unknown }>;

interface ToolSpec<N extends McpToolName> {
  title: string;
  description: string;
  annotations: ToolAnnotations;
  request: (args: McpToolInput<N>) => ApiCall;
}

const READ: ToolAnnotations = { readOnlyHint: true, openWorldHint: false };
const enc = encodeURIComponent;

const TOOLS: { [N in McpToolName]: ToolSpec<N> } = {
  start_execution: {
    title: 'Start an execution',
    description:
      'Start a Claude Code run on a ClaudeOps runner and return the new execution at once (status `queued`; it ' +
      'does not wait). Give either `prompt`, or `agent` (a template name) with its `inputs`. Optional: `repo` ' +
      '(+ `ref`) to run in a fresh worktree, `model`, `maxBudgetUsd`, `maxTurns`, `labels`, `permissions`. ' +
      'Then poll get_execution with the returned `id` until `status` is terminal (succeeded, failed, cancelled, ' +
      'lost); the answer is in `result.text` (and `result.structured` for templates with an output schema).',
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    request: (body) => ({ method: 'POST', path: '/executions', body }),
  },
  get_execution: {
    title: 'Get an execution',
    description:
      'One execution by id, with its attempts. `status`: queued, blocked (see `blockedReason`), assigned, running, ' +
      'awaiting_approval (a tool call waits for a decision: list_approvals), paused (see `pausedReason`), ' +
      'needs_review (its checks or reviewer did not pass: a person decides), then one of succeeded, failed, ' +
      'cancelled, lost (terminal, never changes). When done, `result.text` holds the final answer, `costUsd` what ' +
      'it cost, `statusReason` why it failed. A `lost` execution may be retried as a new attempt (see `attempts`).',
    annotations: READ,
    request: ({ id }) => ({ method: 'GET', path: `/executions/${enc(id)}` }),
  },
  list_executions: {
    title: 'List executions',
    description:
      'Executions, newest first, one page at a time (`limit`, default 50). Filter by `status`, `agent`, `runner`, ' +
      '`label`, or `q` (words the prompt contains). When `nextCursor` is not null, pass it as `cursor` for the ' +
      'next page.',
    annotations: READ,
    request: (query) => ({ method: 'GET', path: '/executions', query }),
  },
  get_events: {
    title: 'Get execution events',
    description:
      "An execution's event log, oldest first: status changes, Claude's text, tool calls and their results, " +
      'usage, approvals. Pages by sequence number: pass `after` (0 for the start) and read `events`; when ' +
      '`hasMore` is true, call again with `after` = `nextAfter`. A running execution keeps adding events, so ' +
      'call again later with the last `nextAfter` to read only what is new.',
    annotations: READ,
    request: ({ id, ...query }) => ({ method: 'GET', path: `/executions/${enc(id)}/events`, query }),
  },
  cancel_execution: {
    title: 'Cancel an execution',
    description:
      'Ask an execution to stop. A queued or blocked one is cancelled at once; a running one is told to stop and ' +
      'goes `cancelled` when its runner has stopped it (poll get_execution). Cancelling a finished execution is ' +
      'an error (CONFLICT).',
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    request: ({ id }) => ({ method: 'POST', path: `/executions/${enc(id)}/cancel` }),
  },
  list_approvals: {
    title: 'List approvals',
    description:
      'Tool calls that waited (or wait) for a decision, newest first. `status: "pending"` gives those still ' +
      'waiting; `executionId` narrows to one execution. Each has the `tool`, its `input`, a readable `summary`, ' +
      'and `pattern` (what `remember` would allow from then on). Decide with decide_approval before `expiresAt`.',
    annotations: READ,
    request: (query) => ({ method: 'GET', path: '/approvals', query }),
  },
  decide_approval: {
    title: 'Decide an approval',
    description:
      'Allow or deny a pending tool call: `decision` "allow" or "deny", an optional `message` (told to Claude ' +
      'with a denial), and `remember` ("execution" or "agent") to allow the same `pattern` from then on without ' +
      'asking. The first answer wins; answering a decided or expired approval is an error (CONFLICT).',
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    request: ({ id, ...body }) => ({ method: 'POST', path: `/approvals/${enc(id)}/decision`, body }),
  },
  list_runners: {
    title: 'List runners',
    description:
      'The machines that run executions: `status` online or offline, `labels`, `maxConcurrent` slots, ' +
      '`freeSlots`, the executions running there, how they confine jobs (`sandbox`), and whether the runner was ' +
      'revoked. An execution waits in `queued` until an online runner has a free slot.',
    annotations: READ,
    request: (query) => ({ method: 'GET', path: '/runners', query }),
  },
  get_costs: {
    title: 'Get costs',
    description:
      'What executions cost (USD) and the tokens they used, summed by `groupBy`: day (default), model, agent or ' +
      'runner, optionally between `from` and `to` (ISO 8601 times; whole UTC days). `totalUsd` is the sum; ' +
      '`estimatedCostUsd` is the part priced by model family.',
    annotations: READ,
    request: (query) => ({ method: 'GET', path: '/costs/summary', query }),
  },
  send_message: {
    title: 'Send a message to an execution',
    description:
      'Continue the conversation of an execution with `text`. While it runs, the text reaches its Claude Code ' +
      'session as the next user message (`delivery: "live"`); once it has ended, a follow-up execution resumes ' +
      'the session on the same runner and in the same worktree (`delivery: "followup"`: poll get_execution with ' +
      'the returned `execution.id`). A queued execution that has not started yet refuses it (CONFLICT).',
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    request: ({ id, ...body }) => ({ method: 'POST', path: `/executions/${enc(id)}/messages`, body }),
  },
  pause_execution: {
    title: 'Pause an execution',
    description:
      'Hold a running execution: from now on its next model call waits (no tokens are spent) and its status ' +
      'becomes `paused` (`pausedReason: "user"`) once its runner confirms. Resume it with resume_execution. A ' +
      'queued, ended or needs_review execution cannot be paused (CONFLICT).',
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    request: ({ id, ...body }) => ({ method: 'POST', path: `/executions/${enc(id)}/pause`, body }),
  },
  resume_execution: {
    title: 'Resume a paused execution',
    description:
      'Let a paused execution go on (a person’s pause, a breakpoint, or a budget in pause mode: one still over ' +
      'its limit pauses again). One that is not paused is an error (CONFLICT).',
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    request: ({ id }) => ({ method: 'POST', path: `/executions/${enc(id)}/resume` }),
  },
  review_execution: {
    title: 'Decide an execution that needs review',
    description:
      'For an execution in `needs_review` (its checks or reviewer did not pass; see `reviewResult`): `accept` ' +
      '(it succeeds), `reject` (it fails), or `feedback` with a `message` (it fails and a follow-up resumes the ' +
      'session with the message: its id is in the answer’s `followup`).',
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    request: ({ id, ...body }) => ({ method: 'POST', path: `/executions/${enc(id)}/review`, body }),
  },
};

export const SERVER_INSTRUCTIONS =
  'ClaudeOps runs Claude Code agents on your runners. Start one with start_execution, follow it with ' +
  'get_execution (poll until its status is terminal) or get_events, and read its answer in `result.text`. ' +
  'Steer or continue one with send_message; hold it with pause_execution and resume_execution, and decide one ' +
  'in needs_review with review_execution. Pending tool-call approvals: list_approvals and decide_approval. ' +
  'Fleet and spend: list_runners, get_costs.';

/** A JSON body as a tool result: structured, and the same JSON as text for clients that only read text. */
export function toToolResult(status: number, body: unknown): CallToolResult {
  if (status >= 200 && status < 300) {
    const text = JSON.stringify(body ?? null);
    const structured = typeof body === 'object' && body !== null && !Array.isArray(body);
    return {
      content: [{ type: 'text', text }],
      ...(structured ? { structuredContent: body as Record<string, unknown> } : {}),
    };
  }
  const parsed = ErrorBody.safeParse(body);
  const error = parsed.success
    ? parsed.data.error
    : { code: status === 429 ? 'RATE_LIMITED' : 'INTERNAL', message: `the API answered HTTP ${status}` };
  return {
    isError: true,
    content: [{ type: 'text', text: `${error.code} (HTTP ${status}): ${error.message}` }],
    structuredContent: { error, status },
  };
}

/** The SDK builds an Ajv instance per server (for elicitation, which these tools never use); one per isolate is
 * enough, and keeps that cost off every request. */
let validator: AjvJsonSchemaValidator | undefined;

/** A fresh server with the thirteen tools; `callApi` answers their requests. One per HTTP request (stateless). */
export function createMcpServer(callApi: CallApi, version: string): McpServer {
  validator ??= new AjvJsonSchemaValidator();
  const server = new McpServer(
    { name: 'claudeops', title: 'ClaudeOps', version },
    { instructions: SERVER_INSTRUCTIONS, jsonSchemaValidator: validator },
  );
  for (const name of Object.keys(TOOLS) as McpToolName[]) {
    const spec = TOOLS[name] as ToolSpec<McpToolName>;
    server.registerTool(
      name,
      {
        title: spec.title,
        description: spec.description,
        inputSchema: McpToolInputs[name],
        annotations: spec.annotations,
      },
      async (args: unknown) => {
        const { status, body } = await callApi(spec.request(args as McpToolInput<McpToolName>));
        return toToolResult(status, body);
      },
    );
  }
  return server;
}
