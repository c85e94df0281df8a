// login (checks the token against the API before saving it), logout, and init (a repository's .claudeops.json).
import type { Me } from '@claudeops/control-plane/protocol';
import { apiClient, body } from '../api';
import { configPath, normaliseUrl, readStoredConfig, removeStoredConfig, writeStoredConfig } from '../config';
import type { Context } from '../context';
import { EXIT } from '../exit-codes';
import { CliError } from '../output';
import { initProject, type InitOptions } from '../project';
import { askHidden, askLine, readAll } from '../prompt-input';
import { usage } from '../requests';

const DEFAULT_URL = 'http://127.0.0.1:8787';

/**
 * On a terminal: asks the URL (unless --url or CLAUDEOPS_URL) and the token without echo. Off a terminal: reads
 * stdin, the URL on its first line when none was given, then the token (or all of stdin with --token-stdin).
 */
export async function loginCommand(context: Context, flags: { url?: string; tokenStdin?: boolean }): Promise<number> {
  const { stdin, output, env } = context;
  const path = configPath(env);
  const previous = await readStoredConfig(path).catch(() => null);
  let url = flags.url ?? env.CLAUDEOPS_URL;
  let token: string;
  if (stdin.isTTY === true && !flags.tokenStdin) {
    if (url === undefined) {
      const fallback = previous?.url ?? DEFAULT_URL;
      url = (await askLine(stdin, output.err, `Control plane URL [${fallback}]: `)) || fallback;
    }
    token = await askHidden(stdin, output.err, 'Admin token (not shown): ');
  } else {
    if (flags.tokenStdin && url === undefined) throw usage('--token-stdin needs --url or CLAUDEOPS_URL');
    const text = await readAll(stdin);
    if (flags.tokenStdin) token = text;
    else {
      const lines = text.split('\n').map((line) => line.trim());
      if (url === undefined) url = lines.shift() || previous?.url || DEFAULT_URL;
      token = lines.find((line) => line !== '') ?? '';
    }
  }
  const baseUrl = normaliseUrl(url ?? DEFAULT_URL);
  token = token.trim();
  if (token === '')
    throw new CliError('no token given: paste the admin token npm start printed, or pipe it in with --token-stdin');
  const me = await body<Me>(apiClient({ url: baseUrl, token }, context.fetch).GET('/api/v1/me', {})).catch(
    (error: unknown) => {
      const status = (error as { status?: number }).status;
      if (status === 401) throw new CliError(`the control plane at ${baseUrl} refused this token`);
      throw error;
    },
  );
  await writeStoredConfig(path, { url: baseUrl, token });
  output.note(`Logged in to ${baseUrl} as ${me.actor}; saved in ${path} (mode 0600).`);
  return EXIT.ok;
}

export async function logoutCommand(context: Context): Promise<number> {
  const path = configPath(context.env);
  const removed = await removeStoredConfig(path);
  context.output.note(removed ? `Logged out: removed ${path}.` : `Not logged in (no ${path}).`);
  if (context.env.CLAUDEOPS_TOKEN) context.output.note('CLAUDEOPS_TOKEN is still set in this environment.');
  return EXIT.ok;
}

export async function initCommand(context: Context, flags: InitOptions & { json?: boolean }): Promise<number> {
  const { path, defaults } = await initProject(context.cwd, flags);
  if (flags.json) context.output.json(defaults);
  else context.output.data(path);
  context.output.note(`wrote ${path}: claudeops run uses ${JSON.stringify(defaults)} by default`);
  return EXIT.ok;
}
