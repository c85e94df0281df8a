// Unit tests for the execution commands' issue-12 parts: `ls --trigger/--trigger-id` pass the API's filters, and
// `status ID` names the trigger, the conversation (followupOf) and the pull request.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Execution } from '@claudeops/control-plane/protocol';
import { main } from '../main';
import { originLines } from './executions';

function harness(answer: (request: Request) => Response) {
  let stdout = '';
  const requests: Request[] = [];
  const input = Readable.from([]) as Readable & { isTTY?: boolean };
  input.isTTY = true;
  const io = {
    env: { CLAUDEOPS_URL: 'http://cp.test', CLAUDEOPS_TOKEN: 'coa_test', NO_COLOR: '' },
    cwd: '/',
    stdin: input,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: () => undefined },
    fetch: async (request: Request) => {
      requests.push(request.clone());
      return answer(request);
    },
  };
  return { io, requests, out: () => stdout };
}

const base = {
  id: 'ex_b',
  conversationId: 'ex_a',
  followupOf: 'ex_a',
  trigger: { kind: 'followup', id: 'ex_a' },
  openPullRequest: true,
  pullRequest: {
    repo: 'o/r',
    number: 12,
    url: 'https://github.com/o/r/pull/12',
    branch: 'claudeops/ex_b',
    base: 'main',
  },
  report: null,
  checks: [],
  review: null,
  breakpoints: [],
  pausedReason: null,
  pauseMessage: null,
  resumeAt: null,
  reviewResult: null,
} as unknown as Execution;

describe('claudeops ls --trigger', () => {
  it('sends trigger and triggerId as the API filters', async () => {
    const h = harness(() => Response.json({ items: [], nextCursor: null }));
    const code = await main(['ls', '--trigger', 'webhook', '--trigger-id', 'wh_1'], h.io);
    expect(code).toBe(0);
    const url = new URL(h.requests[0]!.url);
    expect(url.pathname).toBe('/api/v1/executions');
    expect(url.searchParams.get('trigger')).toBe('webhook');
    expect(url.searchParams.get('triggerId')).toBe('wh_1');
  });
});

describe('claudeops status ID: origin lines', () => {
  it('names the trigger, the execution it follows up and the pull request', () => {
    expect(originLines(base)).toEqual([
      'trigger   followup ex_a',
      'follows   ex_a  (conversation ex_a)',
      'pr        #12 https://github.com/o/r/pull/12',
    ]);
  });

  it('says why a PR or a comment did not happen, and a webhook trigger with its detail', () => {
    const lines = originLines({
      ...base,
      followupOf: null,
      conversationId: 'ex_b',
      pullRequest: null,
      trigger: { kind: 'webhook', id: 'wh_1', detail: 'github issues.labeled #3 by octocat' },
      report: { commentUrl: null, commentError: 'GitHub answered 403', pullRequestError: 'no commits' },
    } as Execution);
    expect(lines).toEqual([
      'trigger   webhook wh_1  github issues.labeled #3 by octocat',
      'pr        not opened: no commits',
      'comment   not posted: GitHub answered 403',
    ]);
  });
});
