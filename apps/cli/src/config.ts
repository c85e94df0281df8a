// Where the CLI finds the control plane and its token: CLAUDEOPS_URL and CLAUDEOPS_TOKEN, else the file `claudeops
// login` writes ($XDG_CONFIG_HOME/claudeops/config.json, default ~/.config/…; dir 0700, file 0600).
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { CliError } from './output';

export const StoredConfig = z.object({ url: z.string().url(), token: z.string().min(1) });
export type StoredConfig = z.infer<typeof StoredConfig>;

export interface ResolvedConfig extends StoredConfig {
  /** Where each value came from, for `status` and error messages. */
  source: 'environment' | 'file' | 'mixed';
}

export function configPath(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : null;
  return join(base ?? join(env.HOME || homedir(), '.config'), 'claudeops', 'config.json');
}

/** The stored file, or null when there is none; a file that is not ours is an error saying where it is. */
export async function readStoredConfig(path: string): Promise<StoredConfig | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CliError(`${path} is not JSON; run claudeops login again`);
  }
  const config = StoredConfig.safeParse(parsed);
  if (!config.success) throw new CliError(`${path} has no valid url and token; run claudeops login again`);
  return config.data;
}

/** Writes the file through a 0600 temporary beside it, in a 0700 directory (tightened if it already existed). */
export async function writeStoredConfig(path: string, config: StoredConfig): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  await chmod(temp, 0o600);
  await rename(temp, path);
}

export async function removeStoredConfig(path: string): Promise<boolean> {
  try {
    await rm(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** Strips a trailing slash; refuses anything but http(s) and a URL with a token in it. */
export function normaliseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new CliError(`${raw.trim() || 'an empty string'} is not a URL (e.g. https://claudeops.example.workers.dev)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(`the URL must be http or https`);
  if (url.username || url.password || url.search) {
    throw new CliError('the URL must not carry credentials or a query; the token goes in CLAUDEOPS_TOKEN or login');
  }
  return url.toString().replace(/\/+$/, '');
}

/** The environment's values win, one by one, over the file's. */
export async function resolveConfig(env: NodeJS.ProcessEnv): Promise<ResolvedConfig> {
  const envUrl = env.CLAUDEOPS_URL?.trim() || undefined;
  const envToken = env.CLAUDEOPS_TOKEN?.trim() || undefined;
  const stored = envUrl && envToken ? null : await readStoredConfig(configPath(env));
  const url = envUrl ?? stored?.url;
  const token = envToken ?? stored?.token;
  if (!url || !token) {
    throw new CliError('not logged in: run claudeops login, or set CLAUDEOPS_URL and CLAUDEOPS_TOKEN');
  }
  const source = envUrl && envToken ? 'environment' : !envUrl && !envToken ? 'file' : 'mixed';
  return { url: normaliseUrl(url), token, source };
}
