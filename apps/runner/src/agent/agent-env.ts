// Which of the runner's environment variables reach Claude Code; used by the daemon to build each job's env.
// Only what Claude Code needs: its own settings, the Anthropic API's, and the basics of a shell. Nothing of the
// runner's own (CLAUDEOPS_*: the registration token) is passed on. Model calls go through the runner's model proxy.
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

/** The subset of `env` handed to Claude Code for every job. */
export function agentEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (NAMES.has(name) || PREFIXES.some((prefix) => name.startsWith(prefix))) picked[name] = value;
  }
  return picked;
}

/** Where the runner's model proxy sends Claude Code's calls: the model API the runner itself was configured with. */
export function modelUpstream(env: NodeJS.ProcessEnv): string {
  return env.ANTHROPIC_BASE_URL || DEFAULT_MODEL_API;
}

/**
 * Claude Code's environment with its model calls pointed at the runner's model proxy (`baseUrl`). An HTTP proxy set
 * for Claude Code must not take loopback calls away, so 127.0.0.1 joins NO_PROXY whenever a proxy is configured.
 */
export function throughModelProxy(env: Record<string, string>, baseUrl: string): Record<string, string> {
  const out: Record<string, string> = { ...env, ANTHROPIC_BASE_URL: baseUrl };
  const proxied = ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy'].some((name) => env[name]);
  if (proxied) {
    for (const name of ['NO_PROXY', 'no_proxy']) {
      const list = env[name] ? env[name].split(',').map((host) => host.trim()) : [];
      if (!list.includes('127.0.0.1')) out[name] = [...list.filter(Boolean), '127.0.0.1'].join(',');
    }
  }
  return out;
}
