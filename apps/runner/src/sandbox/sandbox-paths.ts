// Host paths a confined run needs besides its workspace (used by sandbox.ts): a worktree's git dirs in the runner's
// cache, the install dirs of Node and Claude Code when they lie in a hidden HOME, and the real user's HOME to hide.
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { isAbsolute, join, posix, resolve } from 'node:path';
import { isWithin, type BwrapSpec } from './bwrap-args';

/**
 * Install dirs of the program files among `paths` that lie in a hidden dir: the top-most node_modules of a package
 * file, the prefix of a binary (…/bin/node). Never a hidden dir itself or a parent of one.
 */
export function runtimeDirs(paths: string[], hide: BwrapSpec['hide']): string[] {
  const out = new Set<string>();
  for (const path of paths) {
    if (!isAbsolute(path) || !hide.some((hidden) => isWithin(path, hidden.path))) continue;
    const segments = path.split('/');
    const modules = segments.indexOf('node_modules');
    const dir = modules > 0 ? segments.slice(0, modules + 1).join('/') : posix.dirname(posix.dirname(path));
    if (hide.some((hidden) => isWithin(hidden.path, dir))) continue;
    out.add(dir);
  }
  return [...out];
}

export function safeUserHome(): string | undefined {
  try {
    return userInfo().homedir;
  } catch {
    return undefined;
  }
}

/**
 * A worktree's git dirs in the runner's cache: its admin dir (…/worktrees/<name>, read-write: the index) and the
 * cache repository (read-only). Read before Claude Code starts, when the `.git` file is still the runner's own, and
 * used only when both lie in the repos dir.
 */
export async function worktreeGitDirs(
  cwd: string,
  reposDir: string,
): Promise<{ readOnly: string[]; writable: string[] }> {
  const none = { readOnly: [], writable: [] };
  let pointer: string;
  try {
    pointer = await readFile(join(cwd, '.git'), 'utf8');
  } catch {
    return none;
  }
  const match = /^gitdir: (.+)$/m.exec(pointer);
  if (!match) return none;
  const admin = resolve(cwd, match[1]!.trim());
  let common: string;
  try {
    common = resolve(admin, (await readFile(join(admin, 'commondir'), 'utf8')).trim());
  } catch {
    return none;
  }
  if (!isWithin(admin, reposDir) || !isWithin(common, reposDir)) return none;
  return { readOnly: [common], writable: [admin] };
}
