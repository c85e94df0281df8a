// The runner's configuration from command-line flags and environment variables (flags win); used by the CLI.
import { hostname, homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Labels } from '@claudeops/control-plane/protocol';
import { secretNameProblem } from '../secrets/runner-secrets';
import type { ServiceOptions } from './service-install';
import { SANDBOX_MODES, type SandboxMode } from '../sandbox/sandbox';

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
  /** Workspace retention: unused for longer than this, or beyond the newest maxCount, they are removed. */
  worktreeMaxAgeMs?: number;
  worktreeMaxCount?: number;
  /** On SIGTERM/SIGINT, how long running jobs may go on before they are cancelled (default 10 min). */
  drainTimeoutMs?: number;
  /** A file of secrets (one per line) redacted from everything the runner sends. */
  secretsFile?: string;
  /** Variables of the runner's environment a template may name (Job.secrets): --secret, CLAUDEOPS_RUNNER_SECRETS. */
  secretNames?: string[];
  /** NAME=value lines (mode 0600) of more secrets a template may name. */
  jobSecretsFile?: string;
  /** How Claude Code is confined (default auto: bubblewrap where it works here, else none, loudly). */
  sandbox?: SandboxMode;
  /** Paths no sandboxed run may see, besides the runner's own state and the real HOME. */
  sandboxHide?: string[];
  /** An Anthropic-compatible endpoint on this host (Ollama, a llama.cpp server) for `review.endpoint: "local"`. */
  localModelUrl?: string;
}

export type Command = 'start' | 'register' | 'install-service' | 'status' | 'help';
const COMMANDS: readonly string[] = ['start', 'register', 'install-service', 'status', 'help'];

export const DEFAULT_URL = 'http://127.0.0.1:8787';

export const USAGE = `Usage: claudeops-runner [start|register|install-service|status] [options]

Commands:
  start      Connect to the control plane and run jobs (default). Registers first when the
             state dir has no runner token for the URL and a registration token is given.
  register   Only register this runner and save its token.
  install-service [--user|--system] [--dry-run] [--enable]
             Write a systemd unit running \`start\` with these options (user unit by default;
             --system for /etc/systemd/system), secrets in <state-dir>/runner.env (mode 0600),
             and print the systemctl commands; --enable runs them, --dry-run only prints.
  status     Show the running daemon's connection, slots and jobs (exit 1 if none runs).

Options (environment variable in brackets):
  --url URL                   Control plane [CLAUDEOPS_URL] (default ${DEFAULT_URL})
  --registration-token TOKEN  One-time registration token [CLAUDEOPS_REGISTRATION_TOKEN]; prefer the variable: every
                              user of the machine sees a command line (ps)
  --name NAME                 Runner name [CLAUDEOPS_RUNNER_NAME] (default: host name)
  --labels a,b                Labels jobs can ask for [CLAUDEOPS_RUNNER_LABELS]
  --max-concurrent N          Jobs run at once [CLAUDEOPS_RUNNER_MAX_CONCURRENT] (default 1)
  --state-dir DIR             Runner token lives here [CLAUDEOPS_RUNNER_STATE_DIR] (default ~/.claudeops/runner)
  --workspaces-dir DIR        Per-execution workspaces [CLAUDEOPS_RUNNER_WORKSPACES_DIR] (default <state-dir>/workspaces)
  --cancel-grace-ms MS        Abort-to-kill grace on cancel [CLAUDEOPS_RUNNER_CANCEL_GRACE_MS] (default 5000)
  --claude-code-executable P  Claude Code to run [CLAUDEOPS_CLAUDE_CODE_EXECUTABLE] (default: the SDK's own)
  --worktree-max-age AGE      Remove workspaces unused this long, e.g. 7d, 12h [CLAUDEOPS_RUNNER_WORKTREE_MAX_AGE]
                              (default 7d)
  --worktree-max-count N      Keep at most N workspaces [CLAUDEOPS_RUNNER_WORKTREE_MAX_COUNT] (default 50)
  --drain-timeout TIME        On SIGTERM/SIGINT, let running jobs finish this long (ms, or 90s, 10m, 1h), then cancel
                              them; a second signal cancels at once [CLAUDEOPS_RUNNER_DRAIN_TIMEOUT_MS] (default 10m)
  --secrets-file FILE         Secrets to redact from events, one per line [CLAUDEOPS_RUNNER_SECRETS_FILE]; values of
                              *KEY*/*TOKEN*/*SECRET*/*PASSWORD*/*CREDENTIAL* variables Claude Code gets and of the
                              variables named in CLAUDEOPS_REDACT_ENV are redacted too, as are common credential shapes
  --secret NAME               A variable of the runner's environment that jobs whose template names it (secrets:
                              ["NAME"]) get; repeatable [CLAUDEOPS_RUNNER_SECRETS, comma-separated names]. Every
                              secret's value (also as base64 and hex) is redacted from every event
  --job-secrets-file FILE     More such secrets, as NAME=value lines; the file must be mode 0600
                              [CLAUDEOPS_RUNNER_JOB_SECRETS_FILE]
  --sandbox MODE              auto|bubblewrap|off [CLAUDEOPS_RUNNER_SANDBOX] (default auto: bubblewrap when it works
                              on this host, else unconfined with a warning; bubblewrap: refuse to start without it)
  --sandbox-hide PATH         Hide PATH from every sandboxed run; repeatable [CLAUDEOPS_RUNNER_SANDBOX_HIDE, comma-
                              separated]. The state dir, workspaces and the real HOME are always hidden
  --local-model-url URL       An Anthropic-compatible Messages API on this host (Ollama's, a llama.cpp server's) that
                              reviewers with endpoint "local" use, at $0 [CLAUDEOPS_RUNNER_LOCAL_MODEL_URL]
  -h, --help                  Show this help

A job naming a repository runs in a git worktree of a cached clone (<state-dir>/repos) on branch
claudeops/<execution id>; git reaches the repository with this host's credential helpers and SSH keys.
The runner passes ANTHROPIC_* and CLAUDE_CODE_* (and PATH, HOME, ...) from its environment to Claude Code, but
never a model credential: Claude Code gets a placeholder key, and the runner's model proxy adds the real one
(ANTHROPIC_API_KEY, ANTHROPIC_AUTH_TOKEN, CLAUDE_CODE_OAUTH_TOKEN, or \`claude login\`'s token) to each call.
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
  'worktree-max-age': { type: 'string' },
  'worktree-max-count': { type: 'string' },
  'drain-timeout': { type: 'string' },
  'secrets-file': { type: 'string' },
  secret: { type: 'string', multiple: true },
  'job-secrets-file': { type: 'string' },
  sandbox: { type: 'string' },
  'sandbox-hide': { type: 'string', multiple: true },
  'local-model-url': { type: 'string' },
  user: { type: 'boolean' },
  system: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  enable: { type: 'boolean' },
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

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 };

/** A duration such as 90s, 30m, 12h or 7d (ms also accepted). */
function parseDuration(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d+)\s*(ms|s|m|h|d)$/.exec(value);
  if (!match)
    throw new ConfigError(`--${flag} must be a duration such as 90s, 30m, 12h or 7d, got ${JSON.stringify(value)}`);
  return Number(match[1]) * DURATION_UNITS_MS[match[2]!]!;
}

/** --secret names (or CLAUDEOPS_RUNNER_SECRETS's), each an environment name that is not Claude Code's or ours. */
function parseSecretNames(names: string[]): string[] {
  const trimmed = [...new Set(names.map((name) => name.trim()).filter((name) => name !== ''))];
  for (const name of trimmed) {
    const problem = secretNameProblem(name);
    if (problem) throw new ConfigError(`--secret ${name}: ${problem}`);
  }
  return trimmed;
}

/** install-service's own flags; refused with any other command. */
function serviceOptions(
  command: Command,
  values: { user?: boolean; system?: boolean; 'dry-run'?: boolean; enable?: boolean },
): ServiceOptions | undefined {
  const given = (['user', 'system', 'dry-run', 'enable'] as const).filter((flag) => values[flag]);
  if (command !== 'install-service') {
    if (given.length > 0 && command !== 'help') throw new ConfigError(`--${given[0]} only goes with install-service`);
    return undefined;
  }
  if (values.user && values.system) throw new ConfigError('--user and --system exclude each other');
  return {
    scope: values.system ? 'system' : 'user',
    dryRun: Boolean(values['dry-run']),
    enable: Boolean(values.enable),
  };
}

/** Reads argv (without node and the script) and the environment into a command and a validated configuration. */
export function parseCli(
  argv: string[],
  env: NodeJS.ProcessEnv,
): { command: Command; config: RunnerConfig; service?: ServiceOptions } {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) throw new ConfigError(`unexpected arguments: ${positionals.slice(1).join(' ')}`);
  const first = positionals[0] ?? 'start';
  if (!COMMANDS.includes(first)) {
    throw new ConfigError(
      `unknown command ${JSON.stringify(first)} (expected start, register, install-service or status)`,
    );
  }
  const command = values.help ? 'help' : (first as Command);
  const service = serviceOptions(command, values);

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
  const worktreeMaxAgeMs = parseDuration(
    'worktree-max-age',
    nonEmpty(values['worktree-max-age']) ?? nonEmpty(env.CLAUDEOPS_RUNNER_WORKTREE_MAX_AGE),
  );
  if (worktreeMaxAgeMs !== undefined) config.worktreeMaxAgeMs = worktreeMaxAgeMs;
  const worktreeMaxCount = parseInteger(
    'worktree-max-count',
    nonEmpty(values['worktree-max-count']) ?? nonEmpty(env.CLAUDEOPS_RUNNER_WORKTREE_MAX_COUNT),
    0,
    100_000,
  );
  if (worktreeMaxCount !== undefined) config.worktreeMaxCount = worktreeMaxCount;
  const drainTimeout = nonEmpty(values['drain-timeout']) ?? nonEmpty(env.CLAUDEOPS_RUNNER_DRAIN_TIMEOUT_MS);
  const drainTimeoutMs =
    drainTimeout !== undefined && /^\d+$/.test(drainTimeout)
      ? parseInteger('drain-timeout', drainTimeout, 0, 86_400_000)
      : parseDuration('drain-timeout', drainTimeout);
  if (drainTimeoutMs !== undefined) config.drainTimeoutMs = drainTimeoutMs;
  const secretsFile = nonEmpty(values['secrets-file']) ?? nonEmpty(env.CLAUDEOPS_RUNNER_SECRETS_FILE);
  if (secretsFile !== undefined) config.secretsFile = resolve(secretsFile);
  const secretNames = parseSecretNames(values.secret ?? (env.CLAUDEOPS_RUNNER_SECRETS ?? '').split(','));
  if (secretNames.length > 0) config.secretNames = secretNames;
  const jobSecretsFile = nonEmpty(values['job-secrets-file']) ?? nonEmpty(env.CLAUDEOPS_RUNNER_JOB_SECRETS_FILE);
  if (jobSecretsFile !== undefined) config.jobSecretsFile = resolve(jobSecretsFile);
  const sandbox = nonEmpty(values.sandbox) ?? nonEmpty(env.CLAUDEOPS_RUNNER_SANDBOX);
  if (sandbox !== undefined) {
    if (!(SANDBOX_MODES as readonly string[]).includes(sandbox)) {
      throw new ConfigError(`--sandbox must be auto, bubblewrap or off, got ${JSON.stringify(sandbox)}`);
    }
    config.sandbox = sandbox as SandboxMode;
  }
  const hide = values['sandbox-hide'] ?? (env.CLAUDEOPS_RUNNER_SANDBOX_HIDE ?? '').split(',');
  const sandboxHide = hide.map((path) => path.trim()).filter((path) => path !== '');
  if (sandboxHide.some((path) => resolve(path) === '/')) throw new ConfigError('--sandbox-hide cannot hide /');
  if (sandboxHide.length > 0) config.sandboxHide = sandboxHide.map((path) => resolve(path));
  const localModelUrl = nonEmpty(values['local-model-url']) ?? nonEmpty(env.CLAUDEOPS_RUNNER_LOCAL_MODEL_URL);
  if (localModelUrl !== undefined) config.localModelUrl = parseLocalModelUrl(localModelUrl);
  return service ? { command, config, service } : { command, config };
}

/** An http(s) URL without credentials or a query: the reviewer POSTs to <url>/v1/messages. */
function parseLocalModelUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`--local-model-url must be an http(s) URL, got ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`--local-model-url must be an http(s) URL, got ${JSON.stringify(text)}`);
  }
  if (url.username || url.password) throw new ConfigError('--local-model-url must not carry credentials');
  return url.origin + url.pathname.replace(/\/+$/, '').replace(/\/v1(\/messages)?$/, '');
}
