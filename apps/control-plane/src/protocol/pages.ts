// HTTP API v1 list responses (one page of a resource and the cursor to the next, null on the last page) and the few
// other response shapes only a route has. Named here so the OpenAPI document and the typed client call them by name;
// the routes answer with `satisfies` these.
import { z } from 'zod';
import { Agent } from './agents';
import { Budget, Execution, page, RunnerView } from './api';
import { Approval, AuditEntry } from './approvals';
import { PushSubscriptionView } from './account';

export const ExecutionPage = page(Execution);
export const RunnerPage = page(RunnerView);
export const AgentPage = page(Agent);
export const ApprovalPage = page(Approval);
export const AuditPage = page(AuditEntry);
/** Every budget at once (there are few): nextCursor is always null. */
export const BudgetPage = z.object({ items: z.array(Budget), nextCursor: z.null() });
/** Every subscription at once (at most MAX_SUBSCRIPTIONS): nextCursor is always null. */
export const PushSubscriptionPage = z.object({ items: z.array(PushSubscriptionView), nextCursor: z.null() });

/** DELETE /api/v1/sessions: the cookie is cleared (and the session ended, if there was one). */
export const LoggedOut = z.object({ ok: z.literal(true) });

/** GET /api/v1/openapi.json: an OpenAPI 3.1 document (its own JSON Schema is OpenAPI's; only the top is modelled). */
export const OpenApiDocument = z.looseObject({
  openapi: z.string(),
  info: z.looseObject({}),
  paths: z.looseObject({}),
});
