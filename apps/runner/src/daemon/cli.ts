// The claudeops-runner command line: `start` (default) runs the daemon, `register` only registers, `install-service`
// writes a systemd unit, `status` shows the running daemon. Run by the bin.
import { ConfigError, parseCli, USAGE } from './config';
import { statusCommand } from './daemon-status';
import { runDaemon } from './daemon';
import { errorMessage } from '../support/logger';
import { NotRegisteredError, register } from './registration';
import { installServiceCommand } from './service-install';
import { stateFilePath } from './state';
import { RUNNER_VERSION } from './version';

/** Runs one command; resolves the process exit code. Messages for people go to stderr, never a token. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let parsed;
  try {
    parsed = parseCli(argv, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`claudeops-runner: ${error.message}\nRun claudeops-runner --help for usage.\n`);
    return 2;
  }
  const { command, config } = parsed;
  if (command === 'help') {
    process.stdout.write(`claudeops-runner ${RUNNER_VERSION}\n\n${USAGE}\n`);
    return 0;
  }
  try {
    if (command === 'status') return await statusCommand(config.stateDir);
    if (command === 'install-service' && parsed.service) {
      return await installServiceCommand(config, parsed.service, env);
    }
    if (command === 'register') {
      const registration = await register(config);
      process.stdout.write(
        `Registered runner ${registration.runnerId} (${config.name}) with ${config.url}; ` +
          `token saved in ${stateFilePath(config.stateDir)}\n`,
      );
      return 0;
    }
    return await runDaemon(config);
  } catch (error) {
    // Expected failures (NotRegisteredError, a refused token) read as one sentence; anything else is a bug worth a stack.
    if (
      !(error instanceof NotRegisteredError) &&
      error instanceof Error &&
      process.env.CLAUDEOPS_LOG_LEVEL === 'debug'
    ) {
      process.stderr.write(`${error.stack}\n`);
    }
    process.stderr.write(`claudeops-runner: ${errorMessage(error)}\n`);
    return 1;
  }
}
