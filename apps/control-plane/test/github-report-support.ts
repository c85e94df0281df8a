// Helpers for the github-report*.test.ts files: ended executions with a GitHub target or openPullRequest, made
// through the one creation module, and the report run against the in-process fake GitHub API.
import { env } from 'cloudflare:workers';
import { createDb } from '../src/db/client';
import { getExecution, type ExecutionRow } from '../src/db/queries/executions';
import { finish } from '../src/db/queries/lifecycle';
import { createExecution } from '../src/executions/create';
import { reportExecution, type GitPushRecord, type ReportOutcome } from '../src/github/report';
import type { CreateExecutionBody, ExecutionStatus, GithubTarget } from '../src/protocol';
import { FakeGithubApi } from '../../../tests/fixtures/fake-github-api';
import { uniqueLabel } from './do-support';

export const TOKEN = 'ghp_workers-test-token';
export const GHE_API = 'https://ghe.example.com/api/v3';

/** The Worker's env with reporting on: the token, GitHub Enterprise's API URL and the dashboard's URL. */
export const githubEnv = (extra: Partial<Env> = {}): Env =>
  ({
    ...env,
    CLAUDEOPS_GITHUB_TOKEN: TOKEN,
    CLAUDEOPS_GITHUB_API_URL: GHE_API,
    CLAUDEOPS_DASHBOARD_URL: 'https://dash.example.com',
    ...extra,
  }) as Env;

/** A fake GitHub with acme/widgets (default branch main) whose branches are `branches`. */
export function fakeGithub(branches: string[] = ['main']): FakeGithubApi {
  return new FakeGithubApi({
    token: TOKEN,
    repos: { 'acme/widgets': { defaultBranch: 'main' } },
    branchExists: (_repo, branch) => branches.includes(branch),
    webHost: 'ghe.example.com',
  });
}

export const ISSUE: GithubTarget = { repo: 'acme/widgets', number: 12, kind: 'issue' };

/** An execution created as a webhook would (with reportTo), then ended with `status`. */
export async function endedExecution(
  status: ExecutionStatus,
  options: {
    body?: Partial<CreateExecutionBody>;
    reportTo?: GithubTarget | null;
    reason?: string;
    text?: string;
    attempt?: number;
  } = {},
): Promise<ExecutionRow> {
  const row = await createExecution(
    env,
    {
      prompt: 'Fix the flaky test\nin widgets',
      labels: [uniqueLabel()],
      maxAttempts: 2,
      ...options.body,
    } as CreateExecutionBody,
    {
      trigger: { kind: 'webhook', id: 'wh_test' },
      reportTo: options.reportTo === undefined ? ISSUE : options.reportTo,
    },
  );
  if (options.attempt !== undefined) {
    await env.DB.prepare('UPDATE executions SET attempt = ? WHERE id = ?').bind(options.attempt, row.id).run();
  }
  const result = {
    subtype: status === 'succeeded' ? 'success' : 'error_during_execution',
    isError: status !== 'succeeded',
    text: options.text ?? 'Fixed the race in widget_test.ts by awaiting the save.',
    totalCostUsd: 0.1234,
    numTurns: 7,
    durationMs: 5000,
    sessionId: 'sess-1',
  };
  await finish(createDb(env.DB), row.id, {
    status,
    reason: options.reason ?? (status === 'succeeded' ? null : `it ${status}`),
    now: Date.now(),
    costUsd: 0.1234,
    result: status === 'lost' ? null : result,
  });
  return (await reload(row.id))!;
}

export const reload = (id: string) => getExecution(createDb(env.DB), id);

export function report(
  id: string,
  github: FakeGithubApi,
  gitPush: GitPushRecord | null = null,
  extraEnv: Partial<Env> = {},
  now?: number,
): Promise<ReportOutcome> {
  return reportExecution(githubEnv(extraEnv), id, { gitPush, fetch: github.handle, ...(now ? { now } : {}) });
}
