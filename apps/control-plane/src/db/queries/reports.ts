// The end-of-run report's rows (reporting back to GitHub, github/report.ts): which ended executions still owe a
// comment or a pull request, and recording how it went. `reported_at` null = owed; set once done or given up.
import { and, asc, eq, gt, inArray, isNotNull, isNull, lt, not, or, sql } from 'drizzle-orm';
import { TERMINAL_STATUSES, type PullRequestRef, type ReportState } from '../../protocol';
import type { Db } from '../client';
import { executions } from '../schema';
import type { ExecutionRow } from './executions';

/**
 * Whether an ended execution owes a report: it has an issue/PR to comment on, or asked for a pull request and
 * succeeded; and it is its chain's last word (a lost attempt with attempts left is retried, and the retry reports).
 */
export function owesReport(row: ExecutionRow): boolean {
  if (row.reportedAt !== null || !TERMINAL_STATUSES.includes(row.status)) return false;
  if (row.status === 'lost' && row.attempt < row.maxAttempts) return false;
  return row.reportTo !== null || (row.openPullRequest && row.status === 'succeeded');
}

/** Ids of executions that ended after `since` and still owe a report, oldest first, at most `limit`. */
export async function owedReportIds(db: Db, since: number, limit: number): Promise<string[]> {
  const rows = await db
    .select({ id: executions.id })
    .from(executions)
    .where(
      and(
        isNull(executions.reportedAt),
        inArray(executions.status, [...TERMINAL_STATUSES]),
        gt(executions.finishedAt, since),
        not(and(eq(executions.status, 'lost'), lt(executions.attempt, executions.maxAttempts))!),
        or(
          isNotNull(executions.reportTo),
          and(eq(executions.openPullRequest, true), eq(executions.status, 'succeeded')),
        ),
      ),
    )
    .orderBy(asc(executions.finishedAt))
    .limit(limit);
  return rows.map((r) => r.id);
}

/** Stores how reporting went so far; `done` also sets reported_at (once: a second writer changes nothing). */
export async function saveReport(
  db: Db,
  id: string,
  update: { report: ReportState; pullRequest: PullRequestRef | null; done: boolean; now: number },
): Promise<boolean> {
  const rows = await db
    .update(executions)
    .set({
      report: update.report,
      pullRequest: update.pullRequest,
      ...(update.done ? { reportedAt: update.now } : {}),
      updatedAt: sql`max(${executions.updatedAt}, ${update.now})`,
    })
    .where(and(eq(executions.id, id), isNull(executions.reportedAt)))
    .returning({ id: executions.id });
  return rows.length > 0;
}
