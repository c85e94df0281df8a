// Follows one execution's log to its end (or to `needs_review`, which waits for a person), gap-free and each seq
// once: the viewer WebSocket (/api/v1/executions/:id/events?after=<last seq>, token in the Authorization header)
// resumed after every dropped connection, with HTTP paging (GET …/events?after=, hasMore/nextAfter) as the fallback
// and the final drain.
import {
  HubToViewer,
  VIEWER_PING,
  VIEWER_PONG,
  type EventsResponse,
  type ExecutionDetail,
  type ExecutionEvent,
} from '@claudeops/control-plane/protocol';
import { setTimeout as delay } from 'node:timers/promises';
import WebSocket from 'ws';
import { body, type ApiClient } from './api';
import {
  applyEvents,
  applyStatus,
  contiguous,
  endsFollow,
  isEventEnvelope,
  needsReviewNotice,
  type FollowState,
} from './follow-state';
import { CliError } from './output';

export interface FollowHooks {
  /** New events, contiguous and each exactly once, in seq order. */
  onEvents(events: ExecutionEvent[], state: FollowState): void;
  /** After each change; a number stops following with that exit code. */
  onProgress(state: FollowState, detail: ExecutionDetail | null): number | null;
  /** A sentence for stderr (connection dropped, resumed). */
  onNotice(message: string): void;
}

export interface FollowOptions {
  baseUrl: string;
  token: string;
  client: ApiClient;
  /** `http`: page over HTTP only (also CLAUDEOPS_FOLLOW=http). */
  transport?: 'ws' | 'http';
  /** How often the execution is read while following (status D1 knows first: blocked, lost; the cost). */
  pollMs?: number;
  /** How long to keep trying to reach the control plane before giving up. */
  giveUpMs?: number;
  /** `envelope`: events frames are checked for each event's envelope only (NDJSON output passes them on); `full`
   * (default): every frame is parsed with HubToViewer, as rendering needs each event's data typed. */
  validate?: 'full' | 'envelope';
}

const PAGE = 1000;
const BACKOFF_MS = [200, 500, 1000, 2000, 5000];
const KEEPALIVE_MS = 20_000;

type SocketEnd =
  | { kind: 'done' }
  | { kind: 'stop'; code: number }
  | { kind: 'dropped'; why: string }
  | { kind: 'fallback'; why: string };

/** Resolves the exit code a hook chose, or null once the log is complete and the execution has ended or needs review
 * (see endsFollow: state.status then says which). */
export async function followExecution(
  state: FollowState,
  hooks: FollowHooks,
  options: FollowOptions,
): Promise<number | null> {
  const { client } = options;
  let transport = options.transport ?? 'ws';
  const pollMs = options.pollMs ?? 2000;
  const giveUpMs = options.giveUpMs ?? 5 * 60_000;
  let failingSince: number | null = null;
  let attempt = 0;

  const readDetail = () =>
    body<ExecutionDetail>(client.GET('/api/v1/executions/{id}', { params: { path: { id: state.executionId } } }));

  /** Pages over HTTP from state.lastSeq to what is stored now. */
  const drain = async (): Promise<void> => {
    for (;;) {
      const page = await body<EventsResponse>(
        client.GET('/api/v1/executions/{id}/events', {
          params: { path: { id: state.executionId }, query: { after: state.lastSeq, limit: PAGE } },
        }),
      );
      const { fresh } = contiguous(state.lastSeq, page.events);
      if (fresh.length > 0) {
        applyEvents(state, fresh);
        hooks.onEvents(fresh, state);
      }
      if (!page.hasMore || fresh.length === 0) return;
    }
  };

  /** Reads the execution: a terminal status (or needs_review) there ends the follow once the log is drained. */
  const poll = async (): Promise<{ stop: number | null; ended: boolean }> => {
    const detail = await readDetail();
    applyStatus(state, detail.status, detail.statusReason ?? detail.blockedReason);
    if (state.costUsd === null || (detail.costUsd !== null && endsFollow(detail.status))) {
      state.costUsd = detail.costUsd ?? state.costUsd;
    }
    const stop = hooks.onProgress(state, detail);
    return { stop, ended: endsFollow(detail.status) };
  };

  const finish = async (): Promise<null> => {
    await drain();
    const detail = await readDetail();
    applyStatus(state, detail.status, detail.statusReason);
    hooks.onProgress(state, detail);
    if (state.status === 'needs_review') hooks.onNotice(needsReviewNotice(state));
    return null;
  };

  for (;;) {
    try {
      if (transport === 'http') {
        await drain();
        state.caughtUp = true;
        const { stop, ended } = await poll();
        if (stop !== null) return stop;
        if (ended) return await finish();
        failingSince = null;
        await delay(pollMs);
        continue;
      }
      const end = await viaSocket(state, hooks, options, poll, pollMs);
      if (end.kind === 'done') return await finish();
      if (end.kind === 'stop') return end.code;
      if (end.kind === 'fallback') {
        hooks.onNotice(`the live socket is not available (${end.why}); reading the log over HTTP`);
        transport = 'http';
        continue;
      }
      hooks.onNotice(`connection lost (${end.why}); resuming after seq ${state.lastSeq}`);
      failingSince ??= Date.now();
    } catch (error) {
      if (error instanceof CliError) throw error;
      const status = (error as { status?: number }).status;
      // The API's refusals (bad id, bad token) are final; a network failure or a 5xx is retried.
      if (status !== undefined && status >= 400 && status < 500 && status !== 429) throw error;
      failingSince ??= Date.now();
      hooks.onNotice(`cannot read the log (${(error as Error).message}); retrying`);
    }
    if (failingSince !== null && Date.now() - failingSince > giveUpMs) {
      throw new CliError(
        `gave up following ${state.executionId}: the control plane was unreachable for ${Math.round(giveUpMs / 1000)} s`,
      );
    }
    await delay(BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)]!);
    attempt += 1;
  }
}

function viaSocket(
  state: FollowState,
  hooks: FollowHooks,
  options: FollowOptions,
  poll: () => Promise<{ stop: number | null; ended: boolean }>,
  pollMs: number,
): Promise<SocketEnd> {
  const url = `${options.baseUrl.replace(/^http/, 'ws')}/api/v1/executions/${state.executionId}/events?after=${state.lastSeq}`;
  const socket = new WebSocket(url, {
    headers: { authorization: `Bearer ${options.token}` },
    perMessageDeflate: false,
  });
  return new Promise<SocketEnd>((resolve, reject) => {
    let settled = false;
    let awaitingPong = false;
    const timers: NodeJS.Timeout[] = [];
    const settle = (end: SocketEnd | Error) => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearInterval(timer);
      socket.removeAllListeners();
      socket.on('error', () => {});
      socket.terminate();
      if (end instanceof Error) reject(end);
      else resolve(end);
    };
    const progress = () => {
      const code = hooks.onProgress(state, null);
      if (code !== null) settle({ kind: 'stop', code });
      else if (endsFollow(state.status)) settle({ kind: 'done' });
    };

    socket.on('unexpected-response', (_request, response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const code = response.statusCode ?? 0;
        let message = `HTTP ${code}`;
        try {
          const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { error?: { message?: string } };
          if (parsed.error?.message) message = parsed.error.message;
        } catch {
          // not the API's JSON: a proxy's page
        }
        if (code === 401 || code === 403 || code === 404) settle(new CliError(message));
        else if (code >= 500) settle({ kind: 'dropped', why: message });
        else settle({ kind: 'fallback', why: message });
      });
    });
    socket.on('error', (error) => settle({ kind: 'dropped', why: error.message }));
    socket.on('close', (code) => settle({ kind: 'dropped', why: `socket closed, code ${code}` }));
    socket.on('open', () => {
      timers.push(
        setInterval(() => {
          if (awaitingPong) return settle({ kind: 'dropped', why: 'no answer to a keep-alive' });
          awaitingPong = true;
          socket.send(VIEWER_PING);
        }, KEEPALIVE_MS),
        setInterval(() => {
          if (!state.caughtUp) return;
          poll().then(
            ({ stop, ended }) => {
              if (stop !== null) settle({ kind: 'stop', code: stop });
              else if (ended) settle({ kind: 'done' });
            },
            () => {
              // A failed read is retried on the next tick; the socket is what matters.
            },
          );
        }, pollMs),
      );
    });
    socket.on('message', (raw: Buffer, isBinary: boolean) => {
      if (settled) return;
      const text = isBinary ? '' : raw.toString('utf8');
      if (text === VIEWER_PONG) {
        awaitingPong = false;
        return;
      }
      let frame: HubToViewer;
      try {
        const value = JSON.parse(text) as { type?: unknown; events?: unknown };
        const envelopes = options.validate === 'envelope' && value.type === 'events' && Array.isArray(value.events);
        if (envelopes && !(value.events as unknown[]).every(isEventEnvelope)) throw new Error('not events');
        frame = envelopes ? (value as HubToViewer) : HubToViewer.parse(value);
      } catch {
        return settle({ kind: 'dropped', why: 'a frame the CLI does not understand' });
      }
      awaitingPong = false;
      switch (frame.type) {
        case 'events': {
          const { fresh, gap } = contiguous(state.lastSeq, frame.events);
          if (fresh.length > 0) {
            applyEvents(state, fresh);
            hooks.onEvents(fresh, state);
          }
          if (gap) return settle({ kind: 'dropped', why: `a gap after seq ${state.lastSeq}` });
          if (state.caughtUp) progress();
          return;
        }
        case 'ready':
          state.caughtUp = true;
          applyStatus(state, frame.status, state.reason);
          return progress();
        case 'status':
          applyStatus(state, frame.status, frame.reason);
          return progress();
        case 'alert':
          hooks.onNotice(`budget ${frame.alert.scope}: ${frame.alert.level} limit reached`);
          return;
        case 'error':
          return settle(new CliError(frame.error.message));
      }
    });
  });
}
