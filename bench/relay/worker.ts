// The benchmark's baseline: a bare Durable Object relay that persists one row per frame and forwards it to viewers.
// It does no validation, sequencing or dedupe, so it is the floor the ExecutionHub is measured against.
import { DurableObject } from 'cloudflare:workers';

interface RelayEnv {
  RELAY: DurableObjectNamespace<BareRelay>;
}

export class BareRelay extends DurableObject<RelayEnv> {
  constructor(ctx: DurableObjectState, env: RelayEnv) {
    super(ctx, env);
    ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS frames (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  }

  override async fetch(request: Request): Promise<Response> {
    const role = new URL(request.url).pathname.endsWith('/producer') ? 'producer' : 'viewer';
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1], [role]);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (typeof message !== 'string') return;
    const cursor = this.ctx.storage.sql.exec('INSERT INTO frames (body) VALUES (?) RETURNING id', message);
    const id = cursor.one().id as number;
    for (const viewer of this.ctx.getWebSockets('viewer')) {
      try {
        viewer.send(message);
      } catch {
        // A viewer that went away misses frames; the relay keeps no replay.
      }
    }
    ws.send(JSON.stringify({ type: 'ack', id }));
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    try {
      ws.close(code === 1005 ? 1000 : code, 'bye');
    } catch {
      // Already closed.
    }
  }
}

export default {
  async fetch(request: Request, env: RelayEnv): Promise<Response> {
    const url = new URL(request.url);
    const match = url.pathname.match(/^\/relay\/([\w-]+)\/(producer|viewer)$/);
    if (!match || request.headers.get('upgrade') !== 'websocket') return new Response('not found', { status: 404 });
    return env.RELAY.get(env.RELAY.idFromName(match[1]!)).fetch(request);
  },
} satisfies ExportedHandler<RelayEnv>;
