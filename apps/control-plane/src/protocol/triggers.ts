// What started an execution (its `trigger`), where a webhook-started one reports back on GitHub, and the pull request
// it opened. Written by the one creation module (src/executions/create.ts); read by the API, dashboard and CLI.
import { z } from 'zod';

export const TRIGGER_KINDS = ['api', 'schedule', 'webhook', 'followup', 'mcp', 'retry'] as const;
export const TriggerKind = z.enum(TRIGGER_KINDS);
export type TriggerKind = z.infer<typeof TriggerKind>;

/** Characters of a trigger's `detail` kept (longer ones are cut with an ellipsis). */
export const MAX_TRIGGER_DETAIL_CHARS = 500;

/**
 * `id`: the schedule (sch_…), the webhook (wh_…) or the execution a follow-up or retry continues; absent for `api`
 * and `mcp`. `detail`: one readable line (`github issues.labeled #12 by octocat`, `due 2026-12-03T07:00Z`).
 */
export const Trigger = z.object({
  kind: TriggerKind,
  id: z.string().max(100).optional(),
  detail: z.string().max(MAX_TRIGGER_DETAIL_CHARS).optional(),
});
export type Trigger = z.infer<typeof Trigger>;

/** `owner/name` of a GitHub repository. */
export const GithubRepoName = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/, 'must be a GitHub repository as owner/name');

/** The issue or pull request a webhook-started execution comments on when it ends. */
export const GithubTarget = z.object({
  repo: GithubRepoName,
  /** Issues and pull requests share one number space (and GitHub's issue-comments endpoint). */
  number: z.number().int().positive(),
  kind: z.enum(['issue', 'pull_request']),
});
export type GithubTarget = z.infer<typeof GithubTarget>;

/** The pull request the control plane opened for an execution with `openPullRequest: true`. */
export const PullRequestRef = z.object({
  repo: GithubRepoName,
  number: z.number().int().positive(),
  url: z.string().url(),
  branch: z.string().max(300),
  base: z.string().max(300),
});
export type PullRequestRef = z.infer<typeof PullRequestRef>;

/** How reporting back went: the comment posted (or why not), the pull request opened (or why not). */
export const ReportState = z.object({
  commentUrl: z.string().url().nullable(),
  commentError: z.string().max(1000).nullable(),
  pullRequestError: z.string().max(1000).nullable(),
});
export type ReportState = z.infer<typeof ReportState>;
