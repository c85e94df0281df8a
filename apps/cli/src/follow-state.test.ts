// Unit tests for a follow that reaches `needs_review`: the status stops it (as a terminal one does) and is not taken
// back by a lagging read, over HTTP and over a loopback viewer WebSocket, and `logs -f` / `run -f` exit 6 with the
// commands that decide it.
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { ExecutionEvent, ExecutionStatus } from '@claudeops/control-plane/protocol';
import { describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { apiClient } from './api';
import { EXIT, exitForStatus } from './exit-codes';
import { followExecution } from './follow';
import { applyStatus, endsFollow, needsReviewNotice, newFollowState } from './follow-state';

const ID = 'ex_01jc0000000000000000000001';
const ts = '2026-12-03T12:00:00.000Z';
const REASON = 'check `npm test` failed (exit 1)';
const events: ExecutionEvent[] = [
  { seq: 1, ts, type: 'assistant.text', data: { messageId: 'm', text: 'done, I think' } },
  { seq: 2, ts, type: 'status', data: { status: 'needs_review', reason: REASON } },
];

/** A control plane over fetch whose log is `events` and whose D1 row says `status`. */
function plane(status: ExecutionStatus) {
  return async (request: Request) => {
    const url = new URL(request.url);
    if (request.method === 'POST') return Response.json({ id: ID, status: 'queued' }, { status: 201 });
    if (url.pathname.endsWith('/events')) {
      const after = Number(url.searchParams.get('after'));
      return Response.json({ events: events.filter((e) => e.seq > after), hasMore: false, nextAfter: 2 });
    }
    return Response.json({ id: ID, status, statusReason: REASON, blockedReason: null, costUsd: 0.2, attempts: [] });
  };
}

describe('needs_review in the follow state', () => {
  it('ends a follow, as the terminal statuses do; the others do not', () => {
    for (const s of ['needs_review', 'succeeded', 'failed', 'cancelled', 'lost'] as const)
      expect(endsFollow(s)).toBe(true);
    for (const s of ['queued', 'blocked', 'running', 'awaiting_approval', 'paused'] as const) {
      expect(endsFollow(s)).toBe(false);
    }
    expect(endsFollow(null)).toBe(false);
    expect(exitForStatus('needs_review')).toBe(EXIT.needsReview);
    expect(EXIT.needsReview).toBe(6);
  });

  it('moves on only to a terminal status (the decision), never back to running', () => {
    const state = newFollowState(ID);
    applyStatus(state, 'needs_review', REASON);
    applyStatus(state, 'running', null);
    expect(state.status).toBe('needs_review');
    expect(state.reason).toBe(REASON);
    applyStatus(state, 'succeeded', 'accepted by admin');
    expect(state.status).toBe('succeeded');
  });

  it('tells the person why and how to decide', () => {
    const state = newFollowState(ID);
    applyStatus(state, 'needs_review', REASON);
    const notice = needsReviewNotice(state);
    expect(notice.split('\n')[0]).toBe(`${ID} needs review: ${REASON}`);
    expect(notice).toContain(`claudeops review ${ID} accept`);
    expect(notice).toContain(`claudeops review ${ID} feedback "what to change"`);
  });
});

describe('followExecution stops at needs_review', () => {
  it('over HTTP: the whole log, then null with the status needs_review and a notice', async () => {
    const printed: number[] = [];
    const notices: string[] = [];
    const state = newFollowState(ID);
    const stopped = await followExecution(
      state,
      {
        onEvents: (batch) => printed.push(...batch.map((e) => e.seq)),
        onProgress: () => null,
        onNotice: (m) => notices.push(m),
      },
      {
        baseUrl: 'http://cp.test',
        token: 't',
        client: apiClient({ url: 'http://cp.test', token: 't' }, plane('needs_review')),
        transport: 'http',
        pollMs: 1,
      },
    );
    expect(stopped).toBeNull();
    expect(printed).toEqual([1, 2]);
    expect(state.status).toBe('needs_review');
    expect(notices.at(-1)).toContain(`claudeops review ${ID} accept`);
  });

  it('over the viewer WebSocket: stops at the ready frame, though the D1 read still says running', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => server.once('listening', resolve));
    server.on('connection', (socket) => {
      socket.send(JSON.stringify({ type: 'events', events }));
      socket.send(JSON.stringify({ type: 'ready', lastSeq: 2, status: 'needs_review' }));
    });
    try {
      const { port } = server.address() as AddressInfo;
      const state = newFollowState(ID);
      const stopped = await followExecution(
        state,
        { onEvents: () => {}, onProgress: () => null, onNotice: () => {} },
        {
          baseUrl: `http://127.0.0.1:${port}`,
          token: 't',
          client: apiClient({ url: 'http://cp.test', token: 't' }, plane('running')),
        },
      );
      expect(stopped).toBeNull();
      expect(state.lastSeq).toBe(2);
      expect(state.status).toBe('needs_review');
    } finally {
      for (const client of server.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('logs -f and run -f at needs_review', () => {
  async function cli(argv: string[]) {
    const { main } = await import('./main');
    let stdout = '';
    let stderr = '';
    const stdin = Readable.from([]) as Readable & { isTTY?: boolean };
    stdin.isTTY = true; // a person at a terminal: following still stops, nothing more happens until they decide
    const code = await main(argv, {
      env: { CLAUDEOPS_URL: 'http://cp.test', CLAUDEOPS_TOKEN: 't', CLAUDEOPS_FOLLOW: 'http', NO_COLOR: '1' },
      cwd: '/',
      stdin,
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      fetch: plane('needs_review'),
    });
    return { code, stdout, stderr };
  }

  it('logs -f prints the log and exits 6 with the commands that decide it', async () => {
    const { code, stdout, stderr } = await cli(['logs', ID, '-f']);
    expect(code).toBe(6);
    expect(stdout).toContain('done, I think');
    expect(stderr).toContain(`${ID} needs review: ${REASON}`);
    expect(stderr).toContain(`claudeops review ${ID} reject`);
  });

  it('run -f exits 6 too', async () => {
    const { code } = await cli(['run', 'fix it', '-f']);
    expect(code).toBe(6);
  });
});
