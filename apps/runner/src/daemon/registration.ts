// Finds this runner's token for a control plane, registering with a registration token when there is none.
// Used by the CLI (`register`, `start`) and by startRunner.
import { ApiError, registerRunner } from '../stream/api-client';
import type { RunnerConfig } from './config';
import { createLogger } from '../support/logger';
import { loadRegistration, saveRegistration, stateFilePath, type Registration } from './state';

const log = createLogger('registration');

/** The runner cannot start: no saved token for the URL and no registration token to get one. */
export class NotRegisteredError extends Error {
  override name = 'NotRegisteredError';
}

/** Trades the configured registration token for a runner token and saves it (replacing any for the same URL). */
export async function register(config: RunnerConfig): Promise<Registration> {
  if (!config.registrationToken) {
    throw new NotRegisteredError(
      'registering needs a registration token: pass --registration-token or set CLAUDEOPS_REGISTRATION_TOKEN ' +
        '(an admin creates one with POST /api/v1/runners/registration-tokens)',
    );
  }
  let registered;
  try {
    registered = await registerRunner(config.url, {
      registrationToken: config.registrationToken,
      name: config.name,
      labels: config.labels,
      maxConcurrent: config.maxConcurrent,
    });
  } catch (error) {
    if (error instanceof ApiError) {
      throw new NotRegisteredError(`registration with ${config.url} failed: ${error.code}: ${error.message}`);
    }
    throw error;
  }
  const registration: Registration = {
    runnerId: registered.runnerId,
    runnerToken: registered.runnerToken,
    name: config.name,
    registeredAt: new Date().toISOString(),
  };
  await saveRegistration(config.stateDir, config.url, registration);
  log.info('registered', { runnerId: registration.runnerId, url: config.url, state: stateFilePath(config.stateDir) });
  return registration;
}

/** The saved registration for config.url, or a new one when a registration token is configured. */
export async function ensureRegistered(config: RunnerConfig): Promise<Registration> {
  const saved = await loadRegistration(config.stateDir, config.url);
  if (saved) return saved;
  if (!config.registrationToken) {
    throw new NotRegisteredError(
      `no runner token for ${config.url} in ${stateFilePath(config.stateDir)}: register first with ` +
        '--registration-token TOKEN (or CLAUDEOPS_REGISTRATION_TOKEN)',
    );
  }
  return register(config);
}
