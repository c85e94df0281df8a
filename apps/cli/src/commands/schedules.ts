// `claudeops schedules`: list, create, edit, enable/disable, run now and the runs of recurring executions. Owned by the schedules work.
import type { Command } from 'commander';
import type { Context } from '../context';

/** `act` wraps a handler so that its resolved number becomes the exit code. */
export type Act = <A extends unknown[]>(handler: (...args: A) => Promise<number>) => (...args: A) => Promise<void>;

export function registerScheduleCommands(_program: Command, _context: Context, _act: Act): void {}
