// The runner's configuration from command-line flags and environment variables (flags win); used by the CLI.
import { hostname, homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Labels } from '@claudeops/control-plane/protocol';

export interface RunnerConfig {
  /** Base URL of the control plane (http or https). */
  url: string;
  /** One-time registration token, used only when the state dir holds no runner token for `url`. */
  registrationToken: string | null;
  name: string;
  labels: string[];
  maxConcurrent: number;
  stateDir: string;
  /** Each execution runs in <workspacesDir>/<executionId>. */
  workspacesDir: string;
  /** Grace between aborting Claude Code and killing its process group (the agent's default when unset). */
  cancelGraceMs?: number;
  /** A Claude Code executable other than the one bundled with the agent SDK. */
  claudeCodePath?: string;
}

export type Command = 'start' | 'register' | 'help';

export const DEFAULT_URL = 'http://127.0.0.1:8787';

export const USAGE = `Usage: claudeops-runner [start|register] [options]

Commands:
  start      Connect to the control plane and run jobs (default). Registers first when the
             state dir has no runner token for the URL and a registration token is given.
  register   Only register this runner and save its token.

Options (environment variable in brackets):
  --url URL                   Control plane [CLAUDEOPS_URL] (default ${DEFAULT_URL})
  --registration-token TOKEN  One-time registration token [CLAUDEOPS_REGISTRATION_TOKEN]
  --name NAME                 Runner name [CLAUDEOPS_RUNNER_NAME] (default: host name)
  --labels a,b                Labels jobs can ask for [CLAUDEOPS_RUNNER_LABELS]
  --max-concurrent N          Jobs run at once [CLAUDEOPS_RUNNER_MAX_CONCURRENT] (default 1)
  --state-dir DIR             Runner token lives here [CLAUDEOPS_RUNNER_STATE_DIR] (default ~/.claudeops/runner)
  --workspaces-dir DIR        Per-execution workspaces [CLAUDEOPS_RUNNER_WORKSPACES_DIR] (default <state-dir>/workspaces)
  --cancel-grace-ms MS        Abort-to-kill grace on cancel [CLAUDEOPS_RUNNER_CANCEL_GRACE_MS] (default 5000)
  --claude-code-executable P  Claude Code to run [CLAUDEOPS_CLAUDE_CODE_EXECUTABLE] (default: the SDK's own)
  -h, --help                  Show this help

The runner passes ANTHROPIC_* and CLAUDE_CODE_* (and PATH, HOME, ...) from its environment to Claude Code.
Log level: CLAUDEOPS_LOG_LEVEL=debug|info|warn|error (default info).`;

/** A configuration the user has to fix; the CLI prints the message and the usage hint, never a stack. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const OPTIONS = {
  url: { type: 'string' },
  'registration-token': { type: 'string' },
  name: { type: 'string' },
  labels: { type: 'string' },
  'max-concurrent': { type: 'string' },
  'state-dir': { type: 'string' },
  'workspaces-dir': { type: 'string' },
  'cancel-grace-ms': { type: 'string' },
  'claude-code-executable': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const nonEmpty = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === '' ? undefined : value.trim();

function parseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`--url must be an http(s) URL, got ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`--url must be an http(s) URL, got ${JSON.stringify(value)}`);
  }
  return value.replace(/\/+$/, '');
}

function parseLabels(value: string | undefined): string[] {
  const labels = (value ?? '')
    .split(',')
    .map((label) => label.trim())
    .filter((label) => label !== '');
  const parsed = Labels.safeParse([...new Set(labels)]);
  if (!parsed.success) {
    throw new ConfigError(`--labels: ${parsed.error.issues.map((issue) => issue.message).join('; ')}`);
  }
  return parsed.data;
}

function parseInteger(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new ConfigError(`--${flag} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return number;
}

/** Reads argv (without node and the script) and the environment into a command and a validated configuration. */
export function parseCli(argv: string[], env: NodeJS.ProcessEnv): { command: Command; config: RunnerConfig } {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) throw new ConfigError(`unexpected arguments: ${positionals.slice(1).join(' ')}`);
  const first = positionals[0] ?? 'start';
  if (first !== 'start' && first !== 'register' && first !== 'help') {
    throw new ConfigError(`unknown command ${JSON.stringify(first)} (expected start or register)`);
  }
  const command: Command = values.help ? 'help' : first;

  const name = nonEmpty(values.name) ?? nonEmpty(env.CLAUDEOPS_RUNNER_NAME) ?? hostname();
  if (name.length > 200) throw new ConfigError('--name must be at most 200 characters');
  const stateDir = resolve(
    nonEmpty(values['state-dir']) ??
      nonEmpty(env.CLAUDEOPS_RUNNER_STATE_DIR) ??
      join(homedir(), '.claudeops', 'runner'),
  );
  const workspacesDir = resolve(
    nonEmpty(values['workspaces-dir']) ?? nonEmpty(env.CLAUDEOPS_RUNNER_WORKSPACES_DIR) ?? join(stateDir, 'workspaces'),
  );
  const cancelGraceMs = parseInteger(
    'cancel-grace-ms',
    nonEmpty(values['cancel-grace-ms']) ?? nonEmpty(env.CLAUDEOPS_RUNNER_CANCEL_GRACE_MS),
    0,
    600_000,
  );
  const claudeCodePath = nonEmpty(values['claude-code-executable']) ?? nonEmpty(env.CLAUDEOPS_CLAUDE_CODE_EXECUTABLE);

  const config: RunnerConfig = {
    url: parseUrl(nonEmpty(values.url) ?? nonEmpty(env.CLAUDEOPS_URL) ?? DEFAULT_URL),
    registrationToken: nonEmpty(values['registration-token']) ?? nonEmpty(env.CLAUDEOPS_REGISTRATION_TOKEN) ?? null,
    name,
    labels: parseLabels(values.labels ?? env.CLAUDEOPS_RUNNER_LABELS),
    maxConcurrent:
      parseInteger(
        'max-concurrent',
        nonEmpty(values['max-concurrent']) ?? nonEmpty(env.CLAUDEOPS_RUNNER_MAX_CONCURRENT),
        1,
        64,
      ) ?? 1,
    stateDir,
    workspacesDir,
  };
  if (cancelGraceMs !== undefined) config.cancelGraceMs = cancelGraceMs;
  if (claudeCodePath !== undefined) config.claudeCodePath = resolve(claudeCodePath);
  return { command, config };
}
