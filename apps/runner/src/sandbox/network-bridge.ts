// The way out of a confined execution's own network namespace (used by sandbox.ts): the runner listens on unix sockets
// in a per-execution directory bound into the sandbox (one to the model proxy, one to the egress proxy of an
// allow-list), and socat inside listens on loopback ports and forwards to them before Claude Code starts.
import { unlink } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { NetworkPolicy } from '@claudeops/control-plane/protocol';
import { createEgressProxy } from './egress-proxy';

/** The port the egress proxy has inside the sandbox (its own network namespace: nothing else listens there). */
export const EGRESS_PORT = 3128;
/** sun_path holds 108 bytes, the terminating NUL included. */
const MAX_SOCKET_PATH = 107;
/** socat address syntax gives meaning to `:`, `,`, `!` and quotes: the bridge's paths stay plain. */
const PLAIN_PATH = /^[A-Za-z0-9._/+-]+$/;

export interface BridgeOptions {
  /** A directory of this execution only, bound read-only into the sandbox at the same path. */
  dir: string;
  /** Claude Code's ANTHROPIC_BASE_URL: the model proxy on host loopback. */
  modelBaseUrl: string;
  network: Exclude<NetworkPolicy, 'open'>;
  socatPath: string;
  onRefused?: (host: string) => void;
  resolveHost?: (host: string) => string;
}

export interface NetworkBridge {
  /** The shell command that starts socat for every socket, waits until each listens, then execs its arguments. */
  readonly prelude: string[];
  /** Proxy variables for Claude Code and its tools (an allow-list run). */
  readonly env: Record<string, string>;
  close(): Promise<void>;
}

export class BridgeError extends Error {
  override name = 'BridgeError';
}

const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** The local address of 127.0.0.1:port in a LISTEN row of /proc/net/tcp. */
const listenRow = (port: number) => `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')} 00000000:0000 0A`;

/** The shell script behind `prelude` (exported for the unit test): one socat per listener, then exec "$@". */
export function preludeScript(socatPath: string, listeners: Array<{ port: number; socket: string }>): string {
  const lines = listeners.map(
    ({ port, socket }) =>
      `${quote(socatPath)} TCP-LISTEN:${port},bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:${socket} 2>/dev/null &`,
  );
  // socat starts in milliseconds and Claude Code in hundreds; this makes the order certain, bounded at about 5 s.
  for (const { port } of listeners) {
    lines.push(
      `n=0; until grep -q '${listenRow(port)}' /proc/net/tcp; do n=$((n+1)); ` +
        `if [ $n -gt 500 ]; then echo 'claudeops: the sandbox network bridge did not start' >&2; exit 125; fi; ` +
        `sleep 0.01; done`,
    );
  }
  lines.push('exec "$@"');
  return lines.join('\n');
}

function listenUnix(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Starts the runner's side of the bridge; the caller binds `dir` into the sandbox and runs `prelude`. */
export async function startBridge(options: BridgeOptions): Promise<NetworkBridge> {
  const model = new URL(options.modelBaseUrl);
  const modelPort = Number(model.port || (model.protocol === 'https:' ? 443 : 80));
  if (model.hostname !== '127.0.0.1' && model.hostname !== 'localhost') {
    throw new BridgeError(`the model proxy must listen on host loopback, not ${model.hostname}`);
  }
  const modelSocket = join(options.dir, 'model.sock');
  const egressSocket = join(options.dir, 'egress.sock');
  for (const path of [modelSocket, egressSocket, options.socatPath]) {
    if (!PLAIN_PATH.test(path)) throw new BridgeError(`cannot bridge the sandbox network through ${path}`);
    if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
      throw new BridgeError(`the state dir path is too long for the sandbox network bridge's sockets (${path})`);
    }
  }
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const close = async () => {
    for (const socket of sockets) socket.destroy();
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    await Promise.all([modelSocket, egressSocket].map((path) => unlink(path).catch(() => undefined)));
  };
  try {
    const modelServer = createServer((inside) => {
      track(inside);
      const upstream = connect(modelPort, '127.0.0.1');
      track(upstream);
      inside.pipe(upstream).pipe(inside);
      inside.once('close', () => upstream.destroy());
      upstream.once('close', () => inside.destroy());
    });
    servers.push(modelServer);
    await listenUnix(modelServer, modelSocket);
    const listeners = [{ port: modelPort, socket: modelSocket }];
    const env: Record<string, string> = {};
    if (typeof options.network === 'object') {
      const egress = createEgressProxy({
        allow: options.network.allow,
        ...(options.onRefused && { onRefused: options.onRefused }),
        ...(options.resolveHost && { resolveHost: options.resolveHost }),
      });
      egress.on('connection', track);
      servers.push(egress);
      await listenUnix(egress, egressSocket);
      const port = EGRESS_PORT === modelPort ? EGRESS_PORT + 1 : EGRESS_PORT;
      listeners.push({ port, socket: egressSocket });
      const proxy = `http://127.0.0.1:${port}`;
      // The sandbox's own loopback (the model bridge, a test server a tool starts) is never proxied.
      const noProxy = '127.0.0.1,localhost,::1';
      Object.assign(env, {
        HTTPS_PROXY: proxy,
        HTTP_PROXY: proxy,
        https_proxy: proxy,
        http_proxy: proxy,
        NO_PROXY: noProxy,
        no_proxy: noProxy,
      });
    }
    return { prelude: ['/bin/sh', '-c', preludeScript(options.socatPath, listeners), 'claudeops-bridge'], env, close };
  } catch (error) {
    await close();
    throw error instanceof BridgeError
      ? error
      : new BridgeError(`cannot start the sandbox network bridge: ${String(error)}`);
  }
}
