// What an execution stores from its creation request: the body as it is, or, with `agent`, the template filled with
// the inputs and merged with the body (domain/templates.ts), as a snapshot a later edit of the template never changes.
// Used by create.ts, the one way executions are made.
import type { Db } from '../db/client';
import { getAgent, type AgentRow } from '../db/queries/agents';
import type { NewExecution } from '../db/queries/executions';
import { resolveExecution } from '../domain/templates';
import { AppError } from '../errors';
import { GitRef, RepoRef, type CreateExecutionBody } from '../protocol';

export type ExecutionFields = Omit<NewExecution, 'id' | 'createdAt'>;

export async function newExecutionFields(db: Db, body: CreateExecutionBody): Promise<ExecutionFields> {
  const plain = {
    maxAttempts: body.maxAttempts,
    approvalTimeoutSeconds: body.approvalTimeoutSeconds ?? null,
    maxTurns: body.maxTurns ?? null,
  };
  const confinement = {
    openPullRequest: body.openPullRequest ?? false,
    network: body.network ?? null,
    limits: body.limits ?? null,
    requireSandbox: body.requireSandbox ?? false,
  };
  if (body.agent === undefined) {
    // The schema lets a body without `agent` through only with a prompt.
    if (body.prompt === undefined) throw new AppError('BAD_REQUEST', 'give a `prompt`, or an `agent` template');
    needsRepo(body.openPullRequest, body.repo ?? null);
    return {
      ...plain,
      ...supervision(body, null),
      prompt: body.prompt,
      model: body.model ?? null,
      maxBudgetUsd: body.maxBudgetUsd ?? null,
      labels: body.labels ?? [],
      repo: body.repo ?? null,
      ref: body.ref ?? null,
      permissions: body.permissions ?? null,
      ...confinement,
    };
  }
  const template = await getAgent(db, body.agent);
  if (template === undefined) throw new AppError('BAD_REQUEST', `no agent template named "${body.agent}"`);
  const resolved = resolveExecution(template, body);
  if (!resolved.ok) throw new AppError('BAD_REQUEST', resolved.message);
  const { repo, ref, ...value } = resolved.value;
  needsRepo(body.openPullRequest, repo?.value ?? null);
  return {
    ...plain,
    ...value,
    ...supervision(body, template),
    agent: template.name,
    repo: repo === null ? null : checked(RepoRef, 'repo', repo, template.name),
    ref: ref === null ? null : checked(GitRef, 'ref', ref, template.name),
    appendSystemPrompt: template.appendSystemPrompt,
    outputSchema: template.outputSchema,
    tools: template.tools,
    hostSnapshot: template.hostSnapshot,
    // The body may tighten the template's confinement, never loosen requireSandbox; the network and limits it gives win.
    network: body.network ?? template.network,
    limits: body.limits ?? template.limits,
    requireSandbox: template.requireSandbox || (body.requireSandbox ?? false),
    secrets: template.secrets,
    openPullRequest: body.openPullRequest ?? false,
  };
}

/** Checks and the reviewer: the body's replace the template's; breakpoints add up. Empty lists are stored as null. */
function supervision(
  body: CreateExecutionBody,
  template: Pick<AgentRow, 'checks' | 'review' | 'breakpoints'> | null,
): Pick<ExecutionFields, 'checks' | 'review' | 'breakpoints'> {
  const checks = body.checks ?? template?.checks ?? [];
  const breakpoints = [...(template?.breakpoints ?? []), ...(body.breakpoints ?? [])];
  return {
    checks: checks.length === 0 ? null : checks,
    review: body.review === undefined ? (template?.review ?? null) : body.review,
    breakpoints: breakpoints.length === 0 ? null : breakpoints,
  };
}

/** A pull request is opened from the execution's branch of its repository: without a `repo` there is none. */
function needsRepo(openPullRequest: boolean | undefined, repo: string | null): void {
  if (openPullRequest === true && repo === null) {
    throw new AppError(
      'BAD_REQUEST',
      '`openPullRequest: true` needs a `repo` (the repository the pull request is opened on)',
    );
  }
}

/** A repo or ref from an input or the template gets the body's checks; the error names where it came from. */
function checked(
  schema: typeof RepoRef | typeof GitRef,
  field: 'repo' | 'ref',
  source: { value: string; from: 'body' | 'input' | 'template' },
  agent: string,
): string {
  const parsed = schema.safeParse(source.value);
  if (parsed.success) return parsed.data;
  const where = { body: `body.${field}`, input: `input \`${field}\``, template: `agent ${agent}'s ${field}` }[
    source.from
  ];
  throw new AppError('BAD_REQUEST', `${where}: ${parsed.error.issues[0]?.message ?? `not a valid ${field}`}`);
}
