// The runner's real model credential, which never reaches Claude Code: the model proxy drops whatever credential a
// call arrives with and adds this one on the way out. An API key, an auth token, or the OAuth token of
// CLAUDE_CODE_OAUTH_TOKEN / `claude login` (~/.claude/.credentials.json). Used by the daemon and the model proxy.
import { readFileSync, statSync } from 'node:fs';
import type { OutgoingHttpHeaders } from 'node:http';
import { homedir } from 'node:os';
import { join } from 'node:path';

export type ModelCredentialKind = 'api-key' | 'auth-token' | 'oauth';

export interface ModelCredential {
  kind: ModelCredentialKind;
  value: string;
  /** Where it came from (a variable name or the credentials file), for the runner's log; never the value. */
  source: string;
}

/** What Claude Code gets as ANTHROPIC_API_KEY: it starts, and the proxy puts the real credential in its place. */
export const PLACEHOLDER_API_KEY = 'sk-ant-claudeops-placeholder';

/** The runner's variables holding a model credential, in Claude Code's own order of precedence. */
export const MODEL_CREDENTIAL_ENV = {
  ANTHROPIC_AUTH_TOKEN: 'auth-token',
  ANTHROPIC_API_KEY: 'api-key',
  CLAUDE_CODE_OAUTH_TOKEN: 'oauth',
} as const satisfies Record<string, ModelCredentialKind>;

/**
 * The `anthropic-beta` flag the Messages API requires with an OAuth bearer token (the Anthropic SDK's
 * OAUTH_API_BETA_HEADER, which Claude Code sends when it runs on a `claude login`).
 */
export const OAUTH_BETA = 'oauth-2025-04-20';

/** Request headers a client authenticates with: dropped from every call, whatever Claude Code sent. */
const CREDENTIAL_HEADERS = ['x-api-key', 'authorization'];

export interface CredentialSource {
  /** The credential to send now; null when the runner has none. */
  current(): ModelCredential | null;
}

/** Where `claude login` keeps its token for this environment: CLAUDE_CONFIG_DIR, else ~/.claude. */
export function credentialsFile(env: NodeJS.ProcessEnv): string {
  return join(env.CLAUDE_CONFIG_DIR || join(env.HOME || homedir(), '.claude'), '.credentials.json');
}

/** The credential a variable of `env` holds (the first of MODEL_CREDENTIAL_ENV that is set), or null. */
export function envCredential(env: NodeJS.ProcessEnv): ModelCredential | null {
  for (const [name, kind] of Object.entries(MODEL_CREDENTIAL_ENV)) {
    const value = env[name]?.trim();
    // A runner started from inside a run (a test, a nested agent) would otherwise send the placeholder upstream.
    if (value && value !== PLACEHOLDER_API_KEY) return { kind, value, source: name };
  }
  return null;
}

/** The access token in a `claude login` credentials file, or null when there is none or it is unreadable. */
export function loginCredential(text: string, source: string): ModelCredential | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  const token = (parsed as { claudeAiOauth?: { accessToken?: unknown } } | null)?.claudeAiOauth?.accessToken;
  return typeof token === 'string' && token.trim() !== '' ? { kind: 'oauth', value: token.trim(), source } : null;
}

/**
 * The runner's credential: from its environment, else from the credentials file, read again whenever the file
 * changes (Claude Code refreshes the token in it), so a long-running runner keeps up with `claude login`.
 */
export function modelCredentialSource(env: NodeJS.ProcessEnv): CredentialSource {
  const fromEnv = envCredential(env);
  if (fromEnv) return { current: () => fromEnv };
  const path = credentialsFile(env);
  let cached: { stamp: string; credential: ModelCredential | null } | undefined;
  return {
    current() {
      let stamp: string;
      try {
        const info = statSync(path);
        stamp = `${info.mtimeMs}:${info.size}`;
      } catch {
        return null;
      }
      if (cached?.stamp !== stamp) {
        let text = '';
        try {
          text = readFileSync(path, 'utf8');
        } catch {
          // Unreadable now (being rewritten): no credential until it can be read.
        }
        cached = { stamp, credential: loginCredential(text, path) };
      }
      return cached.credential;
    },
  };
}

/** `headers` with every credential the client sent removed and `credential` in their place. */
export function withCredential(headers: OutgoingHttpHeaders, credential: ModelCredential): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = { ...headers };
  for (const name of CREDENTIAL_HEADERS) delete out[name];
  if (credential.kind === 'api-key') {
    out['x-api-key'] = credential.value;
    return out;
  }
  out.authorization = `Bearer ${credential.value}`;
  if (credential.kind === 'oauth') out['anthropic-beta'] = withBeta(out['anthropic-beta'], OAUTH_BETA);
  return out;
}

/** An `anthropic-beta` value (one header or several, comma-separated flags) with `flag` among its flags. */
function withBeta(value: OutgoingHttpHeaders[string], flag: string): string {
  const flags = (Array.isArray(value) ? value : value === undefined ? [] : [String(value)])
    .flatMap((item) => item.split(','))
    .map((item) => item.trim())
    .filter(Boolean);
  return [...new Set([...flags, flag])].join(',');
}

/**
 * The runner's ANTHROPIC_CUSTOM_HEADERS ("Name: value" lines, as Claude Code reads them): the proxy adds them, so
 * a gateway key among them stays out of Claude Code's environment too.
 */
export function customHeaders(env: NodeJS.ProcessEnv): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of (env.ANTHROPIC_CUSTOM_HEADERS ?? '').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    if (colon > 0 && /^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) headers[name] = line.slice(colon + 1).trim();
  }
  return headers;
}
