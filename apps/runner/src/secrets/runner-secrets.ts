// The runner secrets a template may name (Job.secrets): variables of the runner's own environment named with
// --secret / CLAUDEOPS_RUNNER_SECRETS, and the NAME=value lines of --job-secrets-file (mode 0600). Loaded once by
// the daemon; a job gets only those its template names, and every one of them is redacted from every event.
import { stat, readFile } from 'node:fs/promises';
import { SecretName } from '@claudeops/control-plane/protocol';

/** Names a secret cannot have: Claude Code's and the Anthropic API's settings, and the runner's own. */
const RESERVED = /^(ANTHROPIC_|CLAUDE_CODE_|CLAUDEOPS_)/;

/** Why `name` cannot be a runner secret, or null when it can. */
export function secretNameProblem(name: string): string | null {
  if (!SecretName.safeParse(name).success) return 'a secret name is an environment variable name: A-Z, 0-9 and _';
  if (RESERVED.test(name)) {
    return 'ANTHROPIC_*, CLAUDE_CODE_* and CLAUDEOPS_* are the runner’s and Claude Code’s own settings, not secrets a job may get';
  }
  return null;
}

/** NAME=value lines (blank lines, # comments and `export ` allowed; values optionally quoted). Errors name lines only. */
export function parseSecretsFile(text: string, path: string): Map<string, string> {
  const secrets = new Map<string, string>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = /^(?:export\s+)?([^=\s]+)\s*=(.*)$/.exec(line);
    // Never the line itself in the message: it holds a secret.
    if (!match) throw new Error(`${path}, line ${index + 1}: expected NAME=value`);
    const name = match[1]!;
    const problem = secretNameProblem(name);
    if (problem) throw new Error(`${path}, line ${index + 1}: ${name}: ${problem}`);
    const value = match[2]!.trim();
    const quoted = /^"(.*)"$/.exec(value) ?? /^'(.*)'$/.exec(value);
    secrets.set(name, quoted ? quoted[1]!.replace(/\\(["\\])/g, '$1') : value);
  });
  return secrets;
}

export interface RunnerSecretsConfig {
  /** --secret NAME (and CLAUDEOPS_RUNNER_SECRETS): variables of the runner's environment. */
  secretNames?: string[];
  /** --job-secrets-file: NAME=value lines. */
  jobSecretsFile?: string;
}

/** Every runner secret by name; throws (a message for the person starting the runner) on a missing or open one. */
export async function loadRunnerSecrets(
  config: RunnerSecretsConfig,
  env: NodeJS.ProcessEnv,
): Promise<Map<string, string>> {
  const secrets = new Map<string, string>();
  if (config.jobSecretsFile !== undefined) {
    const path = config.jobSecretsFile;
    let mode: number;
    try {
      mode = (await stat(path)).mode;
    } catch (error) {
      throw new Error(`cannot read the job secrets file ${path}: ${(error as Error).message}`);
    }
    // Readable by others, the file's secrets are not the runner's to keep: refuse it rather than spread them.
    if ((mode & 0o077) !== 0) {
      const octal = (mode & 0o777).toString(8).padStart(3, '0');
      throw new Error(`the job secrets file ${path} is open to other users (mode ${octal}): chmod 600 ${path}`);
    }
    for (const [name, value] of parseSecretsFile(await readFile(path, 'utf8'), path)) secrets.set(name, value);
  }
  for (const name of config.secretNames ?? []) {
    const value = env[name];
    if (!value) throw new Error(`--secret ${name}: the runner's environment has no ${name}`);
    secrets.set(name, value);
  }
  return secrets;
}
