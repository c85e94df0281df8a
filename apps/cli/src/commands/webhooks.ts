// `claudeops webhooks`: create endpoints (the secret shown once), list them, their deliveries, redeliver. Owned by the webhooks work.
import type { Command } from 'commander';
import type { Context } from '../context';

/** `act` wraps a handler so that its resolved number becomes the exit code. */
export type Act = <A extends unknown[]>(handler: (...args: A) => Promise<number>) => (...args: A) => Promise<void>;

export function registerWebhookCommands(_program: Command, _context: Context, _act: Act): void {}
