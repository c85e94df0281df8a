import { createServer, request, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createEgressProxy, hostAllowed, parseAuthority } from './egress-proxy';

describe('hostAllowed', () => {
  it('matches exact names and *. subdomains, case-insensitively', () => {
    const allow = ['registry.npmjs.org', '*.github.com'];
    expect(hostAllowed('registry.npmjs.org', allow)).toBe(true);
    expect(hostAllowed('REGISTRY.npmjs.org.', allow)).toBe(true);
    expect(hostAllowed('api.github.com', allow)).toBe(true);
    expect(hostAllowed('a.b.github.com', allow)).toBe(true);
    expect(hostAllowed('github.com', allow)).toBe(false);
    expect(hostAllowed('evilgithub.com', allow)).toBe(false);
    expect(hostAllowed('registry.npmjs.org.evil.com', allow)).toBe(false);
    expect(hostAllowed('', allow)).toBe(false);
  });

  it('parses CONNECT authorities', () => {
    expect(parseAuthority('example.com:443')).toEqual({ host: 'example.com', port: 443 });
    expect(parseAuthority('[::1]:8443')).toEqual({ host: '::1', port: 8443 });
    expect(parseAuthority('example.com')).toBeNull();
    expect(parseAuthority('example.com:0')).toBeNull();
    expect(parseAuthority('a b:1')).toBeNull();
  });
});

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** A CONNECT through the proxy; resolves the status line, and what the tunnel answers to `send` when it opened. */
function tunnel(proxyPort: number, authority: string, send: string): Promise<{ status: string; reply: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(proxyPort, '127.0.0.1');
    let buffer = '';
    let opened = false;
    socket.on('data', (chunk) => {
      buffer += chunk.toString();
      if (!opened && buffer.includes('\r\n\r\n')) {
        const status = buffer.split('\r\n')[0]!;
        if (!status.includes(' 200 ')) {
          socket.destroy();
          return resolve({ status, reply: buffer });
        }
        opened = true;
        buffer = buffer.slice(buffer.indexOf('\r\n\r\n') + 4);
        socket.write(send);
      }
    });
    socket.on('end', () => resolve({ status: 'HTTP/1.1 200 Connection Established', reply: buffer }));
    socket.on('error', reject);
    socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
  });
}

describe('egress proxy', () => {
  it('tunnels CONNECT to an allowed host and answers 403 for any other', async () => {
    const target = await listen(createServer((_req, res) => res.end('inside the allow-list')));
    const refused: string[] = [];
    const proxy = await listen(createEgressProxy({ allow: ['localhost'], onRefused: (host) => refused.push(host) }));

    const allowed = await tunnel(
      proxy,
      `localhost:${target}`,
      'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(allowed.reply).toContain('inside the allow-list');

    const blocked = await tunnel(proxy, `127.0.0.1:${target}`, '');
    expect(blocked.status).toBe('HTTP/1.1 403 Forbidden');
    expect(blocked.reply).toContain("blocked by the execution's network allow-list: 127.0.0.1");
    expect(refused).toEqual(['127.0.0.1']);
  });

  it('forwards plain HTTP to an allowed host only', async () => {
    const target = await listen(createServer((req, res) => res.end(`got ${req.url}`)));
    const proxy = await listen(createEgressProxy({ allow: ['*.test'], resolveHost: () => '127.0.0.1' }));
    const get = (host: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        request({ host: '127.0.0.1', port: proxy, path: `http://${host}:${target}/path?q=1` }, (res) => {
          let body = '';
          res.on('data', (chunk) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        })
          .on('error', reject)
          .end();
      });
    expect(await get('api.example.test')).toEqual({ status: 200, body: 'got /path?q=1' });
    expect((await get('example.com')).status).toBe(403);
  });
});
