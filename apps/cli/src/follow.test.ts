// Unit tests for following over HTTP paging (the fallback and the final drain), against a stand-in fetch: every seq
// once across pages, the end when the execution has ended, a hook's exit code, and a lost attempt's retry named.
import type { ExecutionEvent } from '@claudeops/control-plane/protocol';
import { describe, expect, it } from 'vitest';
import { apiClient } from './api';
import { followExecution } from './follow';
import { newFollowState } from './follow-state';

const ts = '2026-12-03T12:00:00.000Z';
const log = (seq: number): ExecutionEvent => ({
  seq,
  ts,
  type: 'log',
  data: { level: 'info', message: `line ${seq}` },
});
const ended = (seq: number): ExecutionEvent => ({ seq, ts, type: 'status', data: { status: 'succeeded' } });

/** A control plane whose log grows by `perPoll` events each time the execution is read, ending at `total`. */
function fakePlane(total: number, perPoll: number) {
  let stored = 0;
  const fetch = async (request: Request) => {
    const url = new URL(request.url);
    if (url.pathname.endsWith('/events')) {
      const after = Number(url.searchParams.get('after'));
      const limit = Number(url.searchParams.get('limit'));
      const seqs = Array.from({ length: Math.max(0, Math.min(stored - after, limit, 7)) }, (_, i) => after + i + 1);
      const events = seqs.map((seq) => (seq === total ? ended(seq) : log(seq)));
      return Response.json({ events, hasMore: after + events.length < stored, nextAfter: seqs.at(-1) ?? after });
    }
    stored = Math.min(total, stored + perPoll);
    const status = stored === total ? 'succeeded' : 'running';
    return Response.json({ id: 'ex_1', status, statusReason: null, blockedReason: null, costUsd: 0.5, attempts: [] });
  };
  return apiClient({ url: 'http://cp.test', token: 't' }, fetch);
}

describe('followExecution over HTTP', () => {
  it('prints every seq once, in order, across pages and polls, and ends with the execution', async () => {
    const printed: number[] = [];
    const state = newFollowState('ex_1');
    const stopped = await followExecution(
      state,
      { onEvents: (events) => printed.push(...events.map((e) => e.seq)), onProgress: () => null, onNotice: () => {} },
      { baseUrl: 'http://cp.test', token: 't', client: fakePlane(40, 9), transport: 'http', pollMs: 1 },
    );
    expect(stopped).toBeNull();
    expect(printed).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(state.status).toBe('succeeded');
  });

  it('stops with the exit code a hook gives', async () => {
    const state = newFollowState('ex_1');
    const stopped = await followExecution(
      state,
      { onEvents: () => {}, onProgress: (s) => (s.lastSeq >= 9 ? 4 : null), onNotice: () => {} },
      { baseUrl: 'http://cp.test', token: 't', client: fakePlane(40, 9), transport: 'http', pollMs: 1 },
    );
    expect(stopped).toBe(4);
  });
});

describe('run -f and a lost attempt', () => {
  const A = 'ex_01jc0000000000000000000001';
  const B = 'ex_01jc0000000000000000000002';
  /** A lost attempt A, retried automatically as B (when `retried`), which succeeds. */
  function plane(retried: boolean) {
    const attempts = [
      { id: A, attempt: 1, status: 'lost', statusReason: null, runnerId: null, createdAt: ts },
      ...(retried
        ? [{ id: B, attempt: 2, status: 'succeeded', statusReason: null, runnerId: null, createdAt: ts }]
        : []),
    ];
    const logs: Record<string, ExecutionEvent[]> = {
      [A]: [{ seq: 1, ts, type: 'status', data: { status: 'lost', reason: 'the runner vanished' } }],
      [B]: [
        { seq: 1, ts, type: 'assistant.text', data: { messageId: 'm', text: 'second try' } },
        { seq: 2, ts, type: 'status', data: { status: 'succeeded' } },
      ],
    };
    return async (request: Request) => {
      const url = new URL(request.url);
      if (request.method === 'POST') return Response.json({ id: A, status: 'queued' }, { status: 201 });
      const id = url.pathname.split('/')[4]!;
      if (url.pathname.endsWith('/events')) {
        const after = Number(url.searchParams.get('after'));
        return Response.json({ events: logs[id]!.filter((e) => e.seq > after), hasMore: false, nextAfter: after });
      }
      const status = id === A ? 'lost' : 'succeeded';
      return Response.json({ id, status, statusReason: null, blockedReason: null, costUsd: null, attempts });
    };
  }

  async function runFollow(retried: boolean) {
    const { main } = await import('./main');
    let stdout = '';
    let stderr = '';
    const code = await main(['run', 'x', '-f'], {
      env: { CLAUDEOPS_URL: 'http://cp.test', CLAUDEOPS_TOKEN: 't', CLAUDEOPS_FOLLOW: 'http' },
      cwd: '/',
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      fetch: plane(retried),
    });
    return { code, stdout, stderr };
  }

  it('follows the automatic retry and exits with its outcome', async () => {
    const { code, stdout, stderr } = await runFollow(true);
    expect(stderr).toContain(`following its retry ${B} (attempt 2)`);
    expect(stdout).toContain('second try');
    expect(code).toBe(0);
  });

  it('exits 3 when no retry is left', async () => {
    const { code, stderr } = await runFollow(false);
    expect(code).toBe(3);
    expect(stderr).toContain('lost: the runner vanished');
  });
});
