// The fake GitHub API fixture answers as GitHub does: the token checked, the repository's default branch, comments,
// pull requests only from a head branch that exists in the bare repository (else 422), and injected failures.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGithub, type FakeGithub } from '../fixtures/fake-github';

let dir: string;
let github: FakeGithub;
const git = (...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@localhost', ...args], { encoding: 'utf8' }).trim();

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'claudeops-fake-github-'));
  const source = path.join(dir, 'src');
  git('init', '-q', '-b', 'main', source);
  await writeFile(path.join(source, 'README.md'), 'x\n');
  git('-C', source, 'add', '.');
  git('-C', source, 'commit', '-q', '-m', 'initial');
  const bare = path.join(dir, 'widgets.git');
  git('clone', '-q', '--bare', source, bare);
  github = await startFakeGithub({ token: 'ghp_t', bareRepos: { 'acme/widgets': bare } });
});
afterAll(async () => {
  await github?.close();
  await rm(dir, { recursive: true, force: true });
});

const call = (method: string, p: string, body?: unknown, token = 'ghp_t') =>
  fetch(`${github.url}${p}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

describe('fake GitHub API', () => {
  it('checks the token and knows only its repositories', async () => {
    expect((await call('GET', '/repos/acme/widgets', undefined, 'nope')).status).toBe(401);
    expect((await call('GET', '/repos/acme/other')).status).toBe(404);
    expect(await (await call('GET', '/repos/acme/widgets')).json()).toMatchObject({
      full_name: 'acme/widgets',
      default_branch: 'main',
    });
  });

  it('creates comments and pull requests in the real shapes; 422 for a head branch the remote lacks', async () => {
    const comment = await call('POST', '/repos/acme/widgets/issues/3/comments', { body: 'hi' });
    expect(comment.status).toBe(201);
    expect(await comment.json()).toMatchObject({
      id: expect.any(Number),
      body: 'hi',
      html_url: expect.stringMatching(/^https:\/\/github\.com\/acme\/widgets\/issues\/3#issuecomment-\d+$/),
    });
    const missing = await call('POST', '/repos/acme/widgets/pulls', { title: 't', head: 'nope', base: 'main' });
    expect(missing.status).toBe(422);
    expect(await missing.json()).toMatchObject({ message: 'Validation Failed', errors: [{ field: 'head' }] });
    const pull = await call('POST', '/repos/acme/widgets/pulls', { title: 't', head: 'main', base: 'main', body: 'b' });
    expect(pull.status).toBe(201);
    expect(await pull.json()).toMatchObject({
      number: 1,
      html_url: 'https://github.com/acme/widgets/pull/1',
      head: { ref: 'main' },
      base: { ref: 'main' },
    });
  });

  it('fails on purpose (500 once, then OK) and records every call', async () => {
    github.api.failNext('GET', /^\/repos\/acme\/widgets$/);
    expect((await call('GET', '/repos/acme/widgets')).status).toBe(500);
    expect((await call('GET', '/repos/acme/widgets')).status).toBe(200);
    expect(
      github.api
        .callsTo('GET', /^\/repos\/acme\/widgets$/)
        .map((c) => c.status)
        .slice(-2),
    ).toEqual([500, 200]);
  });
});
