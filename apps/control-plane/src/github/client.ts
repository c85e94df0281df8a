// A small GitHub REST client over fetch, for reporting back (report.ts): the token from CLAUDEOPS_GITHUB_TOKEN as a
// Bearer, CLAUDEOPS_GITHUB_API_URL for GitHub Enterprise and tests, and every failure sorted into "try again later"
// (network, 5xx, 429 or a secondary rate limit) or "give up" (401/403/404/422: GitHub's own message says why).
export const DEFAULT_GITHUB_API_URL = 'https://api.github.com';
const USER_AGENT = 'ClaudeOps-control-plane';
/** One GitHub call gives up after this long (and counts as a transient failure). */
const CALL_TIMEOUT_MS = 15_000;
const MESSAGE_MAX = 300;

export type GithubFetch = (request: Request) => Promise<Response>;

/** A GitHub call failed. `retry`: worth another try later (network, 5xx, rate limited); else give up. */
export class GithubError extends Error {
  override name = 'GithubError';
  constructor(
    message: string,
    readonly retry: boolean,
    readonly status: number | null,
    /** Seconds GitHub asked to wait (Retry-After), when it said. */
    readonly retryAfterS: number | null = null,
  ) {
    super(message);
  }
}

export interface GithubConfig {
  token: string;
  apiUrl: string;
  fetch?: GithubFetch;
}

/** The configured client, or null when no token is set (reporting back is off). */
export function githubConfig(env: Env, fetcher?: GithubFetch): GithubConfig | null {
  const token = env.CLAUDEOPS_GITHUB_TOKEN?.trim();
  if (!token) return null;
  const apiUrl = (env.CLAUDEOPS_GITHUB_API_URL?.trim() || DEFAULT_GITHUB_API_URL).replace(/\/+$/, '');
  return { token, apiUrl, ...(fetcher ? { fetch: fetcher } : {}) };
}

export interface RepoInfo {
  default_branch: string;
  html_url: string;
}
export interface CreatedComment {
  id: number;
  html_url: string;
}
export interface CreatedPull {
  number: number;
  html_url: string;
}

export class GithubClient {
  constructor(private readonly config: GithubConfig) {}

  getRepo(repo: string): Promise<RepoInfo> {
    return this.call<RepoInfo>('GET', `/repos/${repo}`);
  }

  comment(repo: string, number: number, body: string): Promise<CreatedComment> {
    return this.call<CreatedComment>('POST', `/repos/${repo}/issues/${number}/comments`, { body });
  }

  openPull(repo: string, pull: { title: string; head: string; base: string; body: string }): Promise<CreatedPull> {
    return this.call<CreatedPull>('POST', `/repos/${repo}/pulls`, pull);
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const what = `GitHub ${method} ${path}`;
    const request = new Request(`${this.config.apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.config.token}`,
        accept: 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
        'user-agent': USER_AGENT,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
    });
    let response: Response;
    try {
      response = await (this.config.fetch ?? fetch)(request);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new GithubError(`${what}: could not reach GitHub (${why})`, true, null);
    }
    if (response.ok) return (await response.json()) as T;
    throw await errorOf(what, response);
  }
}

/** GitHub's error `{ message, errors: [{ message }|{ code, field }] }` as one sentence, sorted into retry or not. */
export async function errorOf(what: string, response: Response): Promise<GithubError> {
  const text = await response.text().catch(() => '');
  let message = text.slice(0, MESSAGE_MAX);
  try {
    const parsed = JSON.parse(text) as {
      message?: string;
      errors?: { message?: string; code?: string; field?: string }[];
    };
    const details = (parsed.errors ?? [])
      .map((e) => e.message ?? [e.field, e.code].filter(Boolean).join(' '))
      .filter((d) => d !== '');
    message = [parsed.message, ...details].filter(Boolean).join(': ').slice(0, MESSAGE_MAX);
  } catch {
    // not JSON: keep the text
  }
  const { status } = response;
  const retryAfter = Number(response.headers.get('retry-after'));
  const retryAfterS = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null;
  const limited =
    status === 429 ||
    (status === 403 && (response.headers.get('x-ratelimit-remaining') === '0' || /rate limit/i.test(message)));
  const retry = status >= 500 || limited;
  const said = message === '' ? '' : `: ${message}`;
  const label = limited ? 'rate limited' : `${status}`;
  return new GithubError(`${what} failed (${label})${said}`, retry, status, retryAfterS);
}
