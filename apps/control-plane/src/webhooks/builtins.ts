// The built-in rules of each webhook kind, used when a webhook has no rules of its own (and shown in GET). They map
// GitHub, Sentry and Jira payloads into the built-in templates' inputs (bug-fixer: repo, issue; code-task: repo,
// task; pr-reviewer: repo, ref, base). Sentry and Jira payloads name no repository: their rules use the webhook's
// `repo`/`ref` settings ($webhook.repo), and a delivery to a webhook without one fails saying so. Used by
// webhooks/deliver.ts and routes/webhooks.ts.
import type { WebhookKind, WebhookRule } from '../protocol/webhooks';

const GITHUB: WebhookRule[] = [
  {
    name: 'labeled claudeops → bug-fixer',
    when: { event: 'issues', action: 'labeled', label: 'claudeops' },
    agent: 'bug-fixer',
    inputs: { repo: '$.repository.full_name', issue: '$.issue.title\n\n$.issue.body' },
    repo: '$.repository.clone_url',
  },
  {
    name: '/claude comment → code-task',
    when: { event: 'issue_comment', action: 'created', commentPrefix: '/claude' },
    agent: 'code-task',
    inputs: { repo: '$.repository.full_name', task: '$.comment.body' },
    repo: '$.repository.clone_url',
  },
  {
    name: 'pull request → pr-reviewer',
    when: { event: 'pull_request', action: ['opened', 'synchronize'] },
    agent: 'pr-reviewer',
    inputs: { repo: '$.repository.full_name', ref: '$.pull_request.head.ref', base: '$.pull_request.base.ref' },
    repo: '$.repository.clone_url',
    ref: '$.pull_request.head.ref',
  },
  {
    name: 'failed check suite → bug-fixer',
    when: { event: 'check_suite', action: 'completed', fields: { 'check_suite.conclusion': 'failure' } },
    agent: 'bug-fixer',
    inputs: {
      repo: '$.repository.full_name',
      issue: 'The checks failed on branch $.check_suite.head_branch (commit $.check_suite.head_sha).',
    },
    repo: '$.repository.clone_url',
    ref: '$.check_suite.head_branch',
  },
];

const SENTRY: WebhookRule[] = [
  {
    name: 'new Sentry issue → bug-fixer',
    when: { event: 'issue', action: 'created' },
    agent: 'bug-fixer',
    inputs: {
      repo: '$webhook.repo',
      issue:
        'Sentry issue $.data.issue.shortId: $.data.issue.title\n\n' +
        'Error: $.data.issue.metadata.type: $.data.issue.metadata.value\n' +
        'Where: $.data.issue.culprit ($.data.issue.metadata.filename in $.data.issue.metadata.function)\n' +
        'Platform: $.data.issue.platform · level $.data.issue.level · seen $.data.issue.count times\n' +
        'Sentry: $.data.issue.web_url',
    },
    repo: '$webhook.repo',
    ref: '$webhook.ref',
  },
  {
    name: 'Sentry alert event → bug-fixer',
    when: { event: 'event_alert', action: 'triggered' },
    agent: 'bug-fixer',
    inputs: {
      repo: '$webhook.repo',
      issue:
        'Sentry alert "$.data.triggered_rule": $.data.event.title\n\n' +
        'Where: $.data.event.culprit\nSentry: $.data.event.web_url\n\n' +
        'Exception and stack trace (JSON, innermost frame last):\n$.data.event.exception.values',
    },
    repo: '$webhook.repo',
    ref: '$webhook.ref',
  },
];

const JIRA: WebhookRule[] = [
  {
    name: 'Jira issue labeled claudeops → code-task',
    when: { event: 'jira:issue_created', label: 'claudeops' },
    agent: 'code-task',
    inputs: {
      repo: '$webhook.repo',
      task: 'Jira $.issue.key: $.issue.fields.summary\n\n$.issue.fields.description',
    },
    repo: '$webhook.repo',
    ref: '$webhook.ref',
  },
];

export function builtinRules(kind: WebhookKind): WebhookRule[] {
  if (kind === 'github') return GITHUB;
  if (kind === 'sentry') return SENTRY;
  if (kind === 'jira') return JIRA;
  return [];
}
