// The comment and pull request text: what a reader of the issue sees for each ending.
import { describe, expect, it } from 'vitest';
import { commentBody, COMMENT_RESULT_MAX_CHARS, pullBody, pullTitle, type ReportFacts } from './report-text';

const facts = (extra: Partial<ReportFacts> = {}): ReportFacts => ({
  id: 'ex_1',
  status: 'succeeded',
  statusReason: null,
  costUsd: 0.5,
  result: {
    subtype: 'success',
    isError: false,
    text: 'All done.',
    totalCostUsd: 0.5,
    numTurns: 3,
    durationMs: 1,
    sessionId: 's',
  },
  prompt: '# Fix it\nplease',
  attempt: 1,
  link: 'https://dash.example.com/executions/ex_1',
  pullRequest: null,
  pullRequestError: null,
  ...extra,
});

describe('commentBody', () => {
  it('says how it ended, what it cost, how many turns, the result and where to look', () => {
    const body = commentBody(facts());
    expect(body).toMatch(/^### ✅ ClaudeOps execution succeeded/);
    expect(body).toContain('**Cost:** $0.5000 · **Turns:** 3');
    expect(body).toContain('All done.');
    expect(body).toContain('[Execution `ex_1` in ClaudeOps](https://dash.example.com/executions/ex_1)');
    expect(body).not.toContain('Attempt');
  });

  it('clips a long result, names the reason, the PR or why there is none, and works without a link', () => {
    const long = commentBody(
      facts({
        status: 'failed',
        statusReason: 'maxTurns\nreached',
        result: { ...facts().result!, text: 'x'.repeat(10_000) },
        pullRequestError: 'push refused',
        link: null,
        costUsd: null,
      }),
    );
    expect(long).toContain('❌ ClaudeOps execution failed');
    expect(long).toContain('**Reason:** maxTurns reached');
    expect(long).toContain('**Cost:** unknown');
    expect(long).toContain('**Pull request not opened:** push refused');
    expect(long).toContain('x'.repeat(COMMENT_RESULT_MAX_CHARS - 1) + '…');
    expect(long).not.toContain('x'.repeat(COMMENT_RESULT_MAX_CHARS + 1));
    expect(long).toMatch(/Execution `ex_1`$/);
    const withPr = commentBody(
      facts({
        pullRequest: { repo: 'o/n', number: 4, url: 'https://github.com/o/n/pull/4', branch: 'b', base: 'main' },
      }),
    );
    expect(withPr).toContain('**Pull request:** https://github.com/o/n/pull/4');
  });
});

describe('pull request text', () => {
  it('titles the PR with the first line of the prompt, and sums up the run in its body', () => {
    expect(pullTitle('\n## Fix   the flaky test\nmore')).toBe('Fix the flaky test');
    expect(pullTitle('a'.repeat(100))).toHaveLength(72);
    expect(pullTitle('  ')).toBe('ClaudeOps changes');
    const body = pullBody(facts());
    expect(body).toContain('All done.');
    expect(body).toContain('https://dash.example.com/executions/ex_1');
    expect(body).toContain('# Fix it');
  });
});
