// Which GitHub repository (owner/name) an execution's `repo` URL names, for opening its pull request (report.ts):
// https://github.com/o/n(.git), git@github.com:o/n.git, ssh://git@github.com/o/n.git, or the same on the web host of
// a GitHub Enterprise API URL (https://ghe.example.com/api/v3 → ghe.example.com). Pure; tested beside it.
import { DEFAULT_GITHUB_API_URL } from './client';

const NAME = /^([A-Za-z0-9_.-]{1,100})\/([A-Za-z0-9_.-]{1,100}?)(?:\.git)?\/?$/;

/** The web host of the GitHub an API URL belongs to: api.github.com → github.com; else the API URL's host. */
export function webHostOf(apiUrl: string = DEFAULT_GITHUB_API_URL): string | null {
  try {
    const host = new URL(apiUrl).hostname.toLowerCase();
    return host === 'api.github.com' ? 'github.com' : host.replace(/^api\./, '');
  } catch {
    return null;
  }
}

/** owner/name of `repo` when it is on github.com or the configured GitHub's web host; null otherwise. */
export function githubRepoName(repo: string, apiUrl?: string): string | null {
  const hosts = new Set(['github.com', webHostOf(apiUrl) ?? 'github.com']);
  let host: string;
  let path: string;
  const scp = /^[A-Za-z0-9_.-]+@([A-Za-z0-9.-]+):(?!\/)(.+)$/.exec(repo);
  if (scp !== null) {
    host = scp[1]!;
    path = scp[2]!;
  } else {
    let url: URL;
    try {
      url = new URL(repo);
    } catch {
      return null;
    }
    if (!['https:', 'http:', 'ssh:', 'git:'].includes(url.protocol)) return null;
    host = url.hostname;
    path = url.pathname.replace(/^\//, '');
  }
  if (!hosts.has(host.toLowerCase())) return null;
  const match = NAME.exec(path);
  if (match === null || match[2] === '' || match[1] === '.' || match[1] === '..') return null;
  return `${match[1]}/${match[2]}`;
}
