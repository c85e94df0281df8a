// The production dashboard for `npm start`: builds it (`vite build`) when the build is missing or older than its
// sources or the protocol module it imports, and serves the build on one origin with the API: static files from
// SvelteKit's client output (hashed `_app/immutable/` assets cached for a year, HTML and the service worker
// revalidated every time, text compressed with brotli or gzip), the app shell rendered by SvelteKit's own server
// (ssr is off, so that is one small HTML page), and /api (WebSocket upgrades included) forwarded to the control
// plane untouched, so the session cookie needs no CORS. Used by scripts/start.ts and tests/fixtures/dashboard.ts.
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { REPO_ROOT } from './wrangler';

export const DASHBOARD_DIR = path.join(REPO_ROOT, 'apps', 'dashboard');
const OUTPUT_DIR = path.join(DASHBOARD_DIR, '.svelte-kit', 'output');
const CLIENT_DIR = path.join(OUTPUT_DIR, 'client');
const SERVER_DIR = path.join(OUTPUT_DIR, 'server');
/** Written after a build that succeeded: its mtime is when that build started. */
const STAMP_FILE = path.join(OUTPUT_DIR, '.claudeops-build-stamp');
export const VITE_BIN = path.join(
  path.dirname(createRequire(import.meta.url).resolve('vite/package.json')),
  'bin',
  'vite.js',
);

/** What the build depends on: the dashboard's sources and config, and the control plane's modules it imports. */
const SOURCES = [
  path.join(DASHBOARD_DIR, 'src'),
  path.join(DASHBOARD_DIR, 'static'),
  path.join(DASHBOARD_DIR, 'svelte.config.js'),
  path.join(DASHBOARD_DIR, 'vite.config.ts'),
  path.join(DASHBOARD_DIR, 'package.json'),
  path.join(REPO_ROOT, 'apps', 'control-plane', 'src', 'protocol'),
  path.join(REPO_ROOT, 'apps', 'control-plane', 'src', 'client'),
];

async function newestMtime(entry: string): Promise<number> {
  const info = await stat(entry).catch(() => null);
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const child of await readdir(entry)) newest = Math.max(newest, await newestMtime(path.join(entry, child)));
  return newest;
}

/** Why the dashboard needs building, or null when the build is there and newer than every source. */
export async function dashboardBuildStaleness(): Promise<string | null> {
  const built = await stat(STAMP_FILE).catch(() => null);
  if (!built) return 'there is no build yet';
  const newest = Math.max(...(await Promise.all(SOURCES.map(newestMtime))));
  return newest > built.mtimeMs ? 'a source file changed since the last build' : null;
}

/** The `vite build` command line (run it with cwd DASHBOARD_DIR and NODE_ENV=production). */
export const dashboardBuildArgs = (): string[] => [VITE_BIN, 'build', '--logLevel', 'warn'];

/** Records a successful build that started at `startedAt` (ms), so edits made during it still count as newer. */
export async function markDashboardBuilt(startedAt: number): Promise<void> {
  await writeFile(STAMP_FILE, `built ${new Date(startedAt).toISOString()}\n`);
  await utimes(STAMP_FILE, startedAt / 1000, startedAt / 1000);
}

const MIME: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.webmanifest': 'application/manifest+json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};
const COMPRESSIBLE = /^(text\/|application\/(json|manifest\+json|javascript)|image\/svg\+xml)/;
const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

type Encoding = 'br' | 'gzip' | 'identity';

function pickEncoding(accept: string | undefined): Encoding {
  const offered = (accept ?? '').toLowerCase();
  if (/\bbr\b/.test(offered)) return 'br';
  if (/\bgzip\b/.test(offered)) return 'gzip';
  return 'identity';
}

/** Compressed bodies of the (immutable within one build) static files, made once each. */
const compressedCache = new Map<string, Promise<Buffer>>();

function compressed(file: string, mtimeMs: number, encoding: 'br' | 'gzip'): Promise<Buffer> {
  const key = `${encoding}:${mtimeMs}:${file}`;
  let body = compressedCache.get(key);
  if (!body) {
    body = readFile(file).then((raw) =>
      encoding === 'br'
        ? brotli(raw, {
            params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 9, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
          })
        : gzip(raw, { level: 9 }),
    );
    compressedCache.set(key, body);
  }
  return body;
}

function cacheControl(pathname: string): string {
  return pathname.startsWith('/_app/immutable/') ? 'public, max-age=31536000, immutable' : 'no-cache';
}

async function sendBody(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: Buffer,
): Promise<void> {
  const type = headers['content-type'] ?? '';
  const encoding =
    COMPRESSIBLE.test(type) && body.length > 512 ? pickEncoding(req.headers['accept-encoding']) : 'identity';
  const out = encoding === 'br' ? await brotli(body) : encoding === 'gzip' ? await gzip(body) : body;
  res.writeHead(status, {
    ...headers,
    vary: 'accept-encoding',
    'content-length': String(out.length),
    ...(encoding === 'identity' ? {} : { 'content-encoding': encoding }),
  });
  res.end(req.method === 'HEAD' ? undefined : out);
}

/** A file under the client output for `pathname`, or null (directories and paths that climb out do not count). */
async function staticFile(pathname: string): Promise<{ file: string; size: number; mtimeMs: number } | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  const file = path.join(CLIENT_DIR, path.normalize(decoded));
  if (!file.startsWith(CLIENT_DIR + path.sep)) return null;
  const info = await stat(file).catch(() => null);
  return info?.isFile() ? { file, size: info.size, mtimeMs: info.mtimeMs } : null;
}

async function serveStatic(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  pathname: string,
  found: { file: string; size: number; mtimeMs: number },
): Promise<void> {
  const type = MIME[path.extname(found.file)] ?? 'application/octet-stream';
  const etag = `W/"${found.size.toString(36)}-${Math.floor(found.mtimeMs).toString(36)}"`;
  const headers: Record<string, string> = {
    'content-type': type,
    'cache-control': cacheControl(pathname),
    etag,
    'x-content-type-options': 'nosniff',
  };
  if (pathname === '/service-worker.js') headers['service-worker-allowed'] = '/';
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const encoding =
    COMPRESSIBLE.test(type) && found.size > 512 ? pickEncoding(req.headers['accept-encoding']) : 'identity';
  headers.vary = 'accept-encoding';
  if (encoding === 'identity') {
    res.writeHead(200, { ...headers, 'content-length': String(found.size) });
    if (req.method === 'HEAD') res.end();
    else createReadStream(found.file).pipe(res);
    return;
  }
  const body = await compressed(found.file, found.mtimeMs, encoding);
  res.writeHead(200, { ...headers, 'content-encoding': encoding, 'content-length': String(body.length) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

interface KitServer {
  init(options: { env: Record<string, string> }): Promise<void>;
  respond(request: Request, options: { getClientAddress(): string }): Promise<Response>;
}

/** SvelteKit's server from the build (it renders the shell HTML for every page route; ssr is off). */
async function loadKit(): Promise<KitServer> {
  const { Server } = (await import(pathToFileURL(path.join(SERVER_DIR, 'index.js')).href)) as {
    Server: new (manifest: unknown) => KitServer;
  };
  const { manifest } = (await import(pathToFileURL(path.join(SERVER_DIR, 'manifest.js')).href)) as {
    manifest: unknown;
  };
  const kit = new Server(manifest);
  // No CLAUDEOPS_API_URL: this server forwards /api itself, before SvelteKit sees the request.
  await kit.init({ env: {} });
  return kit;
}

async function renderPage(kit: KitServer, req: http.IncomingMessage, res: http.ServerResponse, origin: string) {
  const request = new Request(new URL(req.url ?? '/', origin), {
    method: req.method,
    headers: Object.entries(req.headers).flatMap(([name, value]) =>
      value === undefined ? [] : [[name, Array.isArray(value) ? value.join(', ') : value] as [string, string]],
    ),
  });
  const response = await kit.respond(request, { getClientAddress: () => req.socket.remoteAddress ?? '127.0.0.1' });
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'content-length' && name !== 'content-encoding') headers[name] = value;
  });
  // SvelteKit's server (built by Vite 8) also lists its own server-side chunks (/chunks/…, /entries/…) as
  // modulepreload links; the browser would fetch each of them for a 404. Only the client's files are preloaded.
  if (headers.link !== undefined) {
    const links = headers.link.split(/,\s*(?=<)/).filter((entry) => entry.startsWith('</_app/'));
    if (links.length > 0) headers.link = links.join(', ');
    else delete headers.link;
  }
  headers['cache-control'] = 'no-cache';
  headers['x-content-type-options'] = 'nosniff';
  headers['referrer-policy'] = 'same-origin';
  await sendBody(req, res, response.status, headers, Buffer.from(await response.arrayBuffer()));
}

/** What the control plane answers: the API, webhook endpoints (so the URL a webhook shows works here) and MCP. */
const FORWARDED = ['/api', '/hooks', '/mcp'];
const isApiPath = (pathname: string) => FORWARDED.some((p) => pathname === p || pathname.startsWith(`${p}/`));

/** Forwards one HTTP request to the control plane as it is (headers, Origin, cookie; streamed both ways). */
function proxyHttp(api: URL, req: http.IncomingMessage, res: http.ServerResponse): void {
  const upstream = http.request(
    { host: api.hostname, port: api.port, method: req.method, path: req.url, headers: req.headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => {
    if (!res.headersSent) {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ error: { code: 'UPSTREAM_UNAVAILABLE', message: 'the control plane is not answering' } }),
      );
    } else res.destroy();
  });
  req.pipe(upstream);
}

/** Forwards a WebSocket upgrade to the control plane byte for byte. */
function proxyUpgrade(api: URL, req: http.IncomingMessage, socket: net.Socket, head: Buffer): void {
  const upstream = net.connect(Number(api.port), api.hostname, () => {
    const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length) upstream.write(head);
    upstream.pipe(socket);
    socket.pipe(upstream);
  });
  const close = () => {
    upstream.destroy();
    socket.destroy();
  };
  upstream.on('error', close);
  socket.on('error', close);
  upstream.on('close', () => socket.destroy());
  socket.on('close', () => upstream.destroy());
}

export interface DashboardServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves the built dashboard on host:port with /api forwarded to `apiUrl`. */
export async function serveDashboard(options: {
  apiUrl: string;
  port: number;
  host?: string;
}): Promise<DashboardServer> {
  const host = options.host ?? '127.0.0.1';
  const api = new URL(options.apiUrl);
  const kit = await loadKit();
  const origin = `http://${host}:${options.port}`;
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', origin).pathname;
    if (isApiPath(pathname)) return proxyHttp(api, req, res);
    void (async () => {
      const found = req.method === 'GET' || req.method === 'HEAD' ? await staticFile(pathname) : null;
      if (found) await serveStatic(req, res, pathname, found);
      else await renderPage(kit, req, res, origin);
    })().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`dashboard server error: ${error instanceof Error ? error.message : String(error)}`);
    });
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    if (isApiPath(new URL(req.url ?? '/', origin).pathname)) proxyUpgrade(api, req, socket, head);
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  return {
    url: origin,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
