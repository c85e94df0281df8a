// The GitHub client's headers and its sorting of failures into "try again" and "give up", with GitHub's message.
import { describe, expect, it } from 'vitest';
import { errorOf, GithubClient, GithubError, githubConfig } from './client';

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

describe('errorOf', () => {
  it.each([
    [500, {}, true],
    [502, {}, true],
    [429, { 'retry-after': '7' }, true],
    [403, { 'x-ratelimit-remaining': '0' }, true],
    [401, {}, false],
    [403, {}, false],
    [404, {}, false],
    [422, {}, false],
  ])('%i %j is retry=%s', async (status, headers, retry) => {
    const error = await errorOf('GitHub POST /x', json(status, { message: 'Nope' }, headers));
    expect(error.retry).toBe(retry);
    expect(error.status).toBe(status);
  });

  it("keeps GitHub's message and validation errors, and a secondary rate limit's Retry-After", async () => {
    const refused = await errorOf(
      'GitHub POST /repos/o/n/pulls',
      json(422, {
        message: 'Validation Failed',
        errors: [{ resource: 'PullRequest', field: 'head', code: 'invalid' }],
      }),
    );
    expect(refused.message).toBe('GitHub POST /repos/o/n/pulls failed (422): Validation Failed: head invalid');
    const limited = await errorOf(
      'GitHub POST /c',
      json(403, { message: 'You have exceeded a secondary rate limit' }, { 'retry-after': '60' }),
    );
    expect(limited).toMatchObject({ retry: true, retryAfterS: 60 });
    expect(limited.message).toContain('rate limited');
  });
});

describe('GithubClient', () => {
  it('sends the token, the API version and a user agent to the configured API URL', async () => {
    const seen: Request[] = [];
    const config = githubConfig(
      { CLAUDEOPS_GITHUB_TOKEN: ' ghp_x ', CLAUDEOPS_GITHUB_API_URL: 'https://ghe.example.com/api/v3/' } as Env,
      async (request) => {
        seen.push(request);
        return json(201, { id: 1, html_url: 'https://ghe.example.com/o/n/issues/3#issuecomment-1' });
      },
    );
    await new GithubClient(config!).comment('o/n', 3, 'hi');
    expect(seen[0]!.url).toBe('https://ghe.example.com/api/v3/repos/o/n/issues/3/comments');
    expect(Object.fromEntries(seen[0]!.headers)).toMatchObject({
      authorization: 'Bearer ghp_x',
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      'user-agent': expect.stringContaining('ClaudeOps'),
    });
    expect(await seen[0]!.json()).toEqual({ body: 'hi' });
    expect(githubConfig({} as Env)).toBeNull();
    expect(githubConfig({ CLAUDEOPS_GITHUB_TOKEN: 't' } as Env)?.apiUrl).toBe('https://api.github.com');
  });

  it('turns an unreachable GitHub into a transient error', async () => {
    const client = new GithubClient({
      token: 't',
      apiUrl: 'https://api.github.com',
      fetch: () => Promise.reject(new TypeError('fetch failed')),
    });
    const error = await client.getRepo('o/n').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GithubError);
    expect(error).toMatchObject({
      retry: true,
      status: null,
      message: expect.stringMatching(/could not reach GitHub/),
    });
  });
});
