// The runner's loopback proxy between each execution's Claude Code and the model API: every model call (a POST to
// …/v1/messages) waits for the control plane's permit before it leaves the machine, so a budget that is used up stops
// the next call instead of learning about it afterwards. Claude Code holds only a placeholder key: the proxy drops
// whatever credential a call arrives with and adds the runner's real one (model-credential.ts) on the way out.
// Started once per runner by the daemon.
import {
  Agent as HttpAgent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream';
import { createLogger, errorMessage, type Logger } from '../support/logger';
import { withCredential, type ModelCredential } from './model-credential';

export interface PermitAnswer {
  allowed: boolean;
  reason: string | null;
}

/** What the proxy needs of an execution running on this runner. */
export interface ProxiedExecution {
  /** May Claude Code start a model call now? `signal` aborts when Claude Code hangs up while waiting. */
  requestPermit(signal: AbortSignal): Promise<PermitAnswer>;
}

export interface ModelProxyOptions {
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

  const forward = (req: IncomingMessage, res: ServerResponse, route: Route, credential: ModelCredential) => {
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
    // Claude Code hung up (cancelled, aborted a request): the model call upstream stops too.
    res.once('close', () => {
      if (!res.writableFinished) outbound.destroy();
    });
    outbound.once('response', (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, withoutHopByHop(answer.headers));
      // Headers now, not with the first body chunk: a model that thinks for a while is not a dead connection.
      res.flushHeaders();
      // Chunk by chunk, no buffering (SSE); an upstream that dies mid-stream ends Claude Code's response too.
      pipeline(answer, res, (error) => {
        if (error && !res.writableFinished) log.debug('model response cut off', { error: errorMessage(error) });
      });
    });
    outbound.on('error', (error) => {
      if (res.writableEnded || res.destroyed) return;
      log.warn('model API unreachable', { upstream: upstream.origin, error: errorMessage(error) });
      sendApiError(
        res,
        502,
        'api_error',
        `ClaudeOps: the model API at ${upstream.origin} is unreachable (${errorMessage(error)})`,
      );
    });
    req.pipe(outbound);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const route = parseRoute(req.url ?? '/');
    const execution = route && options.execution(route.executionId);
    if (!route || !execution) {
      req.resume();
      const message = route
        ? `ClaudeOps: execution ${route.executionId} is not running on this runner`
        : 'ClaudeOps: model calls go to /x/<executionId>/…';
      sendApiError(res, 404, 'not_found_error', message, false);
      return;
    }
    const credential = options.credential();
    if (!credential) {
      req.resume();
      sendApiError(res, 401, 'authentication_error', NO_CREDENTIAL_MESSAGE, false);
      return;
    }
    if (isModelCall(req.method, route.path)) {
      const gone = new AbortController();
      const onClose = () => gone.abort();
      res.once('close', onClose);
      let answer: PermitAnswer;
      try {
        answer = await execution.requestPermit(gone.signal);
      } finally {
        res.off('close', onClose);
      }
      if (gone.signal.aborted || res.destroyed) return;
      if (!answer.allowed) {
        req.resume();
        log.info('model call refused', { executionId: route.executionId, reason: answer.reason });
        const reason = answer.reason ?? 'the model call was not permitted';
        sendApiError(res, 400, 'invalid_request_error', `ClaudeOps: ${reason}`, false);
        return;
      }
    }
    forward(req, res, route, credential);
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
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      agent.destroy();
      await closed;
    },
  };
}
