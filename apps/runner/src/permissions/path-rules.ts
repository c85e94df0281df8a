// File path rules (`Edit(src/**)`, `Read(~/.ssh/**)`) against the file a call touches (used by permissions.ts and
// bash-rules.ts). A path is judged as written and as the file system will resolve it: symlinks followed (the real
// path of the deepest existing parent, with the rest appended), so `src/x -> ~/.ssh` committed in a repository does
// not make `src/x/config` an edit under src/. Deny and ask rules match either form; an allow needs the real path.
import { lstatSync, readlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { globToRegExp } from './glob';
import type { ParsedRule } from './rule-syntax';

export interface MatchContext {
  /** The execution's working directory: relative path patterns and relative file paths resolve against it. */
  cwd: string;
  /** For `~/` patterns; the runner's home by default. */
  home?: string;
}

const MAX_LINKS = 40;

/** `path` (relative to `cwd`) as the kernel resolves it: each existing symlink followed, `..` after it. */
export function physicalPath(path: string, cwd: string, hops = 0): string {
  const absolute = isAbsolute(path) ? path : `${cwd}/${path}`;
  let current = '/';
  for (const segment of absolute.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      current = dirname(current);
      continue;
    }
    const next = join(current, segment);
    let link: string | null = null;
    try {
      if (lstatSync(next).isSymbolicLink()) link = readlinkSync(next);
    } catch {
      // Does not exist (yet): the rest is taken as written.
    }
    if (link === null || hops >= MAX_LINKS) current = next;
    else current = physicalPath(link, current, hops + 1);
  }
  return current;
}

/** A gitignore-style path pattern resolved to an absolute glob: `/abs`, `//abs`, `~/x`, `./x`, `x`, `*.env`. */
function absolutePattern(pattern: string, cwd: string, home: string): string {
  let body = pattern.endsWith('/') ? `${pattern}**` : pattern;
  if (body.startsWith('//')) return body.slice(1);
  if (isAbsolute(body)) return body;
  if (body === '~' || body.startsWith('~/')) return `${home}${body.slice(1)}`;
  if (body.startsWith('./')) body = body.slice(2);
  // Like gitignore: a pattern with no slash in it matches at any depth below the base.
  else if (!body.includes('/')) body = `**/${body}`;
  return `${cwd.replace(/\/+$/, '')}/${body}`;
}

function globMatches(pattern: string, path: string, cwd: string, home: string): boolean {
  const glob = absolutePattern(pattern, cwd, home);
  // A pattern naming a directory covers everything in it.
  return globToRegExp(glob).test(path) || globToRegExp(`${glob.replace(/\/+$/, '')}/**`).test(path);
}

/** The pattern against the path as written (both lexically resolved against the context). */
export function pathMatches(pattern: string, path: string, context: MatchContext): boolean {
  return globMatches(pattern, resolve(context.cwd, path), context.cwd, context.home ?? homedir());
}

/** The pattern against the path as the file system resolves it (the workspace and home resolved the same way). */
export function realPathMatches(pattern: string, path: string, context: MatchContext): boolean {
  const cwd = physicalPath(context.cwd, '/');
  const home = physicalPath(context.home ?? homedir(), '/');
  return globMatches(pattern, physicalPath(path, context.cwd), cwd, home);
}

/** Whether the file at `path` really lies in the workspace. */
export function inWorkspace(path: string, context: MatchContext): boolean {
  const root = physicalPath(context.cwd, '/');
  const real = physicalPath(path, context.cwd);
  return real === root || real.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** Whether the file at `path` is part of git's own records (a `.git` file or directory), below the workspace. */
export function inGitRecords(path: string, context: MatchContext): boolean {
  const root = physicalPath(context.cwd, '/');
  const real = physicalPath(path, context.cwd);
  const below = inWorkspace(path, context) ? real.slice(root.length) : real;
  return below.split(sep).includes('.git');
}

/**
 * One path rule against the file a call touches. For a deny or an ask, the path as written or as resolved matching
 * is enough. For an allow, the resolved path must match; and a bare `Edit`/`Write` (no path) covers only files that
 * really lie in the workspace, never git's records there (a rewritten `.git` would point git at any config). A path
 * rule naming `.git` itself is taken as meant.
 */
export function fileRuleMatches(
  rule: ParsedRule,
  path: string,
  context: MatchContext,
  forAllow: boolean,
  writes: boolean,
): boolean {
  const spec = rule.specifier;
  if (!forAllow) return spec === null || pathMatches(spec, path, context) || realPathMatches(spec, path, context);
  if (spec === null) return !writes || (inWorkspace(path, context) && !inGitRecords(path, context));
  if (!realPathMatches(spec, path, context)) return false;
  return !writes || spec.includes('.git') || !inGitRecords(path, context);
}
