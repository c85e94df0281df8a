// What every command gets: the environment, working directory, stdin, where to write, and (lazily) the resolved
// configuration with its API client. main.ts builds it from the process; tests build it from strings.
import type { Readable } from 'node:stream';
import { apiClient, type ApiClient } from './api';
import { resolveConfig, type ResolvedConfig } from './config';
import type { Output } from './output';

export interface Stdin extends Readable {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

export interface Context {
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdin: Stdin;
  output: Output;
  fetch?: (request: Request) => Promise<Response>;
  config(): Promise<ResolvedConfig>;
  client(): Promise<ApiClient>;
}

export function createContext(parts: Omit<Context, 'config' | 'client'>): Context {
  let config: Promise<ResolvedConfig> | null = null;
  const context: Context = {
    ...parts,
    config: () => (config ??= resolveConfig(parts.env)),
    client: async () => apiClient(await context.config(), parts.fetch),
  };
  return context;
}
