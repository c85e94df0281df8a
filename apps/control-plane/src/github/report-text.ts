// What ClaudeOps writes on GitHub when an execution ends: the issue/PR comment (result, reason, cost, turns, the
// result text clipped, the pull request, a link to the execution) and the pull request's title and body. Pure;
// used by report.ts, tested beside it.
import type { ExecutionResult, PullRequestRef } from '../protocol';

export const COMMENT_RESULT_MAX_CHARS = 3000;
const TITLE_MAX_CHARS = 72;

export interface ReportFacts {
  id: string;
  status: string;
  statusReason: string | null;
  costUsd: number | null;
  result: ExecutionResult | null;
  prompt: string;
  attempt: number;
  /** The execution's page in the dashboard, when an origin is configured. */
  link: string | null;
  pullRequest: PullRequestRef | null;
  pullRequestError: string | null;
}

const HEADLINE: Record<string, string> = {
  succeeded: '✅ ClaudeOps execution succeeded',
  failed: '❌ ClaudeOps execution failed',
  cancelled: '⏹️ ClaudeOps execution was cancelled',
  lost: '⚠️ ClaudeOps execution was lost (its runner went away)',
};

export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text;
}

/** A fenced block that the text cannot close early (its fence is longer than any run of backticks inside). */
function fenced(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}text\n${text}\n${fence}`;
}

export function commentBody(facts: ReportFacts): string {
  const lines = [`### ${HEADLINE[facts.status] ?? `ClaudeOps execution ended: ${facts.status}`}`, ''];
  if (facts.statusReason) lines.push(`**Reason:** ${clip(facts.statusReason.replace(/\s+/g, ' '), 500)}`);
  const figures = [
    `**Cost:** ${facts.costUsd === null ? 'unknown' : `$${facts.costUsd.toFixed(4)}`}`,
    `**Turns:** ${facts.result?.numTurns ?? 'unknown'}`,
  ];
  if (facts.attempt > 1) figures.push(`**Attempt:** ${facts.attempt}`);
  lines.push(figures.join(' · '));
  if (facts.pullRequest) lines.push(`**Pull request:** ${facts.pullRequest.url}`);
  if (facts.pullRequestError) lines.push(`**Pull request not opened:** ${facts.pullRequestError}`);
  const text = facts.result?.text?.trim();
  if (text)
    lines.push(
      '',
      '<details open><summary>Result</summary>',
      '',
      fenced(clip(text, COMMENT_RESULT_MAX_CHARS)),
      '',
      '</details>',
    );
  lines.push(
    '',
    facts.link === null ? `Execution \`${facts.id}\`` : `[Execution \`${facts.id}\` in ClaudeOps](${facts.link})`,
  );
  return lines.join('\n');
}

/** The first non-empty line of the prompt (heading marks dropped), clipped: the PR's title. */
export function pullTitle(prompt: string): string {
  const line =
    prompt
      .split('\n')
      .map((l) =>
        l
          .replace(/^#+\s*/, '')
          .replace(/\s+/g, ' ')
          .trim(),
      )
      .find((l) => l !== '') ?? 'ClaudeOps changes';
  return clip(line, TITLE_MAX_CHARS);
}

export function pullBody(facts: Pick<ReportFacts, 'id' | 'result' | 'costUsd' | 'link' | 'prompt'>): string {
  const lines = ['Opened by ClaudeOps for an execution that asked for a pull request.', ''];
  lines.push('<details><summary>Prompt</summary>', '', fenced(clip(facts.prompt, 2000)), '', '</details>', '');
  const text = facts.result?.text?.trim();
  // Fenced, like the comment's: Claude Code's words never @mention anyone or render as markup on GitHub.
  if (text) lines.push('**Summary**', '', fenced(clip(text, COMMENT_RESULT_MAX_CHARS)), '');
  lines.push(`**Cost:** ${facts.costUsd === null ? 'unknown' : `$${facts.costUsd.toFixed(4)}`}`);
  lines.push(
    '',
    facts.link === null ? `Execution \`${facts.id}\`` : `[Execution \`${facts.id}\` in ClaudeOps](${facts.link})`,
  );
  return lines.join('\n');
}
