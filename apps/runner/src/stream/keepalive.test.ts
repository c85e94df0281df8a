// Keepalive against a loopback server: a peer that stops answering pings is cut, a live one is kept.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { keepAlive } from './keepalive';

const servers: WebSocketServer[] = [];

async function server(autoPong: boolean): Promise<string> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, autoPong });
  servers.push(wss);
  await once(wss, 'listening');
  return `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
}

afterEach(async () => {
  for (const wss of servers.splice(0)) {
    for (const client of wss.clients) client.terminate();
    await new Promise((resolve) => wss.close(resolve));
  }
});

describe('keepAlive', () => {
  it('terminates a socket whose peer no longer answers pings (a half-open connection)', async () => {
    const ws = new WebSocket(await server(false));
    await once(ws, 'open');
    keepAlive(ws, 20);
    const [code] = (await once(ws, 'close')) as [number];
    expect(code).toBe(1006);
  });

  it('keeps a socket whose peer answers', async () => {
    const ws = new WebSocket(await server(true));
    await once(ws, 'open');
    keepAlive(ws, 20);
    let pongs = 0;
    ws.on('pong', () => (pongs += 1));
    while (pongs < 5) await once(ws, 'pong');
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
  });
});
