// The HTTP forward proxy of an allow-list execution (started per execution by network-bridge.ts): CONNECT tunnels and
// plain-HTTP requests go through only to the hosts the job's network policy allows; anything else gets 403.
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { connect, isIP, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** Whether `host` is allowed by `allow` (`example.com` exactly, `*.example.com` any subdomain of it, not itself). */
export function hostAllowed(host: string, allow: readonly string[]): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  if (name === '') return false;
  return allow.some((entry) => {
    const rule = entry.toLowerCase();
    if (rule.startsWith('*.')) {
      const suffix = rule.slice(1);
      return name.endsWith(suffix) && name.length > suffix.length;
    }
    return name === rule;
  });
}

/** Host and port of a CONNECT target (`host:443`, `[::1]:443`); null when malformed. */
export function parseAuthority(authority: string): { host: string; port: number } | null {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:/[\]\s]+)):(\d{1,5})$/.exec(authority);
  if (!match) return null;
  const port = Number(match[3]);
  if (port < 1 || port > 65_535) return null;
  return { host: (match[1] ?? match[2])!, port };
}

export interface EgressProxyOptions {
  allow: readonly string[];
  /** A refused request, for the run's log. */
  onRefused?: (host: string) => void;
  /** Where a name resolves to (tests point allowed names at loopback servers); the name itself when absent. */
  resolveHost?: (host: string) => string;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'te', 'upgrade']);

function refuse(socket: Duplex, status: string, message: string): void {
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** A proxy server (not yet listening); the caller listens on a unix socket or a port and closes it. */
export function createEgressProxy(options: EgressProxyOptions): Server {
  const target = (host: string) => options.resolveHost?.(host) ?? host;
  const refusedText = (host: string) => `blocked by the execution's network allow-list: ${host}`;
  const tunnels = new Set<Socket>();

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('a proxy request needs an absolute http:// URL\n');
      return;
    }
    if (url.protocol !== 'http:') {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('only http:// is forwarded; use CONNECT for https\n');
      return;
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (!hostAllowed(host, options.allow)) {
      options.onRefused?.(host);
      res.writeHead(403, { 'content-type': 'text/plain' }).end(`${refusedText(host)}\n`);
      return;
    }
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    }
    const upstream = httpRequest(
      { host: target(host), port: url.port || 80, method: req.method, path: `${url.pathname}${url.search}`, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`upstream ${host} failed: ${error.message}\n`);
    });
    req.pipe(upstream);
  });

  server.on('connect', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    client.on('error', () => undefined);
    const authority = parseAuthority(req.url ?? '');
    if (!authority) return refuse(client, '400 Bad Request', 'CONNECT needs host:port');
    // An IP literal is allowed only when the list names it: no way around the names through an address.
    if (
      !hostAllowed(authority.host, options.allow) ||
      (isIP(authority.host) && !options.allow.includes(authority.host))
    ) {
      options.onRefused?.(authority.host);
      return refuse(client, '403 Forbidden', refusedText(authority.host));
    }
    const upstream = connect(authority.port, target(authority.host));
    tunnels.add(upstream);
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', (error) => {
      if (!connected) refuse(client, '502 Bad Gateway', `cannot reach ${authority.host}: ${error.message}`);
      else client.destroy();
    });
    upstream.once('close', () => {
      tunnels.delete(upstream);
      client.destroy();
    });
    client.once('close', () => upstream.destroy());
  });

  server.on('close', () => {
    for (const socket of tunnels) socket.destroy();
  });
  return server;
}
