// Reporting an ended execution back to GitHub, once: the pull request for `openPullRequest: true` (the runner pushed
// the branch; its `git.push` event says how that went) and then the comment on the issue/PR it was started from
// (`reportTo`). Called by the execution's ExecutionHub when it ends (hub-report.ts), and by the cron sweep for
// reports a transient failure left owed. The hub runs one report at a time, so two callers never comment twice.
import { createDb } from '../db/client';
import { getExecution, type ExecutionRow } from '../db/queries/executions';
import { owedReportIds, owesReport, saveReport } from '../db/queries/reports';
import { dashboardOrigins } from '../middleware/auth';
import { ExecutionResult, type EventData, type PullRequestRef, type ReportState } from '../protocol';
import { GithubClient, GithubError, githubConfig, type GithubFetch } from './client';
import { githubRepoName } from './repo-name';
import { clip, commentBody, pullBody, pullTitle, type ReportFacts } from './report-text';

export type GitPushRecord = EventData<'git.push'>;

/** Marks an error that will be tried again (the cron sweep): the PR step is not done while it says so. After a
 * rate limit with Retry-After it names the time (`; trying again after <ISO time>`), and nothing is sent before. */
export const TRYING_AGAIN = '; trying again';
const WAIT_UNTIL = /; trying again after (\S+)$/;
/** A report still failing this long after the end is given up. */
export const GIVE_UP_AFTER_MS = 24 * 60 * 60_000;
/** Reports one cron run retries at most. */
export const SWEEP_LIMIT = 20;
const ERROR_MAX = 1000 - TRYING_AGAIN.length - ' after 2026-12-03T07:00:00.000Z'.length;

export interface ReportDeps {
  /** The latest `git.push` event the hub stored (null: none came). */
  gitPush: GitPushRecord | null;
  fetch?: GithubFetch;
  now?: number;
}

export type ReportOutcome = 'none-owed' | 'reported' | 'retry-later';

const EMPTY: ReportState = { commentUrl: null, commentError: null, pullRequestError: null };

/** Does what the execution's report still needs; never throws for GitHub's answers (they are recorded). */
export async function reportExecution(env: Env, id: string, deps: ReportDeps): Promise<ReportOutcome> {
  const db = createDb(env.DB);
  const row = await getExecution(db, id);
  if (row === undefined || !owesReport(row)) return 'none-owed';
  const now = deps.now ?? Date.now();
  const final = now - (row.finishedAt ?? now) > GIVE_UP_AFTER_MS;
  // GitHub asked to wait (Retry-After): the sweep comes back later.
  if (!final && waitingUntil(row.report) > now) return 'retry-later';
  const config = githubConfig(env, deps.fetch);
  let report: ReportState = { ...EMPTY, ...row.report };
  let pullRequest = row.pullRequest;
  if (config === null) {
    const off = 'no GitHub token is configured (CLAUDEOPS_GITHUB_TOKEN), so nothing was reported';
    report = {
      commentUrl: null,
      commentError: row.reportTo === null ? null : off,
      pullRequestError: wantsPull(row) ? off : null,
    };
    await saveReport(db, id, { report, pullRequest, done: true, now });
    return 'reported';
  }
  const github = new GithubClient(config);
  const link = executionLink(env, id);

  if (wantsPull(row) && pullRequest === null && pullStepOpen(report)) {
    const opened = await openPullRequest(github, row, deps.gitPush, link, config.apiUrl);
    if ('pullRequest' in opened) {
      pullRequest = opened.pullRequest;
      report = { ...report, pullRequestError: null };
    } else {
      const retry = opened.retry && !final;
      report = { ...report, pullRequestError: errorText(opened.error, retry, now, opened.retryAfterS) };
      // The comment waits for the pull request: it links to it.
      if (retry) {
        await saveReport(db, id, { report, pullRequest, done: false, now });
        return 'retry-later';
      }
    }
  }

  if (row.reportTo !== null && report.commentUrl === null) {
    const body = commentBody(factsOf(row, link, pullRequest, report.pullRequestError));
    try {
      const comment = await github.comment(row.reportTo.repo, row.reportTo.number, body);
      report = { ...report, commentUrl: comment.html_url, commentError: null };
    } catch (error) {
      const retry = !(error instanceof GithubError) || (error.retry && !final);
      const after = error instanceof GithubError ? error.retryAfterS : null;
      report = { ...report, commentError: errorText(messageOf(error), retry, now, after) };
      if (retry) {
        await saveReport(db, id, { report, pullRequest, done: false, now });
        return 'retry-later';
      }
    }
  }
  await saveReport(db, id, { report, pullRequest, done: true, now });
  return 'reported';
}

/** The cron's bounded sweep: each owed report (ended within a day) is handed to its execution's hub. */
export async function sweepOwedReports(env: Env, now: number = Date.now()): Promise<void> {
  if (githubConfig(env) === null) return;
  const ids = await owedReportIds(createDb(env.DB), now - GIVE_UP_AFTER_MS - 60 * 60_000, SWEEP_LIMIT);
  await Promise.all(
    ids.map((id) =>
      env.EXECUTION_HUB.get(env.EXECUTION_HUB.idFromName(id))
        .report(id)
        .catch((error: unknown) => console.error(`report of ${id}: the hub could not run it`, error)),
    ),
  );
}

const wantsPull = (row: ExecutionRow) => row.openPullRequest && row.status === 'succeeded';
const pullStepOpen = (report: ReportState) =>
  report.pullRequestError === null || report.pullRequestError.includes(TRYING_AGAIN);

/** When a Retry-After recorded in the report ends (0: no wait). */
function waitingUntil(report: ReportState | null): number {
  const times = [report?.commentError, report?.pullRequestError].map((text) => {
    const match = text == null ? null : WAIT_UNTIL.exec(text);
    return match === null ? 0 : Date.parse(match[1]!) || 0;
  });
  return Math.max(0, ...times);
}

type Opened = { pullRequest: PullRequestRef } | { error: string; retry: boolean; retryAfterS?: number | null };

async function openPullRequest(
  github: GithubClient,
  row: ExecutionRow,
  push: GitPushRecord | null,
  link: string | null,
  apiUrl: string,
): Promise<Opened> {
  if (push === null) return { error: 'the runner reported no push of the branch', retry: false };
  if (!push.ok)
    return { error: `the runner could not push ${push.branch}: ${push.error ?? 'no reason given'}`, retry: false };
  const repo = (row.repo === null ? null : githubRepoName(row.repo, apiUrl)) ?? row.reportTo?.repo ?? null;
  if (repo === null) {
    return {
      error: `cannot tell which GitHub repository ${row.repo ?? '(none)'} is: name it as https://<github host>/owner/name(.git) or git@<github host>:owner/name.git`,
      retry: false,
    };
  }
  try {
    const base = row.ref ?? (await github.getRepo(repo)).default_branch;
    const result = parseResult(row.result);
    const pull = await github.openPull(repo, {
      title: pullTitle(row.prompt),
      head: push.branch,
      base,
      body: pullBody({ id: row.id, result, costUsd: row.costUsd, link, prompt: row.prompt }),
    });
    return { pullRequest: { repo, number: pull.number, url: pull.html_url, branch: push.branch, base } };
  } catch (error) {
    if (error instanceof GithubError)
      return { error: error.message, retry: error.retry, retryAfterS: error.retryAfterS };
    return { error: messageOf(error), retry: true };
  }
}

function factsOf(
  row: ExecutionRow,
  link: string | null,
  pullRequest: PullRequestRef | null,
  pullRequestError: string | null,
): ReportFacts {
  return {
    id: row.id,
    status: row.status,
    statusReason: row.statusReason,
    costUsd: row.costUsd,
    result: parseResult(row.result),
    prompt: row.prompt,
    attempt: row.attempt,
    link,
    pullRequest,
    pullRequestError,
  };
}

function parseResult(value: unknown): ExecutionResult | null {
  const parsed = ExecutionResult.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** The execution's page on the dashboard (CLAUDEOPS_DASHBOARD_URL, else the first CLAUDEOPS_DASHBOARD_ORIGINS
 * entry), or null without either. */
export function executionLink(env: Env, id: string): string | null {
  const origin = env.CLAUDEOPS_DASHBOARD_URL?.trim() || dashboardOrigins(env)[0];
  return origin === undefined ? null : `${origin.replace(/\/+$/, '')}/executions/${id}`;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
function errorText(message: string, retry: boolean, now: number, retryAfterS: number | null = null): string {
  if (!retry) return clip(message, ERROR_MAX);
  const after = retryAfterS === null ? '' : ` after ${new Date(now + retryAfterS * 1000).toISOString()}`;
  return `${clip(message, ERROR_MAX)}${TRYING_AGAIN}${after}`;
}
