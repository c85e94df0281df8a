// Execution commands: run, status, ls, logs, cancel, retry, export. Each reads or changes executions through the
// shared typed client; run -f and logs -f hand over to follow-command.ts.
import { writeFile } from 'node:fs/promises';
import type {
  Approval,
  EventsResponse,
  Execution,
  ExecutionDetail,
  RunnerView,
} from '@claudeops/control-plane/protocol';
import { body } from '../api';
import type { Context } from '../context';
import { EXIT } from '../exit-codes';
import { CliError } from '../output';
import { findProjectDefaults } from '../project';
import { renderEvent, usd } from '../render-events';
import { createExecutionBody, listExecutionsQuery, usage, type ListFlags, type RunFlags } from '../requests';
import { ago, clipText, table } from '../table';
import { followAndExit } from './follow-command';
import { supervisionLines } from './supervise';

type Page<T> = { items: T[]; nextCursor: string | null };

export interface RunOptions extends RunFlags {
  follow?: boolean;
  json?: boolean;
  waitApprovals?: boolean;
  waitBudget?: boolean;
}

export async function runCommand(context: Context, prompt: string | undefined, flags: RunOptions): Promise<number> {
  const project = await findProjectDefaults(context.cwd);
  const request = createExecutionBody(prompt, flags, project?.defaults);
  const client = await context.client();
  const created = await body<Execution>(client.POST('/api/v1/executions', { body: request }));
  if (!flags.follow) {
    if (flags.json) context.output.json(created);
    else context.output.data(created.id);
    return EXIT.ok;
  }
  context.output.note(
    context.output.paintErr('dim', `started ${created.id}; following (Ctrl-C stops following, not the run)`),
  );
  return followAndExit(context, created.id, {
    json: flags.json === true,
    after: 0,
    followRetries: true,
    stopForPerson: true,
    waitApprovals: flags.waitApprovals === true,
    waitBudget: flags.waitBudget === true,
  });
}

const statusCell = (context: Context, status: string) => {
  const paint = context.output.paint;
  if (status === 'succeeded') return paint('green', status);
  if (status === 'failed' || status === 'lost') return paint('red', status);
  if (['awaiting_approval', 'blocked', 'paused', 'needs_review'].includes(status)) return paint('yellow', status);
  return status;
};

function executionRows(context: Context, items: Execution[]): string[] {
  return table(
    ['ID', 'STATUS', 'AGENT', 'COST', 'CREATED', 'PROMPT'],
    items.map((e) => [
      e.id,
      statusCell(context, e.status),
      e.agent,
      e.costUsd === null ? '-' : usd(e.costUsd),
      ago(e.createdAt),
      clipText(e.prompt, 50),
    ]),
  );
}

function describeExecution(context: Context, e: ExecutionDetail): string[] {
  const lines = [
    `${context.output.paint('bold', e.id)}  ${statusCell(context, e.status)}${e.statusReason ? ` (${e.statusReason})` : ''}`,
    `agent     ${e.agent}${e.model ? `  model ${e.model}` : ''}`,
    `prompt    ${clipText(e.prompt, 200)}`,
    `cost      ${e.costUsd === null ? '-' : usd(e.costUsd)}${e.maxBudgetUsd === null ? '' : ` of ${usd(e.maxBudgetUsd)}`}${e.result ? `  ${e.result.numTurns} turns` : ''}`,
    `runner    ${e.runnerId ?? '-'}`,
    `created   ${e.createdAt}${e.finishedAt ? `  finished ${e.finishedAt}` : ''}`,
  ];
  if (e.repo) lines.push(`repo      ${e.repo}${e.ref ? ` @ ${e.ref}` : ''}`);
  lines.push(...originLines(e));
  if (e.labels.length > 0) lines.push(`labels    ${e.labels.join(', ')}`);
  if (e.blockedReason) lines.push(`blocked   ${e.blockedReason}`);
  lines.push(...supervisionLines(e));
  if (e.attempts.length > 1) {
    lines.push('attempts');
    for (const a of e.attempts)
      lines.push(`  ${a.attempt}. ${a.id} ${a.status}${a.statusReason ? ` (${a.statusReason})` : ''}`);
  }
  if (e.result?.text) lines.push('result', ...e.result.text.split('\n').map((line) => `  ${line}`));
  return lines;
}

/** What started an execution, the conversation it belongs to and the pull request it opened, for `status ID`. */
export function originLines(e: Execution): string[] {
  const { trigger } = e;
  const lines = [
    `trigger   ${trigger.kind}${trigger.id ? ` ${trigger.id}` : ''}${trigger.detail ? `  ${clipText(trigger.detail, 120)}` : ''}`,
  ];
  if (e.followupOf) lines.push(`follows   ${e.followupOf}  (conversation ${e.conversationId})`);
  else if (e.conversationId !== e.id) lines.push(`conversation ${e.conversationId}`);
  if (e.pullRequest) lines.push(`pr        #${e.pullRequest.number} ${e.pullRequest.url}`);
  else if (e.report?.pullRequestError) lines.push(`pr        not opened: ${e.report.pullRequestError}`);
  else if (e.openPullRequest) lines.push('pr        opened when it ends');
  if (e.report?.commentUrl) lines.push(`comment   ${e.report.commentUrl}`);
  else if (e.report?.commentError) lines.push(`comment   not posted: ${e.report.commentError}`);
  return lines;
}

export async function statusCommand(
  context: Context,
  id: string | undefined,
  flags: { json?: boolean },
): Promise<number> {
  const client = await context.client();
  const { output } = context;
  if (id !== undefined) {
    const detail = await body<ExecutionDetail>(client.GET('/api/v1/executions/{id}', { params: { path: { id } } }));
    if (flags.json) output.json(detail);
    else for (const line of describeExecution(context, detail)) output.data(line);
    return EXIT.ok;
  }
  const list = (query: Record<string, string | number>) =>
    body<Page<Execution>>(client.GET('/api/v1/executions', { params: { query } }));
  const [running, awaiting, paused, review, queued, recent, runners, approvals] = await Promise.all([
    list({ status: 'running', limit: 50 }),
    list({ status: 'awaiting_approval', limit: 50 }),
    list({ status: 'paused', limit: 50 }),
    list({ status: 'needs_review', limit: 50 }),
    list({ status: 'queued', limit: 50 }),
    list({ limit: 10 }),
    body<Page<RunnerView>>(client.GET('/api/v1/runners', { params: { query: { limit: 200 } } })),
    body<Page<Approval>>(client.GET('/api/v1/approvals', { params: { query: { status: 'pending', limit: 50 } } })),
  ]);
  const active = [...running.items, ...awaiting.items, ...paused.items, ...review.items, ...queued.items];
  const online = runners.items.filter((r) => r.status === 'online' && !r.revokedAt);
  if (flags.json) {
    output.json({ active, recent: recent.items, runnersOnline: online, pendingApprovals: approvals.items });
    return EXIT.ok;
  }
  const free = online.reduce((sum, r) => sum + r.freeSlots, 0);
  output.data(
    `${active.length} active · ${online.length} runner${online.length === 1 ? '' : 's'} online (${free} free slots) · ${approvals.items.length} approval${approvals.items.length === 1 ? '' : 's'} waiting`,
  );
  if (active.length > 0) {
    output.data('');
    output.data(output.paint('bold', 'Active'));
    executionRows(context, active).forEach((line) => output.data(line));
  }
  if (approvals.items.length > 0) {
    output.data('');
    output.data(output.paint('bold', 'Waiting for approval'));
    for (const a of approvals.items)
      output.data(`${a.id}  ${a.executionId}  ${a.tool} ${a.pattern}  (claudeops approve ${a.id})`);
  }
  output.data('');
  output.data(output.paint('bold', 'Recent'));
  if (recent.items.length === 0) output.data('no executions yet: claudeops run "…"');
  else executionRows(context, recent.items).forEach((line) => output.data(line));
  return EXIT.ok;
}

export async function lsCommand(
  context: Context,
  flags: ListFlags & { all?: boolean; json?: boolean },
): Promise<number> {
  const client = await context.client();
  const query = listExecutionsQuery(flags);
  const items: Execution[] = [];
  let next: string | null = null;
  for (;;) {
    const page: Page<Execution> = await body<Page<Execution>>(client.GET('/api/v1/executions', { params: { query } }));
    items.push(...page.items);
    next = page.nextCursor;
    if (!flags.all || next === null) break;
    query.cursor = next;
  }
  if (flags.json) context.output.json(flags.all ? { items, nextCursor: null } : { items, nextCursor: next });
  else if (items.length === 0) context.output.note('no executions match');
  else executionRows(context, items).forEach((line) => context.output.data(line));
  if (!flags.json && next !== null && !flags.all) context.output.note(`more: claudeops ls --cursor ${next} (or --all)`);
  return EXIT.ok;
}

export async function logsCommand(
  context: Context,
  id: string,
  flags: { follow?: boolean; after?: string; json?: boolean },
): Promise<number> {
  const after = flags.after === undefined ? 0 : Number(flags.after);
  if (!Number.isInteger(after) || after < 0) throw usage(`--after ${flags.after}: give a seq (0 or more)`);
  if (flags.follow) {
    return followAndExit(context, id, {
      json: flags.json === true,
      after,
      followRetries: false,
      stopForPerson: false,
      waitApprovals: true,
      waitBudget: true,
    });
  }
  const client = await context.client();
  const { output } = context;
  let cursor = after;
  for (;;) {
    const page = await body<EventsResponse>(
      client.GET('/api/v1/executions/{id}/events', { params: { path: { id }, query: { after: cursor, limit: 1000 } } }),
    );
    let text = '';
    for (const event of page.events) {
      if (flags.json) text += JSON.stringify(event) + '\n';
      else for (const line of renderEvent(event, output.paint)) text += line + '\n';
    }
    if (text) output.out.write(text);
    if (!page.hasMore || page.nextAfter <= cursor) return EXIT.ok;
    cursor = page.nextAfter;
  }
}

export async function cancelCommand(context: Context, id: string, flags: { json?: boolean }): Promise<number> {
  const client = await context.client();
  const execution = await body<Execution>(
    client.POST('/api/v1/executions/{id}/cancel', { params: { path: { id } }, body: {} }),
  );
  if (flags.json) context.output.json(execution);
  else
    context.output.data(
      `${execution.id} ${execution.status}${execution.status === 'cancelled' ? '' : ' (cancel requested)'}`,
    );
  return EXIT.ok;
}

export async function retryCommand(context: Context, id: string, flags: { json?: boolean }): Promise<number> {
  const client = await context.client();
  const execution = await body<Execution>(
    client.POST('/api/v1/executions/{id}/retry', { params: { path: { id } }, body: {} }),
  );
  if (flags.json) context.output.json(execution);
  else context.output.data(execution.id);
  context.output.note(`attempt ${execution.attempt} of ${id}: follow it with claudeops logs ${execution.id} -f`);
  return EXIT.ok;
}

const EXPORT_FORMATS = ['json', 'md', 'html'] as const;

export async function exportCommand(
  context: Context,
  id: string,
  flags: { format?: string; output?: string },
): Promise<number> {
  const format = (flags.format ?? 'json') as (typeof EXPORT_FORMATS)[number];
  if (!EXPORT_FORMATS.includes(format)) throw usage(`--format ${format}: give json, md or html`);
  const client = await context.client();
  const { data } = await client.GET('/api/v1/executions/{id}/export', {
    params: { path: { id }, query: { format } },
    parseAs: 'text',
  });
  const text = typeof data === 'string' ? data : '';
  if (flags.output !== undefined) {
    try {
      await writeFile(flags.output, text);
    } catch (error) {
      throw new CliError(`cannot write ${flags.output}: ${(error as Error).message}`);
    }
    context.output.note(`wrote ${flags.output} (${Buffer.byteLength(text)} bytes)`);
  } else {
    context.output.out.write(text.endsWith('\n') ? text : text + '\n');
  }
  return EXIT.ok;
}
