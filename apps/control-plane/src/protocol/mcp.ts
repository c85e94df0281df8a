// The MCP server's tool inputs (POST /mcp): each tool's arguments are the HTTP route's own schemas (its body, its
// query, its path id), joined into one object, so a tool's JSON Schema IS the API's and a bad argument is refused
// with the same words. The server (mcp/tools.ts) passes these to the MCP SDK, which publishes them as JSON Schema.
import { z } from 'zod';
import { ListApprovalsQuery, ApprovalDecisionBody } from './approvals';
import { CostSummaryQuery, CreateExecutionBody, EventsQuery, ListExecutionsQuery, ListRunnersQuery } from './api';
import { ApprovalId, ExecutionId } from './common';
import { PostMessageBody } from './messages';
import { PauseBody } from './supervision';

export const MCP_TOOL_NAMES = [
  'start_execution',
  'get_execution',
  'list_executions',
  'get_events',
  'cancel_execution',
  'list_approvals',
  'decide_approval',
  'list_runners',
  'get_costs',
  'send_message',
  'pause_execution',
  'resume_execution',
  'review_execution',
] as const;
export type McpToolName = (typeof MCP_TOOL_NAMES)[number];

const executionId = ExecutionId.describe('The execution id (ex_…), as start_execution and list_executions return it');

/** Each tool's arguments; every one is a strict object (unknown fields are refused, as the API refuses them). */
export const McpToolInputs = {
  /** POST /api/v1/executions: the body. */
  start_execution: CreateExecutionBody,
  /** GET /api/v1/executions/:id */
  get_execution: z.strictObject({ id: executionId }),
  /** GET /api/v1/executions: the query. */
  list_executions: ListExecutionsQuery,
  /** GET /api/v1/executions/:id/events: the id and the query (`after`, `limit`). */
  get_events: z.strictObject({ id: executionId, ...EventsQuery.shape }),
  /** POST /api/v1/executions/:id/cancel (no body). */
  cancel_execution: z.strictObject({ id: executionId }),
  /** GET /api/v1/approvals: the query. */
  list_approvals: ListApprovalsQuery,
  /** POST /api/v1/approvals/:id/decision: the id and the body. */
  decide_approval: z.strictObject({
    id: ApprovalId.describe('The approval id (ap_…), as list_approvals returns it'),
    ...ApprovalDecisionBody.shape,
  }),
  /** GET /api/v1/runners: the query. */
  list_runners: ListRunnersQuery,
  /** GET /api/v1/costs/summary: the query (with its `from` < `to` check). */
  get_costs: CostSummaryQuery,
  /** POST /api/v1/executions/:id/messages: the id and the body. */
  send_message: z.strictObject({ id: executionId, ...PostMessageBody.shape }),
  /** POST /api/v1/executions/:id/pause: the id and the body. */
  pause_execution: z.strictObject({ id: executionId, ...PauseBody.shape }),
  /** POST /api/v1/executions/:id/resume (no body). */
  resume_execution: z.strictObject({ id: executionId }),
  /** POST /api/v1/executions/:id/review: the id and the decision (the route checks that feedback has a message). */
  review_execution: z.strictObject({
    id: executionId,
    decision: z.enum(['accept', 'reject', 'feedback']),
    message: z.string().max(100_000).optional(),
  }),
} as const satisfies Record<McpToolName, z.ZodObject>;
export type McpToolInput<N extends McpToolName> = z.output<(typeof McpToolInputs)[N]>;
