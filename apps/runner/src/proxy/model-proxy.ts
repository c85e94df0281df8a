// The runner's loopback proxy between each execution's Claude Code and the model API: every model call (a POST to
// …/v1/messages) waits for the control plane's permit before it leaves the machine, so a budget that is used up stops
// the next call instead of learning about it afterwards. Claude Code holds only a placeholder key: the proxy drops
// whatever credential a call arrives with and adds the runner's real one (model-credential.ts) on the way out.
// A model call the API answers 429 (rate limited) or 529 (overloaded) is held here and tried again, each time with a
// new permit (rate-limit.ts), so Claude Code sees a slow answer instead of a failure. Started once per runner by the
// daemon.
import {
  Agent as HttpAgent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type ClientRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream';
import { createLogger, errorMessage, type Logger } from '../support/logger';
import { withCredential, type ModelCredential } from './model-credential';
import { MAX_BUFFERED_BODY_BYTES, RateLimitHold, readBody, type RateLimitOptions } from './rate-limit';

export type { RateLimitInfo } from './rate-limit';

export interface PermitAnswer {
  allowed: boolean;
  reason: string | null;
}

/** What the proxy needs of an execution running on this runner. */
export interface ProxiedExecution {
  /** May Claude Code start a model call now? `signal` aborts when Claude Code hangs up while waiting. */
  requestPermit(signal: AbortSignal): Promise<PermitAnswer>;
}

export interface ModelProxyOptions extends RateLimitOptions {
  /** The model API's base URL (the runner's own ANTHROPIC_BASE_URL, else DEFAULT_MODEL_API). */
  upstream: string;
  /** The execution of that id running here, or undefined. */
  execution(executionId: string): ProxiedExecution | undefined;
  /** The runner's real credential, added to every call (null: the runner has none, and calls are refused). */
  credential(): ModelCredential | null;
  /** Headers added to every call (the runner's ANTHROPIC_CUSTOM_HEADERS); a call's own headers of a name win. */
  headers?: Record<string, string>;
  log?: Logger;
}

export interface ModelProxy {
  /** ANTHROPIC_BASE_URL for the Claude Code of one execution. */
  baseUrl(executionId: string): string;
  /** Stops listening and drops every open connection (the runner is stopping). */
  close(): Promise<void>;
}

export const DEFAULT_MODEL_API = 'https://api.anthropic.com';

const NO_CREDENTIAL_MESSAGE =
  'ClaudeOps: the runner has no model credentials; give it ANTHROPIC_API_KEY, ANTHROPIC_AUTH_TOKEN or ' +
  "CLAUDE_CODE_OAUTH_TOKEN, or run `claude login` as the runner's user";

/** Headers about one connection, not the message (RFC 9110 §7.6.1); `expect` is answered by this server itself. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
]);

const ROUTE = /^\/x\/([A-Za-z0-9_-]{1,100})(\/[^?#]*)?(\?[^#]*)?$/;

interface Route {
  executionId: string;
  /** The path Claude Code asked for below its base URL, e.g. /v1/messages. */
  path: string;
  query: string;
}

/** What a call goes with: the execution it is for and the credential it is sent with. */
interface Target {
  execution: ProxiedExecution;
  credential: ModelCredential;
}

function parseRoute(url: string): Route | undefined {
  const match = ROUTE.exec(url);
  return match ? { executionId: match[1]!, path: match[2] ?? '/', query: match[3] ?? '' } : undefined;
}

/** A model call: what costs money and so needs a permit (count_tokens and the rest are free). */
const isModelCall = (method: string | undefined, path: string) => method === 'POST' && /\/v1\/messages\/?$/.test(path);

function withoutHopByHop(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = String(headers.connection ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase());
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name) && !named.includes(name)) out[name] = value;
  }
  return out;
}

/** An error as the Anthropic API shapes it, so Claude Code shows the message; `retry: false` tells its SDK not to. */
function sendApiError(res: ServerResponse, status: number, type: string, message: string, retry = true): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ type: 'error', error: { type, message } });
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...(retry ? {} : { 'x-should-retry': 'false' }),
  });
  res.end(body);
}

export async function startModelProxy(options: ModelProxyOptions): Promise<ModelProxy> {
  const log = options.log ?? createLogger('model-proxy');
  const upstream = URL.canParse(options.upstream) ? new URL(options.upstream) : undefined;
  if (upstream?.protocol !== 'http:' && upstream?.protocol !== 'https:') {
    throw new Error(`the model API URL (ANTHROPIC_BASE_URL) is not an http(s) URL: ${options.upstream}`);
  }
  const basePath = upstream.pathname.replace(/\/+$/, '');
  const secure = upstream.protocol === 'https:';
  const agent = secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const send = secure ? httpsRequest : httpRequest;

  const closing = new AbortController();

  /** The call upstream with the real credential: `body` sent whole when given, else Claude Code's streamed through. */
  const open = (req: IncomingMessage, route: Route, credential: ModelCredential, body?: Buffer): ClientRequest => {
    const headers = withCredential({ ...options.headers, ...withoutHopByHop(req.headers) }, credential);
    const outbound = send({
      protocol: upstream.protocol,
      hostname: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: basePath + route.path + route.query,
      headers: { ...headers, host: upstream.host },
      agent,
    });
    if (body) outbound.end(body);
    else req.pipe(outbound);
    return outbound;
  };

  /** The model API's answer to `outbound`; undefined once Claude Code has been answered 502 (API out of reach). */
  const answerOf = (outbound: ClientRequest, res: ServerResponse) =>
    new Promise<IncomingMessage | undefined>((resolve) => {
      outbound.once('response', resolve);
      outbound.on('error', (error) => {
        resolve(undefined);
        if (res.writableEnded || res.destroyed) return;
        log.warn('model API unreachable', { upstream: upstream.origin, error: errorMessage(error) });
        sendApiError(
          res,
          502,
          'api_error',
          `ClaudeOps: the model API at ${upstream.origin} is unreachable (${errorMessage(error)})`,
        );
      });
    });

  /** Streams the model API's answer to Claude Code as it comes. */
  const relay = (answer: IncomingMessage, res: ServerResponse) => {
    res.writeHead(answer.statusCode ?? 502, answer.statusMessage, withoutHopByHop(answer.headers));
    // Headers now, not with the first body chunk: a model that thinks for a while is not a dead connection.
    res.flushHeaders();
    // Chunk by chunk, no buffering (SSE); an upstream that dies mid-stream ends Claude Code's response too.
    pipeline(answer, res, (error) => {
      if (error && !res.writableFinished) log.debug('model response cut off', { error: errorMessage(error) });
    });
  };

  /** A call that needs no permit: straight through, body and answer streamed. */
  const forward = (req: IncomingMessage, res: ServerResponse, route: Route, credential: ModelCredential) => {
    const outbound = open(req, route, credential);
    // Claude Code hung up (cancelled, aborted a request): the call upstream stops too.
    res.once('close', () => {
      if (!res.writableFinished) outbound.destroy();
    });
    void answerOf(outbound, res).then((answer) => answer && relay(answer, res));
  };

  /** The execution and credential a call goes with; undefined once Claude Code has been answered 404 or 401. */
  const target = (req: IncomingMessage, res: ServerResponse, route: Route | undefined): Target | undefined => {
    const execution = route && options.execution(route.executionId);
    if (!route || !execution) {
      req.resume();
      const message = route
        ? `ClaudeOps: execution ${route.executionId} is not running on this runner`
        : 'ClaudeOps: model calls go to /x/<executionId>/…';
      sendApiError(res, 404, 'not_found_error', message, false);
      return undefined;
    }
    const credential = options.credential();
    if (!credential) {
      req.resume();
      sendApiError(res, 401, 'authentication_error', NO_CREDENTIAL_MESSAGE, false);
      return undefined;
    }
    return { execution, credential };
  };

  /** Asks for a permit: false once it was refused (and Claude Code told so) or Claude Code has gone. */
  const permitted = async (
    req: IncomingMessage,
    res: ServerResponse,
    route: Route,
    found: Target,
    signal: AbortSignal,
  ) => {
    const answer = await found.execution.requestPermit(signal);
    if (signal.aborted || res.destroyed) return false;
    if (answer.allowed) return true;
    req.resume();
    log.info('model call refused', { executionId: route.executionId, reason: answer.reason });
    const reason = answer.reason ?? 'the model call was not permitted';
    sendApiError(res, 400, 'invalid_request_error', `ClaudeOps: ${reason}`, false);
    return false;
  };

  /**
   * A model call: a permit before every try, the body kept to send again, and a 429/529 held and tried again until
   * the next wait would take the call past maxRateLimitWaitMs; then that answer goes to Claude Code as it is.
   */
  const callModel = async (req: IncomingMessage, res: ServerResponse, route: Route, signal: AbortSignal) => {
    const hold = new RateLimitHold(route.executionId, options, log);
    let found = target(req, res, route);
    let body: Buffer | undefined;
    try {
      while (found) {
        if (!(await permitted(req, res, route, found, signal))) return;
        if (!body) {
          const read = await readBody(req).catch(() => undefined);
          if (signal.aborted) return;
          if (read === 'too-large') {
            const limit = `${MAX_BUFFERED_BODY_BYTES / 1024 / 1024} MiB`;
            sendApiError(res, 413, 'request_too_large', `ClaudeOps: the request is over ${limit}`, false);
            return;
          }
          if (!read) return void res.destroy();
          body = read;
        }
        const outbound = open(req, route, found.credential, body);
        // Claude Code hung up (cancelled, aborted a request) or the runner is stopping: the call upstream stops too.
        const stop = () => {
          if (!res.writableFinished) outbound.destroy();
        };
        signal.addEventListener('abort', stop, { once: true });
        const answer = await answerOf(outbound, res);
        if (!answer) return;
        const delay = hold.next(answer);
        if (!delay) return relay(answer, res);
        signal.removeEventListener('abort', stop);
        if (!(await hold.wait(answer, delay, signal))) return void res.destroy();
        // A run may end, or its credential be refreshed, while its call waits.
        found = target(req, res, route);
      }
    } finally {
      hold.end();
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const route = parseRoute(req.url ?? '/');
    if (!route || !isModelCall(req.method, route.path)) {
      const found = target(req, res, route);
      return route && found && forward(req, res, route, found.credential);
    }
    const gone = new AbortController();
    res.once('close', () => gone.abort());
    await callModel(req, res, route, AbortSignal.any([gone.signal, closing.signal]));
  };

  // No request timeout: a model call may wait for its permit while the control plane is out of reach.
  const server = createServer({ requestTimeout: 0 }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      log.error('model proxy failed', { error: errorMessage(error) });
      sendApiError(res, 500, 'api_error', `ClaudeOps: the runner's model proxy failed (${errorMessage(error)})`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  log.debug('listening', { port, upstream: upstream.origin });

  return {
    baseUrl: (executionId) => `http://127.0.0.1:${port}/x/${executionId}`,
    close: async () => {
      closing.abort();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      agent.destroy();
      await closed;
    },
  };
}
