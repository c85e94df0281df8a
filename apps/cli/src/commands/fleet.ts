// Approvals, runners, budgets and costs: list them, answer an approval, mint a runner's registration token (printing
// the start command that gives it through the environment), revoke a runner, set a budget, sum the costs.
import type { Approval, ApprovalStatus, Budget, RunnerView } from '@claudeops/control-plane/protocol';
import { body } from '../api';
import type { Context } from '../context';
import { EXIT } from '../exit-codes';
import { usd } from '../render-events';
import { budgetBody, decisionBody, registrationTokenBody, runnerStartCommand, usage } from '../requests';
import { ago, clipText, table } from '../table';

type Page<T> = { items: T[]; nextCursor: string | null };

export async function approvalsCommand(
  context: Context,
  flags: { execution?: string; status?: string; json?: boolean },
): Promise<number> {
  const client = await context.client();
  const query = {
    status: (flags.status ?? 'pending') as ApprovalStatus,
    limit: 200,
    ...(flags.execution !== undefined ? { executionId: flags.execution } : {}),
  };
  const page = await body<Page<Approval>>(client.GET('/api/v1/approvals', { params: { query } }));
  if (flags.json) return (context.output.json(page), EXIT.ok);
  if (page.items.length === 0) {
    context.output.note(`no ${query.status} approvals`);
    return EXIT.ok;
  }
  const rows = page.items.map((a) => [
    a.id,
    a.executionId,
    a.tool,
    clipText(a.pattern, 40),
    ago(a.createdAt),
    clipText(a.summary, 60),
  ]);
  for (const line of table(['ID', 'EXECUTION', 'TOOL', 'PATTERN', 'ASKED', 'SUMMARY'], rows)) context.output.data(line);
  context.output.note('answer with: claudeops approve ID [--deny] [--message M] [--remember execution|agent]');
  return EXIT.ok;
}

export async function approveCommand(
  context: Context,
  id: string,
  flags: { deny?: boolean; message?: string; remember?: string; json?: boolean },
): Promise<number> {
  const request = decisionBody(flags);
  const client = await context.client();
  const approval = await body<Approval>(
    client.POST('/api/v1/approvals/{id}/decision', { params: { path: { id } }, body: request }),
  );
  if (flags.json) context.output.json(approval);
  else
    context.output.data(
      `${approval.id} ${approval.status}${approval.remember ? ` (remembered for the ${approval.remember}: ${approval.pattern})` : ''}`,
    );
  return EXIT.ok;
}

export async function runnersCommand(context: Context, flags: { json?: boolean }): Promise<number> {
  const client = await context.client();
  const page = await body<Page<RunnerView>>(client.GET('/api/v1/runners', { params: { query: { limit: 200 } } }));
  if (flags.json) return (context.output.json(page), EXIT.ok);
  if (page.items.length === 0) {
    context.output.note('no runners yet: claudeops runners add');
    return EXIT.ok;
  }
  const paint = context.output.paint;
  const rows = page.items.map((r) => [
    r.id,
    r.name,
    r.revokedAt ? paint('red', 'revoked') : r.status === 'online' ? paint('green', 'online') : 'offline',
    `${r.runningExecutions.length}/${r.maxConcurrent}`,
    r.labels.join(',') || '-',
    r.sandbox ?? '-',
    ago(r.lastHeartbeatAt),
  ]);
  for (const line of table(['ID', 'NAME', 'STATUS', 'RUNNING', 'LABELS', 'SANDBOX', 'HEARTBEAT'], rows)) {
    context.output.data(line);
  }
  return EXIT.ok;
}

export async function runnersAddCommand(
  context: Context,
  flags: { label: string[]; maxConcurrent?: string; name?: string; ttl?: string; json?: boolean },
): Promise<number> {
  const request = registrationTokenBody(flags);
  const config = await context.config();
  const client = await context.client();
  const minted = await body<{
    token: string;
    expiresAt: string;
    labels: string[] | null;
    maxConcurrent: number | null;
  }>(client.POST('/api/v1/runners/registration-tokens', { body: request }));
  const command = runnerStartCommand(config.url, minted.token, flags.name);
  if (flags.json) return (context.output.json({ ...minted, command }), EXIT.ok);
  context.output.note(`Registration token minted; it works once, until ${minted.expiresAt}. On the runner's host run:`);
  context.output.data(command);
  context.output.note('The token travels in the environment, never on the command line (ps shows that).');
  return EXIT.ok;
}

export async function runnersRmCommand(context: Context, id: string, flags: { json?: boolean }): Promise<number> {
  const client = await context.client();
  const runner = await body<RunnerView>(client.DELETE('/api/v1/runners/{id}', { params: { path: { id } } }));
  if (flags.json) context.output.json(runner);
  else
    context.output.data(
      `${runner.id} revoked (${runner.name}); its running executions go lost and are retried by policy`,
    );
  return EXIT.ok;
}

export async function budgetsCommand(context: Context, flags: { json?: boolean }): Promise<number> {
  const client = await context.client();
  const page = await body<Page<Budget>>(client.GET('/api/v1/budgets', {}));
  if (flags.json) return (context.output.json(page), EXIT.ok);
  if (page.items.length === 0) {
    context.output.note('no budgets: claudeops budgets set global --hard 20 --period month');
    return EXIT.ok;
  }
  const money = (value: number | null) => (value === null ? '-' : usd(value));
  const rows = page.items.map((b) => [
    b.scope,
    b.period,
    money(b.spentUsd),
    money(b.softLimitUsd),
    money(b.hardLimitUsd),
    b.state,
    b.periodEnd ?? '-',
  ]);
  for (const line of table(['SCOPE', 'PERIOD', 'SPENT', 'SOFT', 'HARD', 'STATE', 'RESETS'], rows))
    context.output.data(line);
  return EXIT.ok;
}

export async function budgetsSetCommand(
  context: Context,
  scope: string,
  flags: { hard?: string; soft?: string; period?: string; json?: boolean },
): Promise<number> {
  if (flags.hard === undefined && flags.soft === undefined) throw usage('give --hard USD, --soft USD or both');
  const request = budgetBody(flags);
  const client = await context.client();
  const budget = await body<Budget>(
    client.PUT('/api/v1/budgets/{scope}', { params: { path: { scope } }, body: request }),
  );
  if (flags.json) context.output.json(budget);
  else
    context.output.data(`${budget.scope}: ${usd(budget.spentUsd)} spent this ${budget.period}, state ${budget.state}`);
  return EXIT.ok;
}

export async function budgetsRmCommand(context: Context, scope: string): Promise<number> {
  const client = await context.client();
  await client.DELETE('/api/v1/budgets/{scope}', { params: { path: { scope } } });
  context.output.note(`budget ${scope} removed`);
  return EXIT.ok;
}

interface CostSummary {
  groupBy: string;
  from: string | null;
  to: string | null;
  items: Array<{
    key: string;
    executions: number;
    inputTokens: number;
    outputTokens: number;
    costUsd: number;
    estimatedCostUsd: number;
  }>;
  totalUsd: number;
}

export async function costsCommand(
  context: Context,
  flags: { groupBy?: string; from?: string; to?: string; json?: boolean },
): Promise<number> {
  const client = await context.client();
  const query = {
    groupBy: (flags.groupBy ?? 'day') as 'day' | 'model' | 'agent' | 'runner',
    ...(flags.from !== undefined ? { from: flags.from } : {}),
    ...(flags.to !== undefined ? { to: flags.to } : {}),
  };
  const summary = await body<CostSummary>(client.GET('/api/v1/costs/summary', { params: { query } }));
  if (flags.json) return (context.output.json(summary), EXIT.ok);
  const rows = summary.items.map((row) => [
    row.key,
    String(row.executions),
    String(row.inputTokens),
    String(row.outputTokens),
    usd(row.costUsd) + (row.estimatedCostUsd > 0 ? '*' : ''),
  ]);
  for (const line of table([summary.groupBy.toUpperCase(), 'EXECUTIONS', 'INPUT', 'OUTPUT', 'COST'], rows)) {
    context.output.data(line);
  }
  context.output.data(`total ${usd(summary.totalUsd)}`);
  if (summary.items.some((row) => row.estimatedCostUsd > 0)) context.output.note('* partly priced by model family');
  return EXIT.ok;
}
