// `.claudeops.json`: a repository's defaults for `claudeops run` (repo, ref, labels, agent template, model, budget),
// found by walking up from the working directory; written by `claudeops init` at the git repository's root.
import { execFile } from 'node:child_process';
import { access, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { AgentName, GitRef, Labels, RepoRef } from '@claudeops/control-plane/protocol';
import { z } from 'zod';
import { CliError } from './output';

export const PROJECT_FILE = '.claudeops.json';

export const ProjectDefaults = z.strictObject({
  repo: RepoRef.optional(),
  ref: GitRef.optional(),
  labels: Labels.optional(),
  /** The agent template `run` uses when no --agent is given. */
  template: AgentName.optional(),
  model: z.string().min(1).max(200).optional(),
  maxBudgetUsd: z.number().positive().optional(),
});
export type ProjectDefaults = z.infer<typeof ProjectDefaults>;

/** The nearest `.claudeops.json` at or above `cwd`, parsed; null when there is none. */
export async function findProjectDefaults(cwd: string): Promise<{ path: string; defaults: ProjectDefaults } | null> {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const path = join(dir, PROJECT_FILE);
    const text = await readFile(path, 'utf8').catch(() => null);
    if (text !== null) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new CliError(`${path} is not JSON`);
      }
      const parsed = ProjectDefaults.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new CliError(`${path}: ${issue?.path.join('.') || 'file'}: ${issue?.message ?? 'invalid'}`);
      }
      return { path, defaults: parsed.data };
    }
    if (dirname(dir) === dir) return null;
  }
}

const git = promisify(execFile);
async function gitOut(cwd: string, args: string[]): Promise<string | null> {
  try {
    const { stdout } = await git('git', args, { cwd });
    return stdout.trim() || null;
  } catch {
    return null;
  }
}

/** A remote URL as the runner can clone it, without any user:password it may carry; null if it is none we take. */
export function cloneableRemote(remote: string | null): string | null {
  if (remote === null) return null;
  const clean = remote.replace(/^(https?:\/\/)[^/@]*@/, '$1');
  return RepoRef.safeParse(clean).success ? clean : null;
}

export interface InitOptions {
  repo?: string;
  ref?: string;
  labels: string[];
  template?: string;
  model?: string;
  force: boolean;
}

/** Writes `.claudeops.json` at the git root: the origin remote (else the root's path) and the current branch by
 * default. Returns where and what. */
export async function initProject(
  cwd: string,
  options: InitOptions,
): Promise<{ path: string; defaults: ProjectDefaults }> {
  const root = await gitOut(cwd, ['rev-parse', '--show-toplevel']);
  if (root === null) throw new CliError(`${resolve(cwd)} is not inside a git repository (run git init first)`);
  const path = join(root, PROJECT_FILE);
  const exists = await access(path).then(
    () => true,
    () => false,
  );
  if (exists && !options.force) throw new CliError(`${path} already exists; use --force to overwrite it`);
  const branch = await gitOut(root, ['symbolic-ref', '--short', '-q', 'HEAD']);
  const candidate = {
    repo: options.repo ?? cloneableRemote(await gitOut(root, ['remote', 'get-url', 'origin'])) ?? root,
    ref: options.ref ?? branch ?? undefined,
    labels: options.labels.length > 0 ? options.labels : undefined,
    template: options.template,
    model: options.model,
  };
  const parsed = ProjectDefaults.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CliError(`${issue?.path.join('.') ?? 'value'}: ${issue?.message ?? 'invalid'}`);
  }
  await writeFile(path, JSON.stringify(parsed.data, null, 2) + '\n');
  return { path, defaults: parsed.data };
}
