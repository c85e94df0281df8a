// Which of the runner's environment variables reach Claude Code; used by the daemon and the job execution to build
// each job's env. Only what Claude Code needs: its own settings, the Anthropic API's, and the basics of a shell.
// Nothing of the runner's own (CLAUDEOPS_*: the registration token) is passed on, and no real model credential:
// Claude Code gets a placeholder key, and the runner's model proxy adds the real one to each call on the way out.
// Runner secrets (--secret, --job-secrets-file) reach a job only when its template names them.
import { MODEL_CREDENTIAL_ENV, PLACEHOLDER_API_KEY } from '../proxy/model-credential';
import { DEFAULT_MODEL_API } from '../proxy/model-proxy';

const PREFIXES = ['ANTHROPIC_', 'CLAUDE_CODE_', 'LC_', 'OTEL_'];

const NAMES = new Set([
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'TERM',
  'TZ',
  'TMPDIR',
  'XDG_CONFIG_HOME',
  'XDG_CACHE_HOME',
  'XDG_DATA_HOME',
  'CLAUDE_CONFIG_DIR',
  'DISABLE_AUTOUPDATER',
  'DISABLE_TELEMETRY',
  'DISABLE_ERROR_REPORTING',
  'DISABLE_BUG_COMMAND',
  'DISABLE_COST_WARNINGS',
  'DISABLE_NON_ESSENTIAL_MODEL_CALLS',
  'MAX_THINKING_TOKENS',
  'MCP_TIMEOUT',
  'MCP_TOOL_TIMEOUT',
  'BASH_DEFAULT_TIMEOUT_MS',
  'BASH_MAX_TIMEOUT_MS',
  'BASH_MAX_OUTPUT_LENGTH',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
]);

/** Set for the runner, not for Claude Code: the proxy adds them to each call (model-credential.ts). */
const PROXY_ONLY = new Set<string>([...Object.keys(MODEL_CREDENTIAL_ENV), 'ANTHROPIC_CUSTOM_HEADERS']);

/**
 * Claude Code's settings in the runner's environment, real credentials included: what a runner service must be
 * given (service-install) and what the redactor treats as secret. Never Claude Code's environment itself.
 */
export function claudeCodeSettings(env: NodeJS.ProcessEnv): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (NAMES.has(name) || PREFIXES.some((prefix) => name.startsWith(prefix))) picked[name] = value;
  }
  return picked;
}

/**
 * What every job's Claude Code gets of `env`: its settings without a real credential, and, when the runner has one
 * (`hasCredential`), the placeholder key, so Claude Code starts and its calls reach the proxy, which swaps it.
 * Without one it gets no key at all and says so, and a health run skips the analysis (hasModelCredentials).
 */
export function agentEnvironment(env: NodeJS.ProcessEnv, hasCredential: boolean): Record<string, string> {
  const picked = claudeCodeSettings(env);
  for (const name of PROXY_ONLY) delete picked[name];
  if (hasCredential) picked.ANTHROPIC_API_KEY = PLACEHOLDER_API_KEY;
  return picked;
}

/** A job naming a secret this runner does not have: it fails before Claude Code starts, saying which. */
export class MissingSecretError extends Error {
  override name = 'MissingSecretError';
}

/** `env` plus the runner secrets the job's template names (Job.secrets), and none of the others. */
export function withRunnerSecrets(
  env: Record<string, string>,
  secrets: ReadonlyMap<string, string>,
  names: readonly string[],
): Record<string, string> {
  const missing = names.filter((name) => !secrets.has(name));
  if (missing.length > 0) {
    const list = missing.join(', ');
    throw new MissingSecretError(
      `this runner has no secret ${list}: give it with --secret ${missing[0]} (a variable of the runner's ` +
        'environment) or in --job-secrets-file',
    );
  }
  const out = { ...env };
  for (const name of names) out[name] = secrets.get(name)!;
  return out;
}

/** Where the runner's model proxy sends Claude Code's calls: the model API the runner itself was configured with. */
export function modelUpstream(env: NodeJS.ProcessEnv): string {
  return env.ANTHROPIC_BASE_URL || DEFAULT_MODEL_API;
}

/**
 * Claude Code's environment with its model calls pointed at the runner's model proxy (`baseUrl`). An HTTP proxy set
 * for Claude Code must not take loopback calls away, so 127.0.0.1 joins NO_PROXY whenever a proxy is configured.
 */
/** How long Claude Code waits for a model call's answer through the proxy: a pause may last this long (7 days). */
export const HELD_CALL_TIMEOUT_MS = 7 * 24 * 60 * 60 * 1000;

export function throughModelProxy(env: Record<string, string>, baseUrl: string): Record<string, string> {
  // A paused run (or one riding out a rate limit) holds its model call at the proxy: Claude Code must not time the
  // request out meanwhile (its default is 10 minutes). A larger value of the runner's own stays.
  const own = Number(env.API_TIMEOUT_MS);
  const timeout = Number.isFinite(own) && own > HELD_CALL_TIMEOUT_MS ? own : HELD_CALL_TIMEOUT_MS;
  const out: Record<string, string> = { ...env, ANTHROPIC_BASE_URL: baseUrl, API_TIMEOUT_MS: String(timeout) };
  const proxied = ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy'].some((name) => env[name]);
  if (proxied) {
    for (const name of ['NO_PROXY', 'no_proxy']) {
      const list = env[name] ? env[name].split(',').map((host) => host.trim()) : [];
      if (!list.includes('127.0.0.1')) out[name] = [...list.filter(Boolean), '127.0.0.1'].join(',');
    }
  }
  return out;
}
