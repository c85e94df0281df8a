// Unit tests for `claudeops say`: the text from the argument or stdin, the request it sends, what it prints for a
// live message and for a follow-up, and its exit codes (64 for a bad command line, 5 when the API refuses).
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../main';

const execution = (id: string, status: string) => ({
  id,
  status,
  agent: 'default',
  costUsd: 0,
  createdAt: new Date().toISOString(),
  prompt: 'x',
});

function harness(answer: (request: Request) => Response, stdin?: string) {
  let stdout = '';
  let stderr = '';
  const requests: Request[] = [];
  const input = Readable.from(stdin === undefined ? [] : [Buffer.from(stdin)]) as Readable & { isTTY?: boolean };
  if (stdin === undefined) input.isTTY = true;
  const io = {
    env: { CLAUDEOPS_URL: 'http://cp.test', CLAUDEOPS_TOKEN: 'coa_test', NO_COLOR: '' },
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

describe('claudeops say', () => {
  it('sends the argument as the text; a live message prints its id and says where it went', async () => {
    const h = harness(() =>
      Response.json(
        { delivery: 'live', messageId: 'msg_1', execution: execution('ex_live', 'running') },
        { status: 202 },
      ),
    );
    expect(await main(['say', 'ex_live', 'also run the linter'], h.io)).toBe(0);
    const request = h.requests[0]!;
    expect(request.method).toBe('POST');
    expect(new URL(request.url).pathname).toBe('/api/v1/executions/ex_live/messages');
    expect(await request.json()).toEqual({ text: 'also run the linter' });
    expect(h.out()).toBe('msg_1\n');
    expect(h.err()).toContain('sent to ex_live (running)');
  });

  it('reads the text from stdin with -, and prints the follow-up id when the execution had ended', async () => {
    const h = harness(
      () =>
        Response.json(
          { delivery: 'followup', messageId: null, execution: execution('ex_next', 'queued') },
          { status: 201 },
        ),
      'now fix it\n',
    );
    expect(await main(['say', 'ex_done', '-'], h.io)).toBe(0);
    expect(await h.requests[0]!.json()).toEqual({ text: 'now fix it' });
    expect(h.out()).toBe('ex_next\n');
    expect(h.err()).toContain('ex_done had ended: follow-up ex_next');
  });

  it('prints the API answer with --json', async () => {
    const answer = { delivery: 'live', messageId: 'msg_2', execution: execution('ex_live', 'running') };
    const h = harness(() => Response.json(answer, { status: 202 }));
    expect(await main(['say', 'ex_live', 'hi', '--json'], h.io)).toBe(0);
    expect(JSON.parse(h.out())).toEqual(answer);
  });

  it('exits 64 without a text (nothing sent) and 5 with the API’s message when it refuses', async () => {
    const none = harness(() => new Response('{}'));
    expect(await main(['say', 'ex_x'], none.io)).toBe(64);
    expect(await main(['say', 'ex_x', '   '], none.io)).toBe(64);
    expect(await main(['say'], none.io)).toBe(64);
    expect(none.requests).toHaveLength(0);
    const empty = harness(() => new Response('{}'), '');
    expect(await main(['say', 'ex_x', '-'], empty.io)).toBe(64);
    expect(empty.err()).toContain('stdin was empty');

    const refused = harness(() =>
      Response.json(
        {
          error: {
            code: 'CONFLICT',
            message: 'execution ex_q has not started yet (queued); send the message once it runs',
          },
        },
        { status: 409 },
      ),
    );
    expect(await main(['say', 'ex_q', 'hello'], refused.io)).toBe(5);
    expect(refused.err()).toBe(
      'claudeops: execution ex_q has not started yet (queued); send the message once it runs\n',
    );
  });

  it('-f follows the follow-up to its end and exits like logs -f (1: it failed)', async () => {
    const ts = '2026-12-03T12:00:00.000Z';
    const events = [
      { seq: 1, ts, type: 'assistant.text', data: { messageId: 'm', text: 'fixed the test' } },
      { seq: 2, ts, type: 'status', data: { status: 'failed', reason: 'the build broke' } },
    ];
    const h = harness((request) => {
      const url = new URL(request.url);
      if (request.method === 'POST') {
        return Response.json(
          { delivery: 'followup', messageId: null, execution: execution('ex_next', 'queued') },
          { status: 201 },
        );
      }
      expect(url.pathname).toMatch(/^\/api\/v1\/executions\/ex_next/);
      if (url.pathname.endsWith('/events')) {
        const after = Number(url.searchParams.get('after'));
        return Response.json({ events: events.filter((e) => e.seq > after), hasMore: false, nextAfter: 2 });
      }
      return Response.json({ ...execution('ex_next', 'failed'), statusReason: 'the build broke', attempts: [] });
    });
    const code = await main(['say', 'ex_done', 'fix it', '-f'], {
      ...h.io,
      env: { ...h.io.env, CLAUDEOPS_FOLLOW: 'http' },
    });
    expect(h.out()).toContain('ex_next\n');
    expect(h.out()).toContain('fixed the test');
    expect(code).toBe(1);
  });
});
