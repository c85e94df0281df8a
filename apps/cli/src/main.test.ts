// Unit tests for the command line as a whole, against a stand-in fetch: usage errors are one sentence with exit 64,
// API errors show the API's message with exit 5, --json prints what the API gave, and no colour off a terminal.
import { describe, expect, it } from 'vitest';
import { main } from './main';

function harness(answer: (request: Request) => Response | Promise<Response>) {
  let stdout = '';
  let stderr = '';
  const requests: Request[] = [];
  const io = {
    env: { CLAUDEOPS_URL: 'http://cp.test', CLAUDEOPS_TOKEN: 'coa_test', NO_COLOR: '' },
    cwd: '/',
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    fetch: async (request: Request) => {
      requests.push(request.clone());
      return answer(request);
    },
  };
  return { io, requests, out: () => stdout, err: () => stderr };
}

const execution = {
  id: 'ex_01jc0000000000000000000000',
  status: 'succeeded',
  agent: 'default',
  costUsd: 0.1234,
  createdAt: new Date().toISOString(),
  prompt: 'Say hello',
};

describe('claudeops main', () => {
  it('exits 64 with one sentence for an unknown flag, a missing argument or an unknown command', async () => {
    for (const argv of [['ls', '--bogus'], ['cancel'], ['frobnicate'], ['approve', 'ap_x', '--remember', 'forever']]) {
      const h = harness(() => new Response('{}'));
      expect(await main(argv, h.io)).toBe(64);
      expect(h.err().trim().split('\n')).toHaveLength(1);
      expect(h.err()).toMatch(/^claudeops: /);
      expect(h.requests).toHaveLength(0);
    }
  });

  it('prints the API’s own message and exits 5 when the API refuses', async () => {
    const h = harness(() =>
      Response.json({ error: { code: 'NOT_FOUND', message: 'execution ex_x does not exist' } }, { status: 404 }),
    );
    expect(await main(['status', 'ex_x'], h.io)).toBe(5);
    expect(h.err()).toBe('claudeops: execution ex_x does not exist\n');
    expect(h.out()).toBe('');
  });

  it('sends ls filters as the query, with the token in the header, and prints --json as given', async () => {
    const page = { items: [execution], nextCursor: null };
    const h = harness(() => Response.json(page));
    expect(await main(['ls', '--status', 'succeeded', '--label', 'ci', '--limit', '5', '--json'], h.io)).toBe(0);
    const url = new URL(h.requests[0]!.url);
    expect(url.pathname).toBe('/api/v1/executions');
    expect(Object.fromEntries(url.searchParams)).toEqual({ status: 'succeeded', label: 'ci', limit: '5' });
    expect(h.requests[0]!.headers.get('authorization')).toBe('Bearer coa_test');
    expect(JSON.parse(h.out())).toEqual(page);
  });

  it('run without -f posts the body and prints only the id; the table has no escape codes off a TTY', async () => {
    const h = harness(async (request) =>
      request.method === 'POST'
        ? Response.json(execution, { status: 201 })
        : Response.json({ items: [execution], nextCursor: null }),
    );
    expect(await main(['run', 'Say hello', '--budget', '1', '--label', 'x'], h.io)).toBe(0);
    expect(await h.requests[0]!.json()).toEqual({ prompt: 'Say hello', maxBudgetUsd: 1, labels: ['x'] });
    expect(h.out()).toBe(`${execution.id}\n`);
    expect(await main(['ls'], h.io)).toBe(0);
    expect(h.out()).toContain('succeeded');
    expect(h.out()).not.toContain('\x1b[');
  });

  it('runners add --json is the subcommand’s flag: the token, its expiry and the start command', async () => {
    const minted = { token: 'crt_abc', expiresAt: '2026-12-03T14:00:00.000Z', labels: ['gpu'], maxConcurrent: 2 };
    const h = harness(() => Response.json(minted, { status: 201 }));
    expect(
      await main(['runners', 'add', '--label', 'gpu', '--max-concurrent', '2', '--name', 'box', '--json'], h.io),
    ).toBe(0);
    expect(await h.requests[0]!.json()).toEqual({ labels: ['gpu'], maxConcurrent: 2 });
    expect(JSON.parse(h.out())).toEqual({
      ...minted,
      command: 'CLAUDEOPS_REGISTRATION_TOKEN=crt_abc npx claudeops-runner start --url http://cp.test --name box',
    });
  });

  it('says how to log in when there is no configuration', async () => {
    const h = harness(() => new Response('{}'));
    expect(await main(['runners'], { ...h.io, env: { XDG_CONFIG_HOME: '/nonexistent' } })).toBe(5);
    expect(h.err()).toMatch(/^claudeops: not logged in: run claudeops login/);
  });

  it('prints help for each command and exits 0', async () => {
    const h = harness(() => new Response('{}'));
    expect(await main(['run', '--help'], h.io)).toBe(0);
    expect(h.out()).toContain('--wait-approvals');
    expect(h.out()).toContain('4  it needs a person');
  });
});
