// Unit tests for the supervision commands (pause, resume, review, checkpoints, rewind) against a stand-in fetch: the
// request each sends, what it prints on stdout and stderr, its usage errors (64, nothing sent) and the API's refusals
// (5), and what `status ID` adds for a paused or reviewed execution.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Execution } from '@claudeops/control-plane/protocol';
import { main } from '../main';
import { supervisionLines } from './supervise';

const ID = 'ex_01jc0000000000000000000001';
const NEXT = 'ex_01jc0000000000000000000002';
const ts = '2026-12-03T12:00:00.000Z';

const execution = (id: string, status: string, extra: Record<string, unknown> = {}) => ({
  id,
  status,
  agent: 'default',
  costUsd: 0,
  createdAt: ts,
  prompt: 'x',
  pausedReason: null,
  pauseMessage: null,
  resumeAt: null,
  reviewResult: null,
  ...extra,
});

function harness(answer: (request: Request) => Response, stdin?: string) {
  let stdout = '';
  let stderr = '';
  const requests: Request[] = [];
  const input = Readable.from(stdin === undefined ? [] : [Buffer.from(stdin)]) as Readable & { isTTY?: boolean };
  if (stdin === undefined) input.isTTY = true;
  const io = {
    env: { CLAUDEOPS_URL: 'http://cp.test', CLAUDEOPS_TOKEN: 'coa_test', NO_COLOR: '1' },
    cwd: '/',
    stdin: input,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    fetch: async (request: Request) => {
      requests.push(request.clone());
      return answer(request);
    },
  };
  return { io, requests, out: () => stdout, err: () => stderr };
}

const refuse = (message: string) => () => Response.json({ error: { code: 'CONFLICT', message } }, { status: 409 });

describe('claudeops pause / resume', () => {
  it('pause sends the message and prints the execution with its status', async () => {
    const h = harness(() => Response.json(execution(ID, 'running')));
    expect(await main(['pause', ID, '--message', 'let me look'], h.io)).toBe(0);
    const request = h.requests[0]!;
    expect(request.method).toBe('POST');
    expect(new URL(request.url).pathname).toBe(`/api/v1/executions/${ID}/pause`);
    expect(await request.json()).toEqual({ message: 'let me look' });
    expect(h.out()).toBe(`${ID} running (pausing)\n`);
    expect(h.err()).toContain(`claudeops resume ${ID}`);
  });

  it('pause without a message sends {}; --json prints the execution as the API gave it', async () => {
    const paused = execution(ID, 'paused', { pausedReason: 'user', pauseMessage: 'paused by admin' });
    const h = harness(() => Response.json(paused));
    expect(await main(['pause', ID, '--json'], h.io)).toBe(0);
    expect(await h.requests[0]!.json()).toEqual({});
    expect(JSON.parse(h.out())).toEqual(paused);
  });

  it('resume posts to …/resume and prints the new status; a refusal is one sentence and exit 5', async () => {
    const h = harness(() => Response.json(execution(ID, 'running')));
    expect(await main(['resume', ID], h.io)).toBe(0);
    expect(new URL(h.requests[0]!.url).pathname).toBe(`/api/v1/executions/${ID}/resume`);
    expect(h.requests[0]!.method).toBe('POST');
    expect(h.out()).toBe(`${ID} running\n`);

    const refused = harness(refuse(`execution ${ID} is not paused`));
    expect(await main(['resume', ID], refused.io)).toBe(5);
    expect(refused.err()).toBe(`claudeops: execution ${ID} is not paused\n`);
    // Answered before the runner has said it runs again.
    const early = harness(() => Response.json(execution(ID, 'paused')));
    expect(await main(['resume', ID], early.io)).toBe(0);
    expect(early.out()).toBe(`${ID} running (resuming)\n`);
  });
});

describe('claudeops review', () => {
  const decided =
    (status: string, followup: unknown = null) =>
    () =>
      Response.json({ execution: execution(ID, status), followup });

  it('accept and reject send the decision (and an optional message) and print the new status', async () => {
    const accept = harness(decided('succeeded'));
    expect(await main(['review', ID, 'accept'], accept.io)).toBe(0);
    expect(new URL(accept.requests[0]!.url).pathname).toBe(`/api/v1/executions/${ID}/review`);
    expect(await accept.requests[0]!.json()).toEqual({ decision: 'accept' });
    expect(accept.out()).toBe(`${ID} succeeded\n`);

    const reject = harness(decided('failed'));
    expect(await main(['review', ID, 'reject', 'wrong approach'], reject.io)).toBe(0);
    expect(await reject.requests[0]!.json()).toEqual({ decision: 'reject', message: 'wrong approach' });
    expect(reject.out()).toBe(`${ID} failed\n`);
  });

  it('feedback prints the follow-up id on stdout and says what happened on stderr', async () => {
    const h = harness(decided('failed', execution(NEXT, 'queued')));
    expect(await main(['review', ID, 'feedback', 'also cover the empty case'], h.io)).toBe(0);
    expect(await h.requests[0]!.json()).toEqual({ decision: 'feedback', message: 'also cover the empty case' });
    expect(h.out()).toBe(`${NEXT}\n`);
    expect(h.err()).toContain(`follow-up ${NEXT} resumes its session`);
    expect(h.err()).toContain(`claudeops logs ${NEXT} -f`);
  });

  it('feedback reads its message from stdin with -; --json prints the API answer', async () => {
    const answer = { execution: execution(ID, 'failed'), followup: execution(NEXT, 'queued') };
    const h = harness(() => Response.json(answer), 'the test still fails\n');
    expect(await main(['review', ID, 'feedback', '-', '--json'], h.io)).toBe(0);
    expect(await h.requests[0]!.json()).toEqual({ decision: 'feedback', message: 'the test still fails' });
    expect(JSON.parse(h.out())).toEqual(answer);
  });

  it('exits 64 for feedback without a message or an unknown decision (nothing sent), 5 when the API refuses', async () => {
    for (const argv of [
      ['review', ID, 'feedback'],
      ['review', ID, 'feedback', '   '],
      ['review', ID, 'maybe'],
      ['review', ID],
    ]) {
      const h = harness(() => new Response('{}'));
      expect(await main(argv, h.io)).toBe(64);
      expect(h.err().trim().split('\n')).toHaveLength(1);
      expect(h.requests).toHaveLength(0);
    }
    const none = harness(() => new Response('{}'));
    await main(['review', ID, 'feedback'], none.io);
    expect(none.err()).toContain('feedback needs a message');

    const refused = harness(refuse(`execution ${ID} is running: only a needs_review execution takes a review`));
    expect(await main(['review', ID, 'accept'], refused.io)).toBe(5);
    expect(refused.err()).toBe(`claudeops: execution ${ID} is running: only a needs_review execution takes a review\n`);
  });
});

describe('claudeops checkpoints', () => {
  const checkpoint = (n: number, messageId: string | null) => ({
    seq: n * 10,
    ts,
    n,
    messageId,
    ref: `refs/claudeops/checkpoints/${ID}/${n}`,
    commit: 'a'.repeat(40),
    files: [
      { path: 'src/a.ts', insertions: 3, deletions: 1 },
      { path: 'src/b.ts', insertions: 9, deletions: 0 },
    ].slice(0, n),
    insertions: 12,
    deletions: 1,
    patch: 'diff --git …',
    patchTruncated: false,
  });

  it('prints a table: n, time, files, +/-, message id', async () => {
    const h = harness(() => Response.json({ items: [checkpoint(1, 'msg_a'), checkpoint(2, null)] }));
    expect(await main(['checkpoints', ID], h.io)).toBe(0);
    expect(h.requests[0]!.method).toBe('GET');
    expect(new URL(h.requests[0]!.url).pathname).toBe(`/api/v1/executions/${ID}/checkpoints`);
    expect(h.out().split('\n')).toEqual([
      'N  TIME                  FILES  +/-     MESSAGE',
      '1  2026-12-03 12:00:00Z  1      +12/-1  msg_a',
      '2  2026-12-03 12:00:00Z  2      +12/-1  -',
      '',
    ]);
    expect(h.err()).toContain(`claudeops rewind ${ID} N`);
  });

  it('says so on stderr when there are none; --json prints { items } as given', async () => {
    const empty = harness(() => Response.json({ items: [] }));
    expect(await main(['checkpoints', ID], empty.io)).toBe(0);
    expect(empty.out()).toBe('');
    expect(empty.err()).toContain(`${ID} has no checkpoints`);

    const list = { items: [checkpoint(1, 'msg_a')] };
    const json = harness(() => Response.json(list));
    expect(await main(['checkpoints', ID, '--json'], json.io)).toBe(0);
    expect(JSON.parse(json.out())).toEqual(list);
  });
});

describe('claudeops rewind', () => {
  it('an ended execution: sends the checkpoint, conversation and prompt, and prints the follow-up id', async () => {
    const h = harness(() =>
      Response.json({ execution: execution(ID, 'succeeded'), followup: execution(NEXT, 'queued') }, { status: 201 }),
    );
    expect(await main(['rewind', ID, '2', '--conversation', '--prompt', 'try the other way'], h.io)).toBe(0);
    expect(new URL(h.requests[0]!.url).pathname).toBe(`/api/v1/executions/${ID}/rewind`);
    expect(await h.requests[0]!.json()).toEqual({ checkpoint: 2, conversation: true, prompt: 'try the other way' });
    expect(h.out()).toBe(`${NEXT}\n`);
    expect(h.err()).toContain(`checkpoint 2 (files and conversation) in follow-up ${NEXT}`);
  });

  it('a running execution: nothing on stdout, stderr says it is being cancelled and the follow-up starts after', async () => {
    const answer = { execution: execution(ID, 'running'), followup: null };
    const h = harness(() => Response.json(answer, { status: 202 }));
    expect(await main(['rewind', ID, '1'], h.io)).toBe(0);
    expect(await h.requests[0]!.json()).toEqual({ checkpoint: 1, conversation: false });
    expect(h.out()).toBe('');
    expect(h.err()).toContain(`${ID} is being cancelled`);
    expect(h.err()).toContain('starts once it has stopped');

    const json = harness(() => Response.json(answer, { status: 202 }));
    expect(await main(['rewind', ID, '1', '--json'], json.io)).toBe(0);
    expect(JSON.parse(json.out())).toEqual(answer);
  });

  it('exits 64 for a checkpoint that is not a whole number (nothing sent)', async () => {
    for (const n of ['0', 'two', '1.5']) {
      const h = harness(() => new Response('{}'));
      expect(await main(['rewind', ID, n], h.io)).toBe(64);
      expect(h.err()).toMatch(/^claudeops: the checkpoint /);
      expect(h.requests).toHaveLength(0);
    }
  });
});

describe('status ID: supervision lines', () => {
  const review = {
    verdict: {
      confidence: 0.42,
      verdict: 'uncertain',
      summary: 'The fix works but has no test.',
      findings: [{ severity: 'medium', message: 'no test for the empty list', file: 'src/a.ts', line: 12 }],
    },
    problem: null,
    outcome: 'needs_review',
    reason: 'confidence 0.42 is below 0.7',
    model: 'claude-haiku',
    endpoint: 'claude',
    round: 0,
  };

  it('a paused execution: why it waits and when it resumes by itself', () => {
    const e = execution(ID, 'paused', {
      pausedReason: 'rate_limited',
      pauseMessage: 'the model answered 429',
      resumeAt: '2026-12-03T12:05:00.000Z',
    }) as unknown as Execution;
    expect(supervisionLines(e)).toEqual([
      'paused    rate_limited: the model answered 429  (resumes at 2026-12-03T12:05:00.000Z)',
    ]);
    expect(supervisionLines(execution(ID, 'running') as unknown as Execution)).toEqual([]);
  });

  it('a needs_review execution: the verdict, its findings and the command that decides it', () => {
    const e = execution(ID, 'needs_review', { reviewResult: review }) as unknown as Execution;
    expect(supervisionLines(e)).toEqual([
      'review    needs_review: confidence 0.42 is below 0.7  (round 0, claude-haiku)',
      '  uncertain, confidence 0.42: The fix works but has no test.',
      '  [medium] src/a.ts:12 no test for the empty list',
      `decide    claudeops review ${ID} accept|reject|feedback "what to change"`,
    ]);
  });

  it('status ID prints them, with the status', async () => {
    const detail = {
      ...execution(ID, 'needs_review', { reviewResult: review }),
      statusReason: null,
      model: null,
      maxBudgetUsd: null,
      result: null,
      runnerId: null,
      finishedAt: null,
      repo: null,
      ref: null,
      labels: [],
      blockedReason: null,
      attempts: [],
      trigger: { kind: 'api' },
      followupOf: null,
      conversationId: ID,
      pullRequest: null,
      report: null,
      openPullRequest: false,
    };
    const h = harness(() => Response.json(detail));
    expect(await main(['status', ID], h.io)).toBe(0);
    expect(h.out()).toContain(`${ID}  needs_review`);
    expect(h.out()).toContain('review    needs_review: confidence 0.42 is below 0.7');
  });
});
