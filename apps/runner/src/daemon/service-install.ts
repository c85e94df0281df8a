// `claudeops-runner install-service`: a systemd unit (user or system) that runs `start` with the current flags, its
// secrets in an environment file (mode 0600), and the systemctl commands to enable it. Used by the CLI.
import { spawn } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir, platform, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { claudeCodeSettings } from '../agent/agent-env';
import type { RunnerConfig } from './config';
import { DEFAULT_DRAIN_TIMEOUT_MS } from './daemon';

export const SERVICE_NAME = 'claudeops-runner.service';
/** Added to the drain timeout: time to cancel what is left and flush it before systemd kills the group. */
const STOP_MARGIN_S = 60;
const SECRET_NAME = /KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL/i;
// Set by systemd itself for the unit's user, or meaningless in a service.
const NOT_FOR_SERVICE = new Set(['HOME', 'USER', 'LOGNAME', 'SHELL', 'TERM']);
// CLAUDEOPS_* variables the unit's flags already say.
const AS_FLAGS = new RegExp(
  '^CLAUDEOPS_(URL|REGISTRATION_TOKEN|CLAUDE_CODE_EXECUTABLE|RUNNER_(NAME|LABELS|MAX_CONCURRENT|STATE_DIR|' +
    'WORKSPACES_DIR|CANCEL_GRACE_MS|WORKTREE_MAX_AGE|WORKTREE_MAX_COUNT|DRAIN_TIMEOUT_MS|SECRETS_FILE|SECRETS|' +
    'JOB_SECRETS_FILE))$',
);

export type ServiceScope = 'user' | 'system';

export interface ServiceOptions {
  scope: ServiceScope;
  dryRun: boolean;
  enable: boolean;
}

export interface ServiceContext {
  nodePath: string;
  binPath: string;
  env: NodeJS.ProcessEnv;
  home: string;
  /** The account a system unit runs as (not root when it can be helped); null for root. */
  systemUser: string | null;
  /** How long the daemon drains on SIGTERM before cancelling jobs. */
  drainTimeoutMs?: number;
  now?: Date;
}

export interface ServicePlan {
  unitPath: string;
  unit: string;
  envPath: string;
  stateDir: string;
  /** Variables for the environment file (merged into an existing one). */
  envValues: Record<string, string>;
  commands: string[][];
}

/** The `start` flags that reproduce this configuration, paths absolute. Secrets never go here (`ps` shows them). */
export function startArgs(config: RunnerConfig): string[] {
  const args = ['start', '--url', config.url, '--name', config.name];
  if (config.labels.length > 0) args.push('--labels', config.labels.join(','));
  args.push('--max-concurrent', String(config.maxConcurrent));
  args.push('--state-dir', config.stateDir, '--workspaces-dir', config.workspacesDir);
  if (config.cancelGraceMs !== undefined) args.push('--cancel-grace-ms', String(config.cancelGraceMs));
  if (config.claudeCodePath !== undefined) args.push('--claude-code-executable', config.claudeCodePath);
  if (config.worktreeMaxAgeMs !== undefined) args.push('--worktree-max-age', `${config.worktreeMaxAgeMs}ms`);
  if (config.worktreeMaxCount !== undefined) args.push('--worktree-max-count', String(config.worktreeMaxCount));
  if (config.drainTimeoutMs !== undefined) args.push('--drain-timeout', String(config.drainTimeoutMs));
  if (config.secretsFile !== undefined) args.push('--secrets-file', config.secretsFile);
  // Names only: their values go to the environment file.
  for (const name of config.secretNames ?? []) args.push('--secret', name);
  if (config.jobSecretsFile !== undefined) args.push('--job-secrets-file', config.jobSecretsFile);
  return args;
}

/** One ExecStart word: quoted when it needs to be; `%` and `$` escaped (systemd expands both). */
export function systemdWord(word: string): string {
  const quoted = /^[A-Za-z0-9_@+=:,./-]+$/.test(word) ? word : `"${word.replace(/[\\"]/g, '\\$&')}"`;
  return quoted.replace(/%/g, '%%').replace(/\$/g, '$$$$');
}

/** What the environment file holds: the registration token and what Claude Code and the runner read from the env. */
export function serviceEnvironment(config: RunnerConfig, env: NodeJS.ProcessEnv): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(claudeCodeSettings(env))) {
    if (!NOT_FOR_SERVICE.has(name)) values[name] = value;
  }
  const redactNames = (env.CLAUDEOPS_REDACT_ENV ?? '').split(',').map((name) => name.trim());
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value.includes('\n')) continue;
    const named = redactNames.includes(name) || (config.secretNames ?? []).includes(name);
    if ((name.startsWith('CLAUDEOPS_') && !AS_FLAGS.test(name)) || named) values[name] = value;
  }
  if (config.registrationToken) values.CLAUDEOPS_REGISTRATION_TOKEN = config.registrationToken;
  return values;
}

export function planService(config: RunnerConfig, options: ServiceOptions, context: ServiceContext): ServicePlan {
  const user = options.scope === 'user';
  const configHome = context.env.XDG_CONFIG_HOME || join(context.home, '.config');
  const unitPath = user ? join(configHome, 'systemd', 'user', SERVICE_NAME) : join('/etc/systemd/system', SERVICE_NAME);
  const envPath = join(config.stateDir, 'runner.env');
  const stopSeconds = Math.ceil((context.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS) / 1000) + STOP_MARGIN_S;
  const execStart = [context.nodePath, context.binPath, ...startArgs(config)].map(systemdWord).join(' ');
  const unit = [
    `# Written by claudeops-runner install-service on ${(context.now ?? new Date()).toISOString()}.`,
    `# Run it again to change the flags; secrets are in ${envPath} (mode 0600).`,
    '[Unit]',
    `Description=ClaudeOps runner ${config.name}`,
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${execStart}`,
    `EnvironmentFile=${systemdWord(envPath)}`,
    `WorkingDirectory=${systemdWord(config.stateDir)}`,
    ...(!user && context.systemUser ? [`User=${context.systemUser}`] : []),
    'Restart=always',
    'RestartSec=5',
    '# SIGTERM reaches the runner alone: it stops taking jobs and drains the running ones (their Claude Code included);',
    '# whatever is still there when TimeoutStopSec runs out is killed with the whole group.',
    'KillMode=mixed',
    'KillSignal=SIGTERM',
    `TimeoutStopSec=${stopSeconds}`,
    '',
    '[Install]',
    `WantedBy=${user ? 'default.target' : 'multi-user.target'}`,
    '',
  ].join('\n');
  const systemctl = user ? ['systemctl', '--user'] : ['systemctl'];
  const commands = [
    [...systemctl, 'daemon-reload'],
    [...systemctl, 'enable', '--now', SERVICE_NAME],
  ];
  return {
    unitPath,
    unit,
    envPath,
    stateDir: config.stateDir,
    envValues: serviceEnvironment(config, context.env),
    commands,
  };
}

/** An environment file's text; `mask` hides secret-looking values (for printing). */
export function envFileText(values: Record<string, string>, mask = false): string {
  const lines = ['# Environment of the ClaudeOps runner service (secrets: keep this file mode 0600).'];
  for (const [name, value] of Object.entries(values)) {
    const shown = mask && SECRET_NAME.test(name) ? '********' : value;
    lines.push(`${name}="${shown.replace(/[\\"$`]/g, '\\$&')}"`);
  }
  return lines.join('\n') + '\n';
}

/** KEY=VALUE lines of an existing environment file (quotes and escapes undone), so a person's additions survive. */
export function parseEnvFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match) continue;
    const raw = match[2]!.trim();
    const quoted = /^"(.*)"$/.exec(raw) ?? /^'(.*)'$/.exec(raw);
    values[match[1]!] = quoted ? quoted[1]!.replace(/\\(.)/g, '$1') : raw;
  }
  return values;
}

/** Writes the unit and the environment file; with `enable`, runs the systemctl commands. */
export async function installService(plan: ServicePlan, options: ServiceOptions): Promise<void> {
  const existing = await readFile(plan.envPath, 'utf8').then(parseEnvFile, () => ({}));
  await mkdir(dirname(plan.envPath), { recursive: true, mode: 0o700 });
  await writeFile(plan.envPath, envFileText({ ...existing, ...plan.envValues }), { mode: 0o600 });
  await chmod(plan.envPath, 0o600);
  try {
    await mkdir(dirname(plan.unitPath), { recursive: true });
    await writeFile(plan.unitPath, plan.unit, { mode: 0o644 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') {
      throw new Error(`cannot write ${plan.unitPath}: a system unit needs root (sudo), or use --user`);
    }
    throw error;
  }
  if (!options.enable) return;
  for (const [command, ...args] of plan.commands) {
    const code = await new Promise<number | null>((resolve, reject) => {
      spawn(command!, args, { stdio: 'inherit' }).once('error', reject).once('exit', resolve);
    });
    if (code !== 0) throw new Error(`${[command, ...args].join(' ')} exited with ${code}`);
  }
}

/** What install-service prints: where things went (or would go), and how to start the service. */
export function describePlan(plan: ServicePlan, options: ServiceOptions): string {
  const sudo = options.scope === 'system' ? 'sudo ' : '';
  const journal = options.scope === 'user' ? 'journalctl --user' : 'journalctl';
  const out: string[] = [];
  if (options.dryRun) {
    out.push(`Would write ${plan.unitPath}:`, '', plan.unit, `Would write ${plan.envPath} (mode 0600):`, '');
    out.push(envFileText(plan.envValues, true));
  } else {
    out.push(`Wrote ${plan.unitPath}`, `Wrote ${plan.envPath} (mode 0600)`, '');
  }
  if (!options.enable || options.dryRun) {
    out.push('To start the runner now and at every boot:');
    for (const command of plan.commands) out.push(`  ${sudo}${command.join(' ')}`);
    if (options.scope === 'user') out.push('  loginctl enable-linger "$USER"   # keep it running when you log out');
  }
  out.push(`Logs: ${journal} -u ${SERVICE_NAME} -f`);
  out.push(`Status: claudeops-runner status --state-dir ${plan.stateDir}`);
  return out.join('\n') + '\n';
}

/** The install-service command: plans from this process (node, the bin, the flags, the env), prints, installs. */
export async function installServiceCommand(
  config: RunnerConfig,
  options: ServiceOptions,
  env: NodeJS.ProcessEnv,
  write: (text: string) => void = (text) => process.stdout.write(text),
): Promise<number> {
  if (platform() !== 'linux' && !options.dryRun) {
    throw new Error(
      'install-service writes a systemd unit, which needs Linux (see what it would write with --dry-run)',
    );
  }
  const root = process.getuid?.() === 0;
  const plan = planService(config, options, {
    nodePath: process.execPath,
    binPath: fileURLToPath(new URL('../../bin/claudeops-runner.js', import.meta.url)),
    env,
    home: homedir(),
    // Run by sudo, the unit runs as the person who ran sudo: Claude Code has no business running as root.
    systemUser: env.SUDO_USER || (root ? null : userInfo().username),
    ...(config.drainTimeoutMs !== undefined && { drainTimeoutMs: config.drainTimeoutMs }),
  });
  if (!options.dryRun) await installService(plan, options);
  write(describePlan(plan, options));
  return 0;
}
